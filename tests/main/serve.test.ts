import { chmodSync, mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LiveBatch } from '../../src/shared/contract';
import { frameReader, type ReadFrame } from './ipc/live-frames';
import { silentLogger } from '../../src/main/core/logger';
import { startBrowserServer, type BrowserServer } from '../../src/main/serve';
import { FakeThing } from './ipc/fake-thing';

const TOKEN = 'test-token-0123456789abcdef0123456789';
let root: string;
let server: BrowserServer;
let thermo: FakeThing;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 'lab-renderer-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Lab Monitor</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1);');
  writeFileSync(join(root, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(root, '..', 'secret-lab-test.txt'), 'secret');
  server = await startBrowserServer({
    port: 0,
    token: TOKEN,
    rendererDir: root,
    logger: silentLogger,
    things: (publisher) => [(thermo = new FakeThing('thermo', publisher))],
  });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await server.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(join(root, '..', 'secret-lab-test.txt'), { force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw requests, so paths like /../ reach the server unnormalised. */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(query = `?token=${TOKEN}`, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws${query}`, { headers });
    sockets.push(socket);
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.once('error', reject);
  });
}

/** Collects server frames, parsed against the contract. */
function frames(socket: WebSocket) {
  const received: ReadFrame[] = [];
  const waiters: Array<() => void> = [];
  const reader = frameReader();
  socket.on('message', (data) => {
    received.push(reader.read(data.toString()));
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async (match: (frame: ReadFrame) => boolean, timeoutMs = 3000): Promise<ReadFrame> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = received.findIndex(match);
      if (index >= 0) return received.splice(index, 1)[0] as ReadFrame;
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  const result = async (id: number) => {
    const frame = await next((f) => f.type === 'result' && f.id === id);
    return frame.type === 'result' ? frame.result : undefined;
  };
  const batch = async (): Promise<LiveBatch> => {
    const frame = await next((f) => f.type === 'batch');
    if (frame.type !== 'batch') throw new Error('unreachable');
    return frame.batch;
  };
  return { result, batch, received };
}

describe('browser mode: HTTP', () => {
  it('prints an operator and a viewer URL, each with its own token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    expect(server.operatorUrl).toBe(server.url);
    expect(server.viewerUrl).toBe(`http://127.0.0.1:${server.port}/?token=${server.viewerToken}`);
    expect(server.viewerToken).not.toBe(TOKEN);
    expect(server.viewerToken).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serves the page and its assets without a token and sets no cookie', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Lab Monitor');
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await get(`/?token=${TOKEN}`)).headers['set-cookie']).toBeUndefined();
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    const js = await get('/assets/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/assets/')).status).toBe(404);
    expect((await get('/', {}, 'POST')).status).toBe(405);
  });

  it('tells a tab whether its token still holds (a restarted server has new ones)', async () => {
    expect((await get('/access', { 'x-lab-token': TOKEN })).status).toBe(204);
    expect((await get('/access', { 'x-lab-token': 'an-old-token-from-before-restart' })).status).toBe(401);
    expect((await get('/access')).status).toBe(401);
    expect((await get('/access', { 'x-lab-token': TOKEN, Host: `evil.example:${server.port}` })).status).toBe(421);
  });

  it('refuses requests whose Host is not this server (DNS rebinding)', async () => {
    expect((await get('/', { Host: `evil.example:${server.port}` })).status).toBe(421);
    expect((await get('/', { Host: `127.0.0.1:${server.port + 1}` })).status).toBe(421);
    expect((await get('/', { Host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('accepts the names given with --host-name and prints its URLs with the first one', async () => {
    const named = await startBrowserServer({
      port: 0,
      token: TOKEN,
      rendererDir: root,
      logger: silentLogger,
      allowedHostNames: ['lab-pc.example.org', '10.1.2.3'],
      things: (publisher) => [new FakeThing('thermo', publisher)],
    });
    try {
      const at = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: named.port, path: '/', headers: { Host: host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await at(`lab-pc.example.org:${named.port}`)).toBe(200);
      expect(await at(`LAB-PC.example.org:${named.port}`)).toBe(200);
      expect(await at(`10.1.2.3:${named.port}`)).toBe(200);
      expect(await at(`127.0.0.1:${named.port}`)).toBe(200);
      expect(await at(`other.example.org:${named.port}`)).toBe(421);
      expect(named.url).toBe(`http://lab-pc.example.org:${named.port}/?token=${TOKEN}`);
    } finally {
      await named.close();
    }
  });

  it('never serves files outside the renderer directory', async () => {
    const auth = { Cookie: `lab_token=${TOKEN}` };
    for (const path of ['/../secret-lab-test.txt', '/%2e%2e/secret-lab-test.txt', '/assets/..%2f..%2fsecret-lab-test.txt', '/..%5csecret-lab-test.txt', '/%00', '/%E0%A4%A']) {
      const reply = await get(path, auth);
      expect(reply.status, path).toBeGreaterThanOrEqual(400);
      expect(reply.body).not.toContain('secret');
    }
  });
});

describe('browser mode: WebSocket', () => {
  it('refuses upgrades without the right token; a cookie is no token', async () => {
    await expect(connect('')).rejects.toThrow('401');
    await expect(connect('?token=nope')).rejects.toThrow('401');
    await expect(connect('', { Cookie: `lab_token=${TOKEN}` })).rejects.toThrow('401');
    await expect(connect(`?token=${TOKEN}`)).resolves.toBeInstanceOf(WebSocket);
    await expect(connect(`?token=${server.viewerToken}`)).resolves.toBeInstanceOf(WebSocket);
  });

  it('refuses upgrades from pages of another origin or Host, even with the token', async () => {
    await expect(connect(`?token=${TOKEN}`, { Origin: 'http://evil.example' })).rejects.toThrow('403');
    await expect(connect(`?token=${TOKEN}`, { Origin: `http://127.0.0.1:${server.port + 1}` })).rejects.toThrow('403');
    // DNS rebinding: the page's origin and the Host agree with each other, but not with this server.
    await expect(
      connect(`?token=${TOKEN}`, { Host: `evil.example:${server.port}`, Origin: `http://evil.example:${server.port}` }),
    ).rejects.toThrow('403');
    await expect(connect(`?token=${TOKEN}`, { Origin: `http://127.0.0.1:${server.port}` })).resolves.toBeInstanceOf(WebSocket);
    await expect(connect(`?token=${TOKEN}`, { Origin: `http://localhost:${server.port}` })).resolves.toBeInstanceOf(WebSocket);
  });

  it('gives the viewer token a watch-only client: reads and live values pass, writes are FORBIDDEN', async () => {
    const socket = await connect(`?token=${server.viewerToken}`);
    const { result, batch } = frames(socket);
    socket.send(JSON.stringify({ type: 'call', id: 1, channel: 'lab:client:info', request: {} }));
    expect(await result(1)).toMatchObject({ ok: true, value: { role: 'viewer' } });
    socket.send(JSON.stringify({ type: 'call', id: 2, channel: 'lab:live:subscribe', request: { thing: 'thermo', affordance: 'level' } }));
    expect(await result(2)).toEqual({ ok: true, value: null });
    thermo.emit(5);
    expect((await batch()).items[0]).toMatchObject({ payload: 5 });
    const forged: Array<[string, unknown]> = [
      ['lab:property:write', { thing: 'thermo', property: 'level', value: 3 }],
      ['lab:action:invoke', { thing: 'thermo', action: 'ramp', input: {} }],
      ['lab:action:cancel', { thing: 'thermo', id: 'x' }],
      ['lab:instruments:add', { url: 'http://127.0.0.1:1/' }],
      ['lab:instruments:remove', { id: 'x' }],
    ];
    let id = 10;
    for (const [channel, request] of forged) {
      socket.send(JSON.stringify({ type: 'call', id, channel, request }));
      expect(await result(id), channel).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      id += 1;
    }
    socket.send(JSON.stringify({ type: 'call', id: 99, channel: 'lab:things:list', request: {} }));
    expect(await result(99)).toMatchObject({ ok: true });
  });

  it('answers calls with results', async () => {
    const socket = await connect();
    const { result } = frames(socket);
    socket.send(JSON.stringify({ type: 'call', id: 1, channel: 'lab:things:list', request: {} }));
    expect(await result(1)).toMatchObject({ ok: true, value: [{ name: 'thermo' }] });
    socket.send(JSON.stringify({ type: 'call', id: 2, channel: 'lab:property:write', request: { thing: 'thermo', property: 'level', value: 3 } }));
    expect(await result(2)).toEqual({ ok: true, value: null });
    socket.send(JSON.stringify({ type: 'call', id: 3, channel: 'lab:property:read', request: { thing: 'ghost', property: 'level' } }));
    expect(await result(3)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('pushes live batches for its subscriptions', async () => {
    const socket = await connect();
    const { result, batch } = frames(socket);
    socket.send(JSON.stringify({ type: 'call', id: 1, channel: 'lab:live:subscribe', request: { thing: 'thermo', affordance: 'level' } }));
    expect(await result(1)).toEqual({ ok: true, value: null });
    const before = Date.now();
    thermo.emit(11);
    thermo.emit(12);
    const first = await batch();
    expect(first).toMatchObject({ seq: 1, conflated: 1, dropped: 0, items: [{ thing: 'thermo', affordance: 'level', payload: 12, seq: 2 }] });
    expect(first.items[0]?.time).toBeGreaterThanOrEqual(before);
  });

  it('holds live batches while an acknowledging client has four unacknowledged, conflating meanwhile', async () => {
    const socket = await connect();
    const { result, batch, received } = frames(socket);
    socket.send(JSON.stringify({ type: 'call', id: 1, channel: 'lab:live:subscribe', request: { thing: 'thermo', affordance: 'level' } }));
    await result(1);
    thermo.emit(1);
    const first = await batch();
    socket.send(JSON.stringify({ type: 'ack', seq: first.seq }));
    // Four batches unacknowledged: the window is full.
    for (let value = 2; value <= 5; value += 1) {
      thermo.emit(value);
      expect((await batch()).items[0]?.payload).toBe(value);
    }
    thermo.emit(6);
    thermo.emit(7);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.filter((frame) => frame.type === 'batch')).toEqual([]);
    // One acknowledgement opens the window: the latest value comes, the older one conflated.
    socket.send(JSON.stringify({ type: 'ack', seq: first.seq + 4 }));
    const resumed = await batch();
    expect(resumed).toMatchObject({ seq: first.seq + 5, conflated: 1, items: [{ payload: 7 }] });
  });

  it('answers bad frames with clear errors and keeps serving', async () => {
    const socket = await connect();
    const { result } = frames(socket);
    socket.send('not json');
    socket.send(JSON.stringify({ hello: 'world' }));
    socket.send(Buffer.from([1, 2, 3]));
    socket.send(JSON.stringify({ type: 'call', id: 5, channel: 42 }));
    expect(await result(5)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('bad frame') } });
    socket.send(JSON.stringify({ type: 'call', id: 6, channel: 'lab:nope', request: {} }));
    expect(await result(6)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('lab:nope') } });
    socket.send(JSON.stringify({ type: 'call', id: 7, channel: 'lab:property:read', request: { thing: 1 } }));
    expect(await result(7)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    socket.send(JSON.stringify({ type: 'call', id: 8, channel: 'lab:things:list', request: {} }));
    expect(await result(8)).toMatchObject({ ok: true });
  });

  it('disposes the live channel when the client disconnects', async () => {
    const socket = await connect();
    const { result } = frames(socket);
    socket.send(JSON.stringify({ type: 'call', id: 1, channel: 'lab:live:subscribe', request: { thing: 'thermo', affordance: 'level' } }));
    await result(1);
    const broker = server.core.broker;
    expect(broker.hasSubscribers?.('thermo', 'level')).toBe(true);
    socket.close();
    const deadline = Date.now() + 3000;
    while (broker.hasSubscribers?.('thermo', 'level') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(broker.hasSubscribers?.('thermo', 'level')).toBe(false);
  });
});

describe('browser mode: access options', () => {
  it('--viewer-only serves no operator URL: the operator token does not exist', async () => {
    const viewerOnly = await startBrowserServer({ port: 0, token: TOKEN, viewerOnly: true, rendererDir: root, logger: silentLogger, things: () => [] });
    try {
      expect(viewerOnly.operatorUrl).toBeUndefined();
      expect(viewerOnly.url).toBe(viewerOnly.viewerUrl);
      const open = (token: string) =>
        new Promise<number | 'open'>((resolve) => {
          const socket = new WebSocket(`ws://127.0.0.1:${viewerOnly.port}/ws?token=${token}`);
          sockets.push(socket);
          socket.once('open', () => resolve('open'));
          socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          socket.once('error', () => resolve(0));
        });
      expect(await open(TOKEN)).toBe(401);
      expect(await open(viewerOnly.viewerToken)).toBe('open');
    } finally {
      await viewerOnly.close();
    }
  });

  it('--token-file keeps both tokens owner-only across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-tokens-'));
    const file = join(dir, 'data', 'browser-tokens.json');
    try {
      const first = await startBrowserServer({ port: 0, tokenFile: file, rendererDir: root, logger: silentLogger, things: () => [] });
      await first.close();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      const second = await startBrowserServer({ port: 0, tokenFile: file, rendererDir: root, logger: silentLogger, things: () => [] });
      await second.close();
      expect(second.token).toBe(first.token);
      expect(second.viewerToken).toBe(first.viewerToken);
      expect(first.token).not.toBe(first.viewerToken);
      // A file others can read is made owner-only again.
      chmodSync(file, 0o644);
      const third = await startBrowserServer({ port: 0, tokenFile: file, rendererDir: root, logger: silentLogger, things: () => [] });
      await third.close();
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(third.token).toBe(first.token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
