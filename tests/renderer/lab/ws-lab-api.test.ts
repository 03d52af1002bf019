import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveBatch } from '../../../src/shared/contract';
import { createWsLabApi, wsUrlFromLocation, type WebSocketLike, type WsLinkState } from '../../../src/renderer/lab/ws-lab-api';
import { createLiveEncoder } from '../../../src/shared/live-wire';

class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: unknown) {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  drop(code = 1006, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  lastId(): number {
    const last: unknown = this.sent.at(-1);
    return typeof last === 'object' && last !== null && typeof Reflect.get(last, 'id') === 'number' ? Number(Reflect.get(last, 'id')) : -1;
  }
}

const setup = (states: WsLinkState[] = []) =>
  createWsLabApi({ url: 'ws://h/ws?token=t', createSocket: (url) => new FakeSocket(url), timeoutMs: 1000, baseDelayMs: 100, random: () => 0.5, onState: (s) => states.push(s) });

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('ws LabApi', () => {
  it('builds the socket URL from the page location and token', () => {
    expect(wsUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:5190', search: '?token=abc' })).toBe('ws://127.0.0.1:5190/ws?token=abc');
    expect(wsUrlFromLocation({ protocol: 'https:', host: 'lab', search: '' })).toBe('wss://lab/ws?token=');
  });

  it('sends call frames once open and parses result frames', async () => {
    const api = setup();
    const socket = FakeSocket.all[0]!;
    const pending = api.call('lab:things:list', {});
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(socket.sent).toEqual([{ type: 'call', id: 1, channel: 'lab:things:list', request: {} }]);
    socket.receive({ type: 'result', id: 1, result: { ok: true, value: [] } });
    await expect(pending).resolves.toEqual({ ok: true, value: [] });
  });

  it('turns a malformed result into an INTERNAL error and ignores junk frames', async () => {
    const api = setup();
    const socket = FakeSocket.all[0]!;
    socket.open();
    const pending = api.call('lab:things:list', {});
    socket.receive('not json');
    socket.receive({ type: 'mystery' });
    socket.receive({ type: 'result', id: socket.lastId(), result: { ok: true, value: 'not a list' } });
    const result = await pending;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('INTERNAL');
  });

  it('delivers decoded batches to listeners and drops invalid ones', () => {
    const api = setup();
    const socket = FakeSocket.all[0]!;
    socket.open();
    const seen: LiveBatch[] = [];
    const dispose = api.onLiveBatch((batch) => seen.push(batch));
    const encoder = createLiveEncoder();
    const batch: LiveBatch = { seq: 1, items: [{ thing: 'thermo', affordance: 'temperature', messageType: 'property', payload: 21, seq: 1, time: 5 }], conflated: 0, dropped: 0 };
    socket.receive({ type: 'live', frame: encoder.encode(batch) });
    socket.receive({ type: 'live', frame: { ...encoder.encode(batch), seq: 0 } });
    dispose();
    socket.receive({ type: 'live', frame: encoder.encode({ ...batch, seq: 2 }) });
    expect(seen).toEqual([batch]);
    // Every valid batch is acknowledged once applied, so the server can pace the flow.
    expect(socket.sent).toEqual([
      { type: 'ack', seq: 1 },
      { type: 'ack', seq: 2 },
    ]);
  });

  it('refuses malformed live frames with a warning and loses nothing else; a hostile server cannot break the page', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const api = setup();
      const socket = FakeSocket.all[0]!;
      socket.open();
      const seen: LiveBatch[] = [];
      api.onLiveBatch((batch) => seen.push(batch));
      const pending = api.call('lab:things:list', {});
      const id = socket.lastId();
      const good = { seq: 1, conflated: 0, dropped: 0, keys: [[1, 'thermo', 'temperature', 'property']], ids: [1], seqs: [1], times: [5], payloads: [20] };
      const bad: Array<[string, unknown]> = [
        ['a wrong key id', { ...good, seq: 2, keys: [], ids: [9] }],
        ['a wrong tuple length', { ...good, seq: 2, keys: [[2, 'thermo']], ids: [2] }],
        ['columns of different lengths', { ...good, seq: 2, keys: [], seqs: [2, 3] }],
        ['a non-number seq', { ...good, seq: 2, keys: [], seqs: ['2'] }],
        ['no frame at all', undefined],
        ['a huge frame of unknown ids', { ...good, seq: 2, keys: [], ids: new Array(200_000).fill(77), seqs: new Array(200_000).fill(1), times: new Array(200_000).fill(1), payloads: new Array(200_000).fill('x'.repeat(10)) }],
      ];
      const deep = `{"type":"live","frame":${JSON.stringify({ ...good, seq: 2, payloads: ['deep'] }).replace('"deep"', `${'['.repeat(5000)}${']'.repeat(5000)}`)}}`;
      socket.receive({ type: 'live', frame: good });
      for (const [what, frame] of bad) {
        warn.mockClear();
        expect(() => socket.receive({ type: 'live', frame }), what).not.toThrow();
        expect(warn, what).toHaveBeenCalledWith(expect.stringContaining('lab: ignored a malformed live frame'));
      }
      expect(() => socket.receive(deep)).not.toThrow();
      // The deep payload is data like any other (the store leaves what it cannot show): it was delivered.
      expect(seen.map((batch) => batch.seq)).toEqual([1, 2]);
      // The key announced before still holds, results still resolve, and only applied frames were acknowledged.
      socket.receive({ type: 'live', frame: { ...good, seq: 3, keys: [], seqs: [2], payloads: [21] } });
      expect(seen.at(-1)?.items).toEqual([{ thing: 'thermo', affordance: 'temperature', messageType: 'property', payload: 21, seq: 2, time: 5 }]);
      socket.receive({ type: 'result', id, result: { ok: true, value: [] } });
      expect(socket.sent.filter((frame) => Reflect.get(frame as object, 'type') === 'ack')).toEqual([
        { type: 'ack', seq: 1 },
        { type: 'ack', seq: 2 },
        { type: 'ack', seq: 3 },
      ]);
      void pending;
    } finally {
      warn.mockRestore();
    }
  });

  it('knows key ids only on the socket that announced them', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const api = setup();
      FakeSocket.all[0]!.open();
      const seen: LiveBatch[] = [];
      api.onLiveBatch((batch) => seen.push(batch));
      const frame = { seq: 1, conflated: 0, dropped: 0, keys: [[1, 'thermo', 'temperature', 'property']], ids: [1], seqs: [1], times: [5], payloads: [20] };
      FakeSocket.all[0]!.receive({ type: 'live', frame });
      FakeSocket.all[0]!.drop();
      vi.advanceTimersByTime(100);
      const second = FakeSocket.all[1]!;
      second.open();
      // A new server channel announces its own keys: an id it did not announce means nothing.
      second.receive({ type: 'live', frame: { ...frame, keys: [] } });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('key id 1 was never announced'));
      second.receive({ type: 'live', frame: { ...frame, keys: [[1, 'stage', 'position', 'property']] } });
      expect(seen.map((batch) => batch.items[0]?.thing)).toEqual(['thermo', 'stage']);
      api.close();
    } finally {
      warn.mockRestore();
    }
  });

  it('times out calls with a TIMEOUT error', async () => {
    const api = setup();
    FakeSocket.all[0]!.open();
    const pending = api.call('lab:property:read', { thing: 'thermo', property: 'temperature' });
    vi.advanceTimersByTime(1001);
    const result = await pending;
    expect(result).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('says a call was never sent when the link stays down until its timeout', async () => {
    const api = setup();
    const pending = api.call('lab:property:write', { thing: 'thermo', property: 'setpoint', value: 40 });
    vi.advanceTimersByTime(1001);
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'DISCONNECTED', message: expect.stringContaining('not sent') } });
    // Nor is it sent when the link comes back.
    FakeSocket.all[0]!.open();
    expect(FakeSocket.all[0]!.sent).toEqual([]);
    api.close();
  });

  it('reconnects with backoff and subscribes every live key again', async () => {
    const states: WsLinkState[] = [];
    const api = setup(states);
    const first = FakeSocket.all[0]!;
    first.open();
    const sub = api.call('lab:live:subscribe', { thing: 'thermo', affordance: '*' });
    first.receive({ type: 'result', id: first.lastId(), result: { ok: true, value: null } });
    await sub;
    void api.call('lab:live:subscribe', { thing: 'stage', affordance: '$connection' });
    const inFlight = api.call('lab:things:list', {});
    first.drop();
    await expect(inFlight).resolves.toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
    expect(states.at(-1)).toMatchObject({ status: 'reconnecting', attempt: 1 });
    // Changes while down are remembered, not sent.
    await expect(api.call('lab:live:unsubscribe', { thing: 'stage', affordance: '$connection' })).resolves.toEqual({ ok: true, value: null });
    await expect(api.call('lab:live:subscribe', { thing: 'psu', affordance: '*' })).resolves.toEqual({ ok: true, value: null });
    vi.advanceTimersByTime(99);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    const second = FakeSocket.all[1]!;
    second.open();
    expect(states.at(-1)).toEqual({ status: 'connected' });
    expect(second.sent).toEqual([
      { type: 'call', id: expect.any(Number), channel: 'lab:live:subscribe', request: { thing: 'thermo', affordance: '*' } },
      { type: 'call', id: expect.any(Number), channel: 'lab:live:subscribe', request: { thing: 'psu', affordance: '*' } },
    ]);
    // A successful open resets the backoff; failed attempts in a row wait longer each time.
    second.drop();
    vi.advanceTimersByTime(100);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2]!.drop();
    vi.advanceTimersByTime(199);
    expect(FakeSocket.all).toHaveLength(3);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(4);
    expect(states.at(-1)).toMatchObject({ status: 'reconnecting', attempt: 2 });
    api.close();
  });
});

