import { describe, expect, it } from 'vitest';
import type { CallChannel, CallRequest, CallResponse, LabApi, LiveBatch } from '../../../src/shared/contract';
import { parseResult } from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/errors';
import { LabClient } from '../../../src/renderer/lab/lab-client';

class FakeLabApi implements LabApi {
  readonly host = 'electron' as const;
  readonly calls: { channel: string; request: unknown }[] = [];
  refuse = false;
  call<C extends CallChannel>(channel: C, request: CallRequest<C>): Promise<Result<CallResponse<C>>> {
    this.calls.push({ channel, request });
    const raw = this.refuse ? { ok: false, error: { code: 'NOT_FOUND', message: 'no such Thing' } } : { ok: true, value: null };
    return Promise.resolve(parseResult(channel, raw));
  }
  onLiveBatch(_listener: (batch: LiveBatch) => void): () => void {
    return () => {};
  }
}

const liveCalls = (api: FakeLabApi) => api.calls.filter((call) => call.channel.startsWith('lab:live:'));

describe('LabClient', () => {
  it('makes one subscribe for many holders and unsubscribes on the last release', () => {
    const api = new FakeLabApi();
    const client = new LabClient(api);
    const a = client.subscribe('thermo', '*');
    const b = client.subscribe('thermo', '*');
    const c = client.subscribe('thermo', '$connection');
    expect(liveCalls(api)).toEqual([
      { channel: 'lab:live:subscribe', request: { thing: 'thermo', affordance: '*' } },
      { channel: 'lab:live:subscribe', request: { thing: 'thermo', affordance: '$connection' } },
    ]);
    a();
    a(); // a disposer is harmless twice
    expect(client.refCount('thermo', '*')).toBe(1);
    expect(liveCalls(api)).toHaveLength(2);
    b();
    expect(client.refCount('thermo', '*')).toBe(0);
    expect(liveCalls(api).at(-1)).toEqual({ channel: 'lab:live:unsubscribe', request: { thing: 'thermo', affordance: '*' } });
    c();
    expect(liveCalls(api)).toHaveLength(4);
    // Subscribing again after a full release subscribes again.
    client.subscribe('thermo', '*');
    expect(liveCalls(api)).toHaveLength(5);
  });

  it('reports refused subscriptions', async () => {
    const api = new FakeLabApi();
    api.refuse = true;
    const errors: string[] = [];
    const client = new LabClient(api, (error) => errors.push(`${error.thing}/${error.affordance} ${error.message}`));
    client.subscribe('ghost', '*');
    await Promise.resolve();
    await Promise.resolve();
    expect(errors).toEqual(['ghost/* NOT_FOUND: no such Thing']);
  });

  it('typed wrappers send the contract channels', async () => {
    const api = new FakeLabApi();
    const client = new LabClient(api);
    await client.write('thermo', 'setpoint', 50);
    await client.addInstrument('http://127.0.0.1:5000/', { scheme: 'bearer', token: 't' });
    await client.listInvocations();
    expect(api.calls).toEqual([
      { channel: 'lab:property:write', request: { thing: 'thermo', property: 'setpoint', value: 50 } },
      { channel: 'lab:instruments:add', request: { url: 'http://127.0.0.1:5000/', credentials: { scheme: 'bearer', token: 't' } } },
      { channel: 'lab:invocations:list', request: {} },
    ]);
  });
});
