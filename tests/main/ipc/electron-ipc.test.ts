import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALL_CHANNELS, LIVE_BATCH_CHANNEL, type LiveBatch } from '../../../src/shared/contract';
import { frameReader } from './live-frames';
import { registerElectronIpc, type IpcInvokeEventLike, type IpcMainLike, type WebContentsLike } from '../../../src/main/ipc/electron-ipc';
import { silentLogger } from '../../../src/main/core/logger';
import { createLabCore, type LabCore } from '../../../src/main/app/lab-core';
import { FakeThing } from './fake-thing';

const APP_URL = 'file:///app/out/renderer/index.html';

type Handler = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: IpcInvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  }
}

class FakeWebContents implements WebContentsLike {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  private destroyed = false;
  private readonly onDestroyed: Array<() => void> = [];
  /** The next send fails as structured clone does on a value it cannot copy. */
  failNext = false;
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    if (this.failNext) {
      this.failNext = false;
      throw new Error('An object could not be cloned.');
    }
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): this {
    this.onDestroyed.push(listener);
    return this;
  }
  destroy(): void {
    this.destroyed = true;
    for (const listener of this.onDestroyed.splice(0)) listener();
  }
  /** What this window's preload made of the live frames it was sent, in order. */
  batches(): LiveBatch[] {
    const reader = frameReader();
    return this.sent.filter((entry) => entry.channel === LIVE_BATCH_CHANNEL).map((entry) => reader.decode(entry.args[0]));
  }
}

let core: LabCore;
let thermo: FakeThing;
let ipcMain: FakeIpcMain;
let own: Set<WebContentsLike>;

beforeEach(async () => {
  vi.useFakeTimers();
  core = await createLabCore({
    logger: silentLogger,
    things: (publisher) => [(thermo = new FakeThing('thermo', publisher))],
  });
  ipcMain = new FakeIpcMain();
  own = new Set();
});
afterEach(async () => {
  vi.useRealTimers();
  await core.dispose();
});

const setup = () =>
  registerElectronIpc({
    ipcMain,
    core,
    logger: silentLogger,
    isAllowedUrl: (url) => url === APP_URL,
    isOwnWebContents: (contents) => own.has(contents),
  });

const window = (): FakeWebContents => {
  const contents = new FakeWebContents();
  own.add(contents);
  return contents;
};
const event = (sender: WebContentsLike, url: string | null = APP_URL): IpcInvokeEventLike => ({
  sender,
  senderFrame: url === null ? null : { url },
});