describe('the access token in the page', () => {
  it('is taken from the URL once, kept in session storage and removed from the address bar', async () => {
    const { takeAccessToken } = await import('../../../src/renderer/lab/choose-lab-api');
    const stored = new Map<string, string>();
    const storage = { getItem: (key: string) => stored.get(key) ?? null, setItem: (key: string, value: string) => void stored.set(key, value) };
    const replaced: string[] = [];
    const history = { state: null, replaceState: (_state: unknown, _title: string, url?: string | URL | null) => void replaced.push(String(url)) };
    expect(takeAccessToken({ search: '?token=abc&thing=thermo', pathname: '/', hash: '#x' }, history, storage)).toBe('abc');
    expect(replaced).toEqual(['/?thing=thermo#x']);
    // A reload: no token in the URL any more, the tab's storage still has it.
    expect(takeAccessToken({ search: '', pathname: '/', hash: '' }, history, storage)).toBe('abc');
    expect(replaced).toHaveLength(1);
    expect(takeAccessToken({ search: '', pathname: '/', hash: '' }, history, undefined)).toBe('');
    expect(wsUrlFromLocation({ protocol: 'http:', host: '127.0.0.1:5190', search: '' }, 'abc')).toBe('ws://127.0.0.1:5190/ws?token=abc');
  });
});

