import { describe, expect, it } from 'vitest';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { boundInvocations, mergeLog, MAX_LOG } from '../../../src/renderer/store/invocations-slice';
import { actionItem, batch, invocation, record } from '../fixtures';

describe('invocations slice', () => {
  it('appends newLog records from live messages, newest last', () => {
    const store = createLabStore();
    store.getState().applyBatch(batch(1, [actionItem(1, invocation(), [record(1)])]));
    store.getState().applyBatch(batch(2, [actionItem(2, invocation({ progress: 40 }), [record(2), record(3)])]));
    const inv = store.getState().invocations['inv-1'];
    expect(inv?.progress).toBe(40);
    expect(inv?.log.map((each) => each.message)).toEqual(['step 1', 'step 2', 'step 3']);
  });

  it('merges a listed invocation (after a reload) with live records without duplicates', () => {
    const store = createLabStore();
    store.getState().putInvocations([invocation({ log: [record(1), record(2)] })]);
    store.getState().applyBatch(batch(1, [actionItem(1, invocation(), [record(2), record(3)])]));
    expect(store.getState().invocations['inv-1']?.log.map((each) => each.message)).toEqual(['step 1', 'step 2', 'step 3']);
    // An older snapshot from a list call does not lose records already held.
    store.getState().putInvocations([invocation({ log: [record(1)] })]);
    expect(store.getState().invocations['inv-1']?.log).toHaveLength(3);
  });

  it('never moves a finished invocation back to running', () => {
    const store = createLabStore();
    store.getState().applyBatch(batch(1, [actionItem(1, invocation({ status: 'completed', progress: 100 }), [])]));
    store.getState().putInvocations([invocation({ status: 'running', progress: 90 })]);
    expect(store.getState().invocations['inv-1']?.status).toBe('completed');
  });

  it('keeps a live running status when the invoke reply (pending) arrives after it', () => {
    const store = createLabStore();
    store.getState().applyBatch(batch(1, [actionItem(1, invocation({ status: 'running', progress: 30 }), [record(1)])]));
    store.getState().putInvocations([invocation({ status: 'pending', progress: null, timeStarted: null })]);
    expect(store.getState().invocations['inv-1']).toMatchObject({ status: 'running', progress: 30 });
    expect(store.getState().invocations['inv-1']?.log).toHaveLength(1);
    // A later status from a reply is taken.
    store.getState().putInvocations([invocation({ status: 'cancelled', progress: 30 })]);
    expect(store.getState().invocations['inv-1']?.status).toBe('cancelled');
  });

  it('bounds the log and the number of finished invocations', () => {
    const many = Array.from({ length: MAX_LOG + 10 }, (_, n) => ({ time: `t${n}`, level: 'info' as const, message: `m${n}` }));
    expect(mergeLog([], many)).toHaveLength(MAX_LOG);
    const map = Object.fromEntries(
      Array.from({ length: 6 }, (_, n) => [`i${n}`, invocation({ id: `i${n}`, status: n === 0 ? 'running' : 'completed', timeRequested: `2025-01-01T10:00:0${n}Z` })]),
    );
    const bounded = boundInvocations(map, 3);
    expect(Object.keys(bounded).sort()).toEqual(['i0', 'i4', 'i5']);
  });
});
