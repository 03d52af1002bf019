import { describe, expect, it, vi } from 'vitest';
import { LIVE_BATCH_CHANNEL, type LiveBatch } from '../../src/shared/contract';
import { createLabApi, type IpcRendererLike } from '../../src/preload/lab-api';
import { createLiveEncoder } from '../../src/shared/live-wire';

type Listener = (event: unknown, ...args: unknown[]) => void;

function fakeIpc(reply: (channel: string, args: unknown[]) => unknown) {
  const listeners = new Map<string, Set<Listener>>();
  const invoked: Array<{ channel: string; args: unknown[] }> = [];
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push({ channel, args });
      return reply(channel, args);
    },
    on: (channel, listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(listener);
    },
    removeListener: (channel, listener) => {
      listeners.get(channel)?.delete(listener);
    },
  };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: 'ipc' }, payload);
  };
  return { ipc, invoked, emit, count: (channel: string) => listeners.get(channel)?.size ?? 0 };
}

const batch: LiveBatch = {
  seq: 1,
  conflated: 0,
  dropped: 0,
  items: [{ thing: 'thermo', affordance: 'temperature', messageType: 'property', payload: 21.5, seq: 1, time: 1 }],
};

describe('createLabApi', () => {
  it('invokes lab: call channels and parses the reply', async () => {
    const { ipc, invoked } = fakeIpc(() => ({ ok: true, value: 21.5 }));
    const lab = createLabApi(ipc);
    expect(lab.host).toBe('electron');
    await expect(lab.call('lab:property:read', { thing: 'thermo', property: 'temperature' })).resolves.toEqual({ ok: true, value: 21.5 });
    expect(invoked).toEqual([{ channel: 'lab:property:read', args: [{ thing: 'thermo', property: 'temperature' }] }]);
  });

  it('refuses channels outside the contract without touching IPC', async () => {
    const { ipc, invoked } = fakeIpc(() => null);
    const lab = createLabApi(ipc);
    const untyped: (channel: string, request: unknown) => Promise<unknown> = (channel, request) =>
      Reflect.apply(lab.call, lab, [channel, request]);
    await expect(untyped('shell:open', {})).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    await expect(untyped('lab:live:batch', {})).resolves.toMatchObject({ ok: false });
    expect(invoked).toEqual([]);
  });

  it('turns malformed replies and IPC failures into error data', async () => {
    const malformed = createLabApi(fakeIpc(() => ({ ok: true, value: 'not a list' })).ipc);
    await expect(malformed.call('lab:things:list', {})).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    const failing = createLabApi(
      fakeIpc(() => {
        throw new Error('no handler');
      }).ipc,
    );
    await expect(failing.call('lab:things:list', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'INTERNAL', message: expect.stringContaining('no handler') },
    });
  });

  it('fans live batches out to listeners, isolates failures, and unregisters with the last', () => {
    const { ipc, emit, count, invoked } = fakeIpc(() => null);
    const report = vi.fn();
    const lab = createLabApi(ipc, report);
    const seen: LiveBatch[] = [];
    const offBad = lab.onLiveBatch(() => {
      throw new Error('listener bug');
    });
    const offGood = lab.onLiveBatch((b) => seen.push(b));
    expect(count(LIVE_BATCH_CHANNEL)).toBe(1);
    // Main sends frames (each key once, items as columns); listeners get the batch they stand for.
    const encoder = createLiveEncoder();
    emit(LIVE_BATCH_CHANNEL, encoder.encode(batch));
    expect(seen).toEqual([batch]);
    expect(report).toHaveBeenCalledWith('lab: a live batch listener threw', expect.any(Error));
    emit(LIVE_BATCH_CHANNEL, { seq: 'x' });
    emit(LIVE_BATCH_CHANNEL, batch);
    expect(seen).toHaveLength(1);
    expect(report).toHaveBeenCalledWith(expect.stringContaining('lab: ignored a malformed live frame'));
    // The key announced before still holds: the next frame carries only its id.
    const next = encoder.encode({ ...batch, seq: 2, items: [{ ...batch.items[0]!, seq: 2, payload: 22 }] });
    expect(next.keys).toEqual([]);
    emit(LIVE_BATCH_CHANNEL, next);
    expect(seen.at(-1)?.items[0]).toMatchObject({ thing: 'thermo', affordance: 'temperature', payload: 22, seq: 2 });
    // Only the valid frames are acknowledged, after their listeners ran.
    expect(invoked).toEqual([
      { channel: 'lab:live:ack', args: [{ seq: 1 }] },
      { channel: 'lab:live:ack', args: [{ seq: 2 }] },
    ]);
    offBad();
    offBad();
    offGood();
    expect(count(LIVE_BATCH_CHANNEL)).toBe(0);
  });
});