describe('registerElectronIpc', () => {
  it('handles every call channel and removes the handlers on dispose', () => {
    const ipc = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...CALL_CHANNELS].sort());
    expect([...ipcMain.handlers.keys()].every((channel) => channel.startsWith('lab:'))).toBe(true);
    ipc.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('answers calls from our window as data', async () => {
    setup();
    const contents = window();
    await expect(ipcMain.invoke('lab:property:read', event(contents), { thing: 'thermo', property: 'level' })).resolves.toEqual({
      ok: true,
      value: 20,
    });
    await expect(ipcMain.invoke('lab:things:describe', event(contents), { thing: 'nope' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('refuses frames that are not our page and webContents that are not our windows', async () => {
    setup();
    const contents = window();
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', 'about:blank']) {
      await expect(ipcMain.invoke('lab:things:list', event(contents, url), {})).resolves.toMatchObject({
        ok: false,
        error: { code: 'UNAUTHORIZED' },
      });
    }
    await expect(ipcMain.invoke('lab:things:list', event(contents, null), {})).resolves.toMatchObject({ ok: false });
    const stranger = new FakeWebContents();
    await expect(ipcMain.invoke('lab:things:list', event(stranger), {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'UNAUTHORIZED' },
    });
  });

  it('refuses requests that do not match the schema with INVALID_ARGUMENT data', async () => {
    setup();
    const contents = window();
    await expect(ipcMain.invoke('lab:property:read', event(contents), { thing: 7 })).resolves.toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('lab:property:read') },
    });
    await expect(ipcMain.invoke('lab:things:list', event(contents))).resolves.toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    await expect(ipcMain.invoke('lab:things:list', event(contents), {}, 'extra')).resolves.toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
  });

  it('pushes live batches to the subscribing window only', async () => {
    setup();
    const a = window();
    const b = window();
    await ipcMain.invoke('lab:live:subscribe', event(a), { thing: 'thermo', affordance: 'level' });
    await ipcMain.invoke('lab:things:list', event(b), {});
    thermo.emit(42);
    vi.advanceTimersByTime(16);
    expect(a.batches()).toEqual([{ seq: 1, conflated: 0, dropped: 0, items: [expect.objectContaining({ payload: 42 })] }]);
    expect(b.batches()).toEqual([]);
  });

  it('sends each key once per window, and again after a frame was lost on the way', async () => {
    setup();
    const a = window();
    await ipcMain.invoke('lab:live:subscribe', event(a), { thing: 'thermo', affordance: 'level' });
    thermo.emit(1);
    vi.advanceTimersByTime(16);
    thermo.emit(2);
    vi.advanceTimersByTime(16);
    const frames = () => a.sent.filter((entry) => entry.channel === LIVE_BATCH_CHANNEL).map((entry) => entry.args[0] as { keys: unknown[] });
    expect(frames().map((frame) => frame.keys.length)).toEqual([1, 0]);
    // A frame that cannot be sent takes its announcements with it: the next one makes its own.
    a.failNext = true;
    thermo.emit(3);
    vi.advanceTimersByTime(16);
    thermo.emit(4);
    vi.advanceTimersByTime(16);
    expect(frames().map((frame) => frame.keys.length)).toEqual([1, 0, 1]);
    expect(a.batches().map((batch) => batch.items.map((item) => item.payload))).toEqual([[1], [2], [4]]);
    // The lost batch shows as a gap in the batch numbers.
    expect(a.batches().map((batch) => batch.seq)).toEqual([1, 2, 4]);
  });

  it("disposes a window's subscriptions when its webContents is destroyed", async () => {
    const ipc = setup();
    const a = window();
    await ipcMain.invoke('lab:live:subscribe', event(a), { thing: 'thermo', affordance: 'level' });
    await ipcMain.invoke('lab:live:subscribe', event(a), { thing: 'thermo', affordance: '*' });
    expect(core.broker).toBeDefined();
    expect(ipc.clientCount()).toBe(1);
    thermo.emit(1);
    a.destroy();
    expect(ipc.clientCount()).toBe(0);
    expect(() => vi.advanceTimersByTime(50)).not.toThrow();
    thermo.emit(2);
    vi.advanceTimersByTime(50);
    expect(a.batches()).toEqual([]);
    // A destroyed sender is refused, not given a new channel.
    await expect(ipcMain.invoke('lab:things:list', event(a), {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('starts a reloaded page with a fresh live channel', async () => {
    const ipc = setup();
    const a = window();
    await ipcMain.invoke('lab:live:subscribe', event(a), { thing: 'thermo', affordance: 'level' });
    ipc.resetClient(a);
    expect(ipc.clientCount()).toBe(0);
    // The new page's first unsubscribe finds nothing of the old page's references.
    await expect(ipcMain.invoke('lab:live:unsubscribe', event(a), { thing: 'thermo', affordance: 'level' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    await ipcMain.invoke('lab:live:subscribe', event(a), { thing: 'thermo', affordance: 'level' });
    thermo.emit(5);
    vi.advanceTimersByTime(16);
    expect(a.batches()).toEqual([{ seq: 1, conflated: 0, dropped: 0, items: [expect.objectContaining({ payload: 5, seq: 1 })] }]);
    a.destroy();
    expect(ipc.clientCount()).toBe(0);
  });
});
