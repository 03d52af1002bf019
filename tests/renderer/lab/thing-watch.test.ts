import { describe, expect, it } from 'vitest';
import type { CallChannel, CallRequest, CallResponse, LabApi, LiveBatch } from '../../../src/shared/contract';
import { parseResult } from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/errors';
import { LOST_ON_REMOVE } from '../../../src/shared/model';
import { LabClient } from '../../../src/renderer/lab/lab-client';
import { LabController } from '../../../src/renderer/lab/lab-controller';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { liveKey } from '../../../src/renderer/store/keys';
import { actionItem, batch, invocation, item } from '../fixtures';

const connected = { status: 'connected' as const, since: '2025-01-01T10:00:00Z' };
const summary = (name: string) => ({ name, title: name, source: 'simulated' as const, connection: connected });
const td = (actions: string[], properties: string[] = []) => ({
  '@context': 'https://www.w3.org/2022/wot/td/v1.1',
  title: 'Thing',
  properties: Object.fromEntries(properties.map((name) => [name, { type: 'number', forms: [] }])),
  actions: Object.fromEntries(actions.map((name) => [name, { forms: [] }])),
  securityDefinitions: {},
  security: 'nosec',
});

/** Answers calls from a table; `reads` gives each property read its value. */
class FakeLabApi implements LabApi {
  readonly host = 'browser' as const;
  readonly calls: { channel: string; request: unknown }[] = [];
  readonly listeners = new Set<(batch: LiveBatch) => void>();
  things = [summary('vacuum'), summary('psu')];
  tds: Record<string, ReturnType<typeof td>> = { vacuum: td(['startPumpDown', 'vent'], ['pressure']), psu: td(['sweep'], ['voltage']) };
  reads: Record<string, unknown> = { 'vacuum/pressure': 1013, 'psu/voltage': 5 };
  invocations: unknown[] = [];
  call<C extends CallChannel>(channel: C, request: CallRequest<C>): Promise<Result<CallResponse<C>>> {
    this.calls.push({ channel, request });
    const r = request as { thing?: string; property?: string };
    const values: Partial<Record<CallChannel, unknown>> = {
      'lab:things:list': this.things,
      'lab:invocations:list': this.invocations,
      'lab:instruments:list': [],
      'lab:things:describe': this.tds[r.thing ?? ''],
      'lab:property:read': this.reads[`${r.thing}/${r.property}`],
    };
    return Promise.resolve(parseResult(channel, { ok: true, value: values[channel] ?? null }));
  }
  onLiveBatch(listener: (batch: LiveBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  held(): string[] {
    const held = new Set<string>();
    for (const { channel, request } of this.calls) {
      const r = request as { thing?: string; affordance?: string };
      if (r.affordance === undefined) continue;
      if (channel === 'lab:live:subscribe') held.add(`${r.thing}/${r.affordance}`);
      if (channel === 'lab:live:unsubscribe') held.delete(`${r.thing}/${r.affordance}`);
    }
    return [...held].sort();
  }
  push(b: LiveBatch): void {
    for (const listener of this.listeners) listener(b);
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
};

describe('ThingWatch: every Thing’s connection and actions', () => {
  it('subscribes to the actions of every Thing, not only the selected one, and follows the list', async () => {
    const api = new FakeLabApi();
    const store = createLabStore();
    const controller = new LabController(new LabClient(api), store);
    controller.start();
    await settle();
    expect(store.getState().selected).toBe('vacuum');
    expect(controller.watch.keys()).toEqual([
      'psu/$alarm',
      'psu/$connection',
      'psu/$freshness',
      'psu/sweep',
      'vacuum/$alarm',
      'vacuum/$connection',
      'vacuum/$freshness',
      'vacuum/startPumpDown',
      'vacuum/vent',
    ]);
    // Another view adds what it needs of every Thing; taking it away releases only that.
    const extra = controller.watch.add((_thing, description) => Object.keys(description?.properties ?? {}));
    expect(api.held()).toContain('psu/voltage');
    extra();
    expect(api.held()).not.toContain('psu/voltage');
    controller.dispose();
    expect(api.held()).toEqual([]);
  });

  it('shows a failure that happened while another Thing was selected at once on coming back', async () => {
    const api = new FakeLabApi();
    const store = createLabStore();
    const controller = new LabController(new LabClient(api), store);
    controller.start();
    await settle();
    const running = invocation({ id: 'pd-1', thing: 'vacuum', action: 'startPumpDown', status: 'running', progress: 10 });
    api.push(batch(1, [actionItem(1, running, [])]));
    store.getState().select('psu');
    await settle();
    // The vacuum's '*' is released, its action key is still held: the failure arrives.
    expect(api.held()).toContain('vacuum/startPumpDown');
    expect(api.held()).not.toContain('vacuum/*');
    api.push(batch(2, [actionItem(2, { ...running, status: 'error', error: { title: 'TIMEOUT' } }, [])]));
    store.getState().select('vacuum');
    expect(store.getState().invocations['pd-1']?.status).toBe('error');
    controller.dispose();
  });

  it('re-reads the properties of a Thing that comes back, keeping live values newer than the read', async () => {
    const api = new FakeLabApi();
    const store = createLabStore();
    const controller = new LabController(new LabClient(api), store);
    controller.start();
    await settle();
    expect(store.getState().live[liveKey('vacuum', 'pressure')]?.value).toBe(1013);
    store.getState().select('psu');
    await settle();
    api.reads['vacuum/pressure'] = 2e-3;
    store.getState().select('vacuum');
    await settle();
    expect(store.getState().live[liveKey('vacuum', 'pressure')]?.value).toBe(2e-3);
    // A read never replaces a value received after it was asked.
    store.getState().setReadValue('vacuum', 'pressure', 99, Date.now(), Date.now() - 60_000);
    expect(store.getState().live[liveKey('vacuum', 'pressure')]?.value).toBe(2e-3);
    controller.dispose();
  });

  it('ends the unfinished invocations of a Thing that leaves the list', async () => {
    const api = new FakeLabApi();
    const store = createLabStore();
    const controller = new LabController(new LabClient(api), store);
    controller.start();
    await settle();
    store.getState().putInvocations([
      invocation({ id: 'sw-1', thing: 'psu', action: 'sweep', status: 'running' }),
      invocation({ id: 'sw-0', thing: 'psu', action: 'sweep', status: 'completed', progress: 100 }),
    ]);
    store.getState().setThings([summary('vacuum')]);
    expect(store.getState().invocations['sw-1']).toMatchObject({ status: 'error', error: { title: LOST_ON_REMOVE } });
    expect(Date.parse(store.getState().invocations['sw-1']?.timeCompleted ?? '')).toBeGreaterThan(0);
    expect(store.getState().invocations['sw-0']?.status).toBe('completed');
    controller.dispose();
  });

  it('keeps how each property is kept fresh, from its $freshness key', () => {
    const store = createLabStore();
    store.getState().applyBatch(batch(1, [item({ thing: 'sensor', affordance: '$freshness', seq: 1, payload: { doubled: { mode: 'polled', periodMs: 1000 } } })]));
    expect(store.getState().freshness['sensor']).toEqual({ doubled: { mode: 'polled', periodMs: 1000 } });
    expect(store.getState().live[liveKey('sensor', '$freshness')]).toBeUndefined();
  });
});
