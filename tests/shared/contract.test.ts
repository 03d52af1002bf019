import { describe, expect, it } from 'vitest';
import {
  CALL_CHANNELS,
  CHANNEL_PREFIX,
  LIVE_BATCH_CHANNEL,
  LiveBatch,
  WsClientFrame,
  WsServerFrame,
  isCallChannel,
  parseRequest,
  parseResult,
} from '../../src/shared/contract';

const item = { thing: 'thermo', affordance: 'temperature', messageType: 'property', payload: 21.5, seq: 1, time: 1700000000000 };

describe('channels', () => {
  it('all carry the lab: prefix', () => {
    expect(CALL_CHANNELS.length).toBeGreaterThan(0);
    for (const channel of [...CALL_CHANNELS, LIVE_BATCH_CHANNEL]) expect(channel.startsWith(CHANNEL_PREFIX)).toBe(true);
  });

  it('isCallChannel knows only call channels', () => {
    expect(isCallChannel('lab:things:list')).toBe(true);
    expect(isCallChannel(LIVE_BATCH_CHANNEL)).toBe(false);
    expect(isCallChannel('toString')).toBe(false);
    expect(isCallChannel('__proto__')).toBe(false);
    expect(isCallChannel(undefined)).toBe(false);
  });
});

describe('parseRequest', () => {
  it('accepts well-formed requests', () => {
    expect(parseRequest('lab:things:list', {})).toEqual({ ok: true, value: {} });
    expect(parseRequest('lab:property:write', { thing: 'psu', property: 'voltage', value: 12 })).toEqual({
      ok: true,
      value: { thing: 'psu', property: 'voltage', value: 12 },
    });
    expect(parseRequest('lab:invocations:list', {})).toMatchObject({ ok: true });
    expect(parseRequest('lab:instruments:add', { url: 'http://lab.example:5000/', credentials: { scheme: 'bearer', token: 't' } })).toMatchObject({ ok: true });
    expect(parseRequest('lab:live:subscribe', { thing: 'stage', affordance: '*' })).toMatchObject({ ok: true });
  });

  it('rejects malformed requests with INVALID_ARGUMENT naming the channel', () => {
    const bad: Array<[Parameters<typeof parseRequest>[0], unknown]> = [
      ['lab:things:list', null],
      ['lab:things:describe', {}],
      ['lab:things:describe', { thing: '' }],
      ['lab:things:describe', { thing: 'x'.repeat(201) }],
      ['lab:property:read', { thing: 'thermo', property: 3 }],
      ['lab:live:subscribe', { thing: 'thermo' }],
      ['lab:instruments:add', { url: 'not a url' }],
      ['lab:instruments:add', { url: 'http://a/', credentials: { scheme: 'basic', username: 'u' } }],
      ['lab:instruments:remove', 'id'],
    ];
    for (const [channel, request] of bad) {
      const parsed = parseRequest(channel, request);
      expect(parsed, `${channel} ${JSON.stringify(request)}`).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
      if (!parsed.ok) expect(parsed.error.message).toContain(channel);
    }
  });
});

describe('parseResult', () => {
  it('accepts results and errors of the right shape', () => {
    expect(parseResult('lab:property:write', { ok: true, value: null })).toEqual({ ok: true, value: null });
    expect(parseResult('lab:things:list', { ok: false, error: { code: 'NOT_FOUND', message: 'x' } })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'x' },
    });
  });

  it('turns malformed replies into INTERNAL errors', () => {
    for (const raw of [undefined, {}, { ok: true }, { ok: true, value: 'no' }, { ok: false, error: { code: 'WHAT', message: '' } }]) {
      expect(parseResult('lab:things:list', raw)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    }
  });
});

describe('LiveBatch', () => {
  it('accepts a batch', () => {
    expect(LiveBatch.safeParse({ seq: 1, items: [item], conflated: 0, dropped: 2 }).success).toBe(true);
  });

  it('rejects bad sequence numbers, counts and message types', () => {
    const bad = [
      { seq: 0, items: [], conflated: 0, dropped: 0 },
      { seq: 1.5, items: [], conflated: 0, dropped: 0 },
      { seq: 1, items: [], conflated: -1, dropped: 0 },
      { seq: 1, items: [{ ...item, seq: 0 }], conflated: 0, dropped: 0 },
      { seq: 1, items: [{ ...item, messageType: 'event' }], conflated: 0, dropped: 0 },
      { seq: 1, items: [{ ...item, time: 'now' }], conflated: 0, dropped: 0 },
      { seq: 1, conflated: 0, dropped: 0 },
    ];
    for (const batch of bad) expect(LiveBatch.safeParse(batch).success, JSON.stringify(batch)).toBe(false);
  });
});

describe('WebSocket frames', () => {
  it('accept the protocol shapes', () => {
    expect(WsClientFrame.safeParse({ type: 'call', id: 0, channel: 'lab:things:list', request: {} }).success).toBe(true);
    expect(WsServerFrame.safeParse({ type: 'result', id: 3, result: { ok: true, value: null } }).success).toBe(true);
    const frame = { seq: 1, conflated: 0, dropped: 0, keys: [[1, 'thermo', 'temperature', 'property']], ids: [1], seqs: [1], times: [5], payloads: [21] };
    expect(WsServerFrame.safeParse({ type: 'live', frame }).success).toBe(true);
  });

  it('reject anything else', () => {
    for (const frame of [{ type: 'call', id: -1, channel: 'x' }, { type: 'call', id: 1.5, channel: 'x' }, { type: 'call', channel: 'x' }, { type: 'cast', id: 1, channel: 'x' }, 'call']) {
      expect(WsClientFrame.safeParse(frame).success, JSON.stringify(frame)).toBe(false);
    }
    expect(WsServerFrame.safeParse({ type: 'batch', batch: { seq: 1, items: [item], conflated: 0, dropped: 0 } }).success).toBe(false);
    expect(WsServerFrame.safeParse({ type: 'live', frame: { seq: 0, conflated: 0, dropped: 0, keys: [], ids: [], seqs: [], times: [], payloads: [] } }).success).toBe(false);
  });
});
