import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorCode } from '../../../src/shared/errors';
import type { LiveBatch } from '../../../src/shared/contract';
import { frameReader } from './live-frames';
import { startBrowserServer, type BrowserServer } from '../../../src/main/serve';
import { NOT_READING_CLOSE } from '../../../src/main/ipc/ws-server';
import { RecordingLogger, until } from '../drivers/helpers';
import { FakeThing } from './fake-thing';

const TOKEN = 'hardening-token-0123456789abcdef';
const MiB = 1024 * 1024;
let root: string;
let server: BrowserServer;
let thermo: FakeThing;
let logger: RecordingLogger;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'lab-ws-hardening-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Lab Monitor</title>');
  logger = new RecordingLogger();
  server = await startBrowserServer({ port: 0, token: TOKEN, rendererDir: root, logger, things: (publisher) => [(thermo = new FakeThing('thermo', publisher))] });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

interface Client {
  socket: WebSocket;
  results: Map<number, unknown>;
  batches: LiveBatch[];
  send(frame: unknown): void;
  call(id: number, channel: string, request: unknown): Promise<unknown>;
}

async function open(token = TOKEN): Promise<Client> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${token}`);
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const results = new Map<number, unknown>();
  const batches: LiveBatch[] = [];
  const reader = frameReader();
  socket.on('message', (data) => {
    const frame = reader.read(data.toString());
    if (frame.type === 'result') results.set(frame.id, frame.result);
    else {
      batches.push(frame.batch);
      socket.send(JSON.stringify({ type: 'ack', seq: frame.batch.seq }));
    }
  });
  const client: Client = {
    socket,
    results,
    batches,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    async call(id, channel, request) {
      client.send({ type: 'call', id, channel, request });
      return until(() => results.get(id), 5000);
    },
  };
  return client;
}

const deepObject = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = [value];
  return value;
};

describe('replies that cannot be serialised', () => {
  it('answer that call with a clear error and the server keeps serving', async () => {
    const client = await open();
    (thermo as unknown as { value: unknown }).value = deepObject(20_000);
    const deep = await client.call(1, 'lab:property:read', { thing: 'thermo', property: 'level' });
    expect(deep).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'the reply could not be sent: the value nests too deeply to be sent' } });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    (thermo as unknown as { value: unknown }).value = cyclic;
    const loop = (await client.call(2, 'lab:property:read', { thing: 'thermo', property: 'level' })) as { ok: boolean; error: { message: string } };
    expect(loop.ok).toBe(false);
    expect(loop.error.message).toMatch(/^the reply could not be sent: .*circular/i);
    expect(await client.call(3, 'lab:things:list', {})).toMatchObject({ ok: true });
  });

  it('leave an unsendable live item out of its batch, counted as dropped', async () => {
    const client = await open();
    await client.call(1, 'lab:live:subscribe', { thing: 'thermo', affordance: 'level' });
    thermo.emit(deepObject(20_000));
    const lossy = await until(() => client.batches.find((each) => each.dropped > 0));
    expect(lossy.items.some((item) => Array.isArray(item.payload))).toBe(false);
    thermo.emit(7);
    await until(() => client.batches.some((each) => each.items.some((item) => item.payload === 7)));
    expect(logger.lines.some((line) => /live item\(s\) could not be sent/.test(line))).toBe(true);
  });
});

describe('a client that never reads', () => {
  it('is cut off with a clear close reason once its queue passes the bound; another client keeps its live values', { timeout: 60_000 }, async () => {
    const watcher = await open();
    await watcher.call(1, 'lab:live:subscribe', { thing: 'thermo', affordance: 'level' });
    const greedy = await open();
    greedy.socket.removeAllListeners('message');
    const tcp = (greedy.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const closed = new Promise<{ code: number; reason: string }>((resolve) => greedy.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    const before = process.memoryUsage().rss;
    let sent = 0;
    let value = 100;
    // Each reply is 100 KB: the queue fills quickly at the server's pace for this client.
    (thermo as unknown as { value: unknown }).value = 'x'.repeat(100_000);
    const describe = JSON.stringify({ type: 'call', id: 1, channel: 'lab:property:read', request: { thing: 'thermo', property: 'level' } });
    // Far more replies than the bound (8 MiB) can hold; the server takes them at its own pace.
    const deadline = Date.now() + 30_000;
    while (!logger.lines.some((line) => line.includes('cut off')) && Date.now() < deadline) {
      for (let i = 0; i < 50; i += 1) greedy.socket.send(describe);
      sent += 50 * describe.length;
      thermo.emit((value += 1));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(logger.lines.some((line) => /cut off, .* queued and not read/.test(line))).toBe(true);
    tcp.resume();
    expect(await closed).toEqual({ code: NOT_READING_CLOSE.code, reason: NOT_READING_CLOSE.reason });
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * MiB);
    expect(sent).toBeGreaterThan(0);
    (thermo as unknown as { value: unknown }).value = 20;
    thermo.emit(999);
    await until(() => watcher.batches.some((batch) => batch.items.some((item) => item.payload === 999)));
  });
});

/** A small seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHANNELS = ['lab:property:write', 'lab:property:read', 'lab:action:invoke', 'lab:things:describe', 'lab:live:subscribe', 'lab:instruments:add', 'lab:history:series'];

/** One malformed frame: with `id` set, the server must answer it with an error. */
function malformed(next: () => number, id: number): { text: string | Buffer; id?: number } {
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const junk = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => next() * 1e308 * (next() < 0.5 ? -1 : 1),
      () => 'x'.repeat(Math.floor(next() * 20_000)),
      () => [1, 'two', null],
      () => deepObject(Math.floor(next() * 3000)),
      () => '\u0000\uffff\ud800',
      () => true,
    ])();
  switch (Math.floor(next() * 9)) {
    case 0:
      return { text: Buffer.from(Array.from({ length: 1 + Math.floor(next() * 64) }, () => Math.floor(next() * 256))) };
    case 1:
      return { text: `{"type":"call","id":${id},"channel":"lab:things:list","request":{`.slice(0, 10 + Math.floor(next() * 50)) };
    case 2:
      return { text: JSON.stringify({ type: 'ack', seq: junk() }) };
    case 3:
      return { text: JSON.stringify({ type: pick(['nope', 'result', 'batch', 7, null]), id }), id };
    case 4:
      return { text: JSON.stringify({ type: 'call', id, channel: junk() }), id };
    case 5:
      return { text: JSON.stringify({ type: 'call', id, channel: `lab:${'z'.repeat(Math.floor(next() * 500))}`, request: {} }), id };
    case 6:
      return { text: JSON.stringify({ type: 'call', id, channel: pick(CHANNELS), request: junk() }), id };
    case 7:
      return { text: JSON.stringify({ type: 'call', id, channel: pick(CHANNELS), request: { thing: junk(), property: junk(), affordance: 7, url: 'data:,x' } }), id };
    default:
      return { text: `{"type":"call","id":${id},"channel":"lab:things:list","request":${'['.repeat(5000)}${']'.repeat(5000)}}`, id };
  }
}

describe('fuzzing the WebSocket server', () => {
  it('answers each of 10,000 malformed frames that has an id with a clear error, keeps other clients live and memory bounded', { timeout: 120_000 }, async () => {
    const watcher = await open();
    await watcher.call(1, 'lab:live:subscribe', { thing: 'thermo', affordance: 'level' });
    const fuzzer = await open();
    const next = random(20261201);
    const before = process.memoryUsage().rss;
    let peak = before;
    const expected: number[] = [];
    const FRAMES = 10_000;
    for (let i = 0; i < FRAMES; i += 1) {
      const frame = malformed(next, i + 10);
      if (frame.id !== undefined) expected.push(frame.id);
      fuzzer.socket.send(frame.text);
      if (i % 500 === 499) {
        // Paced: the watcher's live value and the answers so far keep flowing meanwhile.
        thermo.emit(i);
        await until(() => expected.every((id) => fuzzer.results.has(id)), 20_000);
        await until(() => watcher.batches.some((batch) => batch.items.some((item) => item.payload === i)), 10_000);
        peak = Math.max(peak, process.memoryUsage().rss);
      }
    }
    await until(() => expected.every((id) => fuzzer.results.has(id)), 20_000);
    expect(expected.length).toBeGreaterThan(5000);
    for (const id of expected) {
      const result = fuzzer.results.get(id) as { ok: boolean; error?: { code: string; message: string } };
      expect(result.ok, `frame ${id}`).toBe(false);
      expect(ErrorCode.options).toContain(result.error?.code);
      expect(result.error?.message.length).toBeGreaterThan(5);
      expect(result.error?.message.length).toBeLessThan(5000);
    }
    // The fuzzed socket still works, the server still answers everyone.
    expect(await fuzzer.call(1, 'lab:things:list', {})).toMatchObject({ ok: true });
    expect(fuzzer.socket.readyState).toBe(WebSocket.OPEN);
    expect(peak - before).toBeLessThan(200 * MiB);
    // Log lines are rate-limited per cause: 10,000 bad frames do not make 10,000 lines.
    expect(logger.lines.length).toBeLessThan(200);
  });

  it('closes a socket that sends a frame over the size limit, and only that one', async () => {
    const watcher = await open();
    const big = await open();
    const closed = new Promise<number>((resolve) => big.socket.once('close', (code) => resolve(code)));
    big.socket.send('x'.repeat(2 * MiB));
    expect(await closed).toBe(1009);
    expect(await watcher.call(1, 'lab:things:list', {})).toMatchObject({ ok: true });
  });
});

describe('a client that floods calls', () => {
  it('is paced by its own budget while another client is answered at once', { timeout: 60_000 }, async () => {
    const flooder = await open();
    const other = await open();
    const started = Date.now();
    for (let id = 1; id <= 3000; id += 1) flooder.send({ type: 'call', id, channel: 'lab:things:list', request: {} });
    // The other client is not queued behind the flood.
    expect(await other.call(1, 'lab:things:list', {})).toMatchObject({ ok: true });
    expect(flooder.results.size).toBeLessThan(3000);
    // Every flooded call is still answered, in time.
    await until(() => flooder.results.size === 3000, 30_000);
    expect(Date.now() - started).toBeGreaterThan(1000);
  });
});
