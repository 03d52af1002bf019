import type { ElectronApplication } from '@playwright/test';

// For specs on the desktop transports. They patch or read the main process through
// Playwright's electronApp.evaluate, so they work the same on the Electron stand-in and on the
// real Electron binary.

export interface ShownNotification {
  title: string;
  body: string;
}

/** From now on, every Notification main shows is recorded; read them with shownNotifications. */
export async function recordNotifications(app: ElectronApplication): Promise<void> {
  await app.evaluate(({ Notification }) => {
    const store = globalThis as unknown as { __e2eNotifications?: ShownNotification[] };
    if (store.__e2eNotifications) return;
    store.__e2eNotifications = [];
    const show = Notification.prototype.show;
    Notification.prototype.show = function (this: Electron.Notification) {
      store.__e2eNotifications?.push({ title: this.title, body: this.body });
      return show.call(this);
    };
  });
}

export async function shownNotifications(app: ElectronApplication): Promise<ShownNotification[]> {
  return app.evaluate(() => (globalThis as unknown as { __e2eNotifications?: ShownNotification[] }).__e2eNotifications ?? []);
}

/** The next save dialog main opens answers with this file (as if the operator chose it); returns the options it was opened with later through savedDialogOptions. */
export async function answerNextSaveDialog(app: ElectronApplication, filePath: string): Promise<void> {
  await app.evaluate(({ dialog }, answer) => {
    const store = globalThis as unknown as { __e2eSaveDialogs?: unknown[] };
    store.__e2eSaveDialogs ??= [];
    const original = dialog.showSaveDialog;
    dialog.showSaveDialog = (async (...args: unknown[]) => {
      dialog.showSaveDialog = original;
      store.__e2eSaveDialogs?.push(args.at(-1));
      return { canceled: false, filePath: answer };
    }) as typeof dialog.showSaveDialog;
  }, filePath);
}

/** The options of every save dialog answered through answerNextSaveDialog, in order. */
export async function savedDialogOptions(app: ElectronApplication): Promise<unknown[]> {
  return app.evaluate(() => (globalThis as unknown as { __e2eSaveDialogs?: unknown[] }).__e2eSaveDialogs ?? []);
}

/** The stand-in's own records (undefined on the real Electron binary). */
export interface StandInRecord {
  notifications: { title: string; body: string; shownAt: string }[];
  dialogs: { type: string; options: unknown }[];
  permissionRequests: { webContentsId: number; permission: string; origin: string; granted: boolean }[];
  blockedNavigations: { webContentsId: number; url: string }[];
  blockedWindows: { webContentsId: number; url: string }[];
  shellCalls: { type: 'openPath' | 'openExternal' | 'showItemInFolder'; target: string }[];
}

export async function standInRecord(app: ElectronApplication): Promise<StandInRecord | undefined> {
  return app.evaluate(() => {
    const record = (globalThis as unknown as { __labStandIn?: StandInRecord & Record<string, unknown> }).__labStandIn;
    if (!record) return undefined;
    const { notifications, dialogs, permissionRequests, blockedNavigations, blockedWindows, shellCalls } = record;
    return { notifications, dialogs, permissionRequests, blockedNavigations, blockedWindows, shellCalls };
  });
}

export interface ForgedReply {
  frameUrl: string | undefined;
  reply: { type: 'reply'; ok: boolean; value?: unknown; error?: string };
}

/** Stand-in only: an IPC invoke from the preload world of a frame of the first window (see tests/electron-stand-in). */
export async function forgeInvoke(app: ElectronApplication, options: { channel: string; request: unknown; mainFrame?: boolean; frameUrl?: string }): Promise<ForgedReply> {
  return app.evaluate(async (_electron, forged) => {
    const record = (globalThis as unknown as { __labStandIn?: { forgeInvoke(options: unknown): Promise<ForgedReply> } }).__labStandIn;
    if (!record) throw new Error('forgeInvoke needs the Electron stand-in');
    return record.forgeInvoke(forged);
  }, options);
}
