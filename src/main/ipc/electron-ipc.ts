import { CALL_CHANNELS, LIVE_BATCH_CHANNEL } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { createLiveEncoder } from '../../shared/live-wire';
import type { ClientFactory, LabClient } from '../app/lab-core';
import { consoleLogger, type Logger } from '../core/logger';

/** The part of Electron's WebContents the IPC layer uses; the real one fits. */
export interface WebContentsLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcInvokeEventLike {
  readonly sender: WebContentsLike;
  readonly senderFrame: { readonly url: string } | null;
}

/** The part of Electron's ipcMain the IPC layer uses; the real one fits. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface ElectronIpcOptions {
  ipcMain: IpcMainLike;
  core: ClientFactory;
  /** True for URLs of the app's own pages (its file or the dev server origin). */
  isAllowedUrl: (url: string) => boolean;
  /** True for webContents of the app's own windows. */
  isOwnWebContents: (contents: WebContentsLike) => boolean;
  logger?: Logger;
}

export interface ElectronIpc {
  /** Number of windows with an open live channel (for diagnostics and tests). */
  clientCount(): number;
  /**
   * Closes a window's live channel, e.g. when it reloads: the new page subscribes afresh,
   * so the old page's references must not linger.
   */
  resetClient(contents: WebContentsLike): void;
  /** Removes the handlers and closes every window's live channel. */
  dispose(): void;
}

/**
 * Wires every `lab:` call channel to the core. Each message is checked at the trust
 * boundary: the sender must be one of our windows showing one of our pages, the request
 * must match its schema. Errors cross as data. Each window gets its own live channel,
 * pushed with `webContents.send(LIVE_BATCH_CHANNEL, frame)` (a LiveFrame, see
 * src/shared/live-wire.ts) and closed when it is destroyed.
 */
export function registerElectronIpc(options: ElectronIpcOptions): ElectronIpc {
  const { ipcMain, core, isAllowedUrl, isOwnWebContents } = options;
  const logger = options.logger ?? consoleLogger;
  const clients = new Map<WebContentsLike, LabClient>();

  const clientFor = (contents: WebContentsLike): LabClient => {
    const existing = clients.get(contents);
    if (existing) return existing;
    // Each key crosses to this page once; batches then travel as columns (see LiveFrame).
    const encoder = createLiveEncoder();
    // The desktop window is the operator at this machine.
    const client = core.openClient({
      role: 'operator',
      label: `window ${contents.id}`,
      send: (batch) => {
        if (contents.isDestroyed()) return;
        try {
          contents.send(LIVE_BATCH_CHANNEL, encoder.encode(batch));
        } catch (error) {
          // The frame's key announcements went with it: the next frames make theirs again.
          encoder.reset();
          throw error;
        }
      },
    });
    clients.set(contents, client);
    contents.once('destroyed', () => {
      client.dispose();
      if (clients.get(contents) === client) clients.delete(contents);
    });
    return client;
  };

  const refuse = (channel: string, reason: string): Result<never> => {
    logger.warn(`refused ${channel}: ${reason}`);
    return { ok: false, error: { code: 'UNAUTHORIZED', message: `refused: ${reason}` } };
  };

  for (const channel of CALL_CHANNELS) {
    ipcMain.handle(channel, async (event, ...args) => {
      const url = event.senderFrame?.url;
      if (url === undefined || !isAllowedUrl(url)) return refuse(channel, `the sending frame (${url ?? 'gone'}) is not the app's own page`);
      if (!isOwnWebContents(event.sender) || event.sender.isDestroyed()) return refuse(channel, 'the sender is not a Lab Monitor window');
      if (args.length !== 1) {
        return { ok: false, error: { code: 'INVALID_ARGUMENT', message: `${channel} takes exactly one request argument, got ${args.length}` } };
      }
      return clientFor(event.sender).call(channel, args[0]);
    });
  }

  return {
    clientCount: () => clients.size,
    resetClient(contents) {
      clients.get(contents)?.dispose();
      clients.delete(contents);
    },
    dispose() {
      for (const channel of CALL_CHANNELS) ipcMain.removeHandler(channel);
      for (const client of clients.values()) client.dispose();
      clients.clear();
    },
  };
}
