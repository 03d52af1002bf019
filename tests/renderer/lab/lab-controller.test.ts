import { describe, expect, it } from 'vitest';
import type { CallChannel, CallRequest, CallResponse, LabApi, LiveBatch } from '../../../src/shared/contract';
import { parseResult } from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/errors';
import { LabClient } from '../../../src/renderer/lab/lab-client';
import { LabController } from '../../../src/renderer/lab/lab-controller';
import { createLabStore } from '../../../src/renderer/store/lab-store';
import { invocation } from '../fixtures';

const connected = { status: 'connected' as const, since: '2025-01-01T10:00:00Z' };
const summary = (name: string) => ({ name, title: name, source: 'simulated' as const, connection: connected });
const td = (title: string) => ({ '@context': 'https://www.w3.org/2022/wot/td/v1.1', title, properties: {}, actions: {}, securityDefinitions: {}, security: 'nosec' });

/** Answers every call from a table; records the calls and the live listeners. */
class FakeLabApi implements LabApi {
  readonly host = 'browser' as const;
  readonly calls: { channel: string; request: unknown }[] = [];
  readonly listeners = new Set<(batch: LiveBatch) => void>();
  things = [summary('thermo'), summary('stage')];
  invocations = [invocation()];
  call<C extends CallChannel>(channel: C, request: CallRequest<C>): Promise<Result<CallResponse<C>>> {
    this.calls.push({ channel, request });
    const values: Partial<Record<CallChannel, unknown>> = {
      'lab:things:list': this.things,
      'lab:invocations:list': this.invocations,
      'lab:instruments:list': [],
      'lab:things:describe': td('Thing'),
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
      if (typeof request !== 'object' || request === null || !('thing' in request) || !('affordance' in request)) continue;
      const key = `${String(request.thing)}/${String(request.affordance)}`;
      if (channel === 'lab:live:subscribe') held.add(key);
      if (channel === 'lab:live:unsubscribe') held.delete(key);
    }
    return [...held].sort();
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('LabController', () => {
  it('holds the Thing list, each connection and the selection, and releases all of them on dispose', async () => {
    const api = new FakeLabApi();
    const store = createLabStore();
    const controller = new LabController(new LabClient(api), store);
    controller.start();
    await settle();
    // The first Thing is selected once the list arrives.
    expect(store.getState().selected).toBe('thermo');
    expect(api.held()).toEqual([
      '$alarms/state',
      '$lab/events',
      '$lab/layouts',
      '$lab/things',
      'stage/$alarm',
      'stage/$connection',
      'stage/$freshness',
      'thermo/$alarm',
      'thermo/$connection',
      'thermo/$freshness',
      'thermo/*',
    ]);
    expect(store.getState().invocations['inv-1']?.status).toBe('running');
    expect(store.getState().tds['thermo']?.title).toBe('Thing');

    store.getState().select('stage');
    await settle();
    expect(api.held()).toEqual([
      '$alarms/state',
      '$lab/events',
      '$lab/layouts',
      '$lab/things',
      'stage/$alarm',
      'stage/$connection',
      'stage/$freshness',
      'stage/*',
      'thermo/$alarm',
      'thermo/$connection',
      'thermo/$freshness',
    ]);

    controller.dispose();
    expect(api.held()).toEqual([]);
    expect(api.listeners.size).toBe(0);
  });

  it('after the link comes back, lists Things and invocations again', async () => {
    const api = new FakeLabApi();
    const store = createLabStore();
    const controller = new LabController(new LabClient(api), store);
    controller.start();
    await settle();
    api.things = [summary('thermo'), summary('stage'), summary('psu')];
    api.invocations = [invocation({ status: 'completed', progress: 100 })];
    await controller.refresh();
    expect(store.getState().things.map((thing) => thing.name)).toEqual(['thermo', 'stage', 'psu']);
    expect(api.held()).toContain('psu/$connection');
    expect(store.getState().invocations['inv-1']?.status).toBe('completed');
    controller.dispose();
  });
});