describe('ws LabApi: a refused access token', () => {
  it('says the token is refused when the handshake fails with a 401, and keeps saying it until one succeeds', async () => {
    const states: WsLinkState[] = [];
    let access: 'refused' | 'other' = 'refused';
    const api = createWsLabApi({
      url: 'ws://h/ws?token=old',
      createSocket: (url) => new FakeSocket(url),
      baseDelayMs: 100,
      random: () => 0.5,
      onState: (s) => states.push(s),
      checkAccess: () => Promise.resolve(access),
    });
    FakeSocket.all[0]!.open();
    FakeSocket.all[0]!.drop();
    // The server restarted with a new token: the next handshake fails before it opens.
    await vi.advanceTimersByTimeAsync(150);
    FakeSocket.all[1]!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toMatchObject({ status: 'refused', reason: 'access token refused (HTTP 401)' });
    // Still refused on the next failure, with no flicker back to a plain "reconnecting".
    await vi.advanceTimersByTimeAsync(500);
    FakeSocket.all[2]!.drop();
    expect(states.at(-1)?.status).toBe('refused');
    // The server is restarted with the old token again: the tab comes back by itself.
    access = 'other';
    await vi.advanceTimersByTimeAsync(1000);
    FakeSocket.all[3]!.open();
    expect(states.at(-1)).toEqual({ status: 'connected' });
    api.close();
  });

  it('reports a plain reconnect when the server is only unreachable', async () => {
    const states: WsLinkState[] = [];
    const api = createWsLabApi({
      url: 'ws://h/ws?token=t',
      createSocket: (url) => new FakeSocket(url),
      baseDelayMs: 100,
      random: () => 0.5,
      onState: (s) => states.push(s),
      checkAccess: () => Promise.resolve('other'),
    });
    FakeSocket.all[0]!.drop();
    await vi.advanceTimersByTimeAsync(0);
    expect(states.map((s) => s.status)).toEqual(['reconnecting']);
    api.close();
  });
});
