import {
  CHANNEL_PREFIX,
  LIVE_BATCH_CHANNEL,
  isCallChannel,
  parseResult,
  type LabApi,
  type LiveBatch,
} from '../shared/contract';
import { once } from '../shared/disposable';
import { createLiveDecoder } from '../shared/live-wire';

/** The part of Electron's ipcRenderer the preload uses; the real one fits. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

type BatchListener = (batch: LiveBatch) => void;

/**
 * Builds `window.lab` over an ipcRenderer: only `lab:` call channels are invoked, replies are
 * parsed against the contract, live batches fan out to every listener (one failing listener
 * does not starve the others). ipcRenderer itself never reaches the page.
 */
export function createLabApi(ipc: IpcRendererLike, report: (message: string, error?: unknown) => void = console.error): LabApi {
  const listeners = new Set<BatchListener>();

  // Key ids hold for this page's life: main starts a fresh channel (and fresh ids) for a new page.
  const decoder = createLiveDecoder();

  const onBatch = (_event: unknown, ...args: unknown[]): void => {
    const decoded = decoder.decode(args[0]);
    if (!decoded.ok) {
      report(`lab: ignored a malformed live frame: ${decoded.reason}`);
      return;
    }
    const batch = decoded.batch;
    for (const listener of [...listeners]) {
      try {
        listener(batch);
      } catch (error) {
        report('lab: a live batch listener threw', error);
      }
    }
    // Applied: main paces its flushes by these acknowledgements.
    ipc.invoke('lab:live:ack', { seq: batch.seq }).catch((error: unknown) => report('lab: acknowledging a live batch failed', error));
  };

  return {
    host: 'electron',

    async call(channel, request) {
      // The type allows only call channels; a page script may pass anything.
      if (!isCallChannel(channel) || !channel.startsWith(CHANNEL_PREFIX)) {
        return { ok: false, error: { code: 'INVALID_ARGUMENT', message: `unknown call channel "${String(channel)}"` } };
      }
      let raw: unknown;
      try {
        raw = await ipc.invoke(channel, request);
      } catch (error) {
        return { ok: false, error: { code: 'INTERNAL', message: `${channel} failed: ${error instanceof Error ? error.message : String(error)}` } };
      }
      return parseResult(channel, raw);
    },

    onLiveBatch(listener) {
      if (typeof listener !== 'function') throw new TypeError('onLiveBatch needs a function');
      if (listeners.size === 0) ipc.on(LIVE_BATCH_CHANNEL, onBatch);
      listeners.add(listener);
      return once(() => {
        listeners.delete(listener);
        if (listeners.size === 0) ipc.removeListener(LIVE_BATCH_CHANNEL, onBatch);
      });
    },
  };
}
