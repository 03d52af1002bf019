import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WsServerFrame, type LiveBatch } from '../../src/shared/contract';
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
  const received: WsServerFrame[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    received.push(WsServerFrame.parse(JSON.parse(data.toString())));
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async (match: (frame: WsServerFrame) => boolean, timeoutMs = 3000): Promise<WsServerFrame> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = received.findIndex(match);
      if (index >= 0) return received.splice(index, 1)[0] as WsServerFrame;
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
  it('prints a URL with the token and refuses requests without it', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get('/assets/app.js')).status).toBe(401);
    expect((await get('/', { Cookie: 'lab_token=wrong' })).status).toBe(401);
  });

  it('serves the page with the token, sets the cookie, and then serves assets with it', async () => {
    const page = await get(`/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('Lab Monitor');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const cookieHeader = cookie.split(';')[0] ?? '';
    const js = await get('/assets/app.js', { Cookie: cookieHeader });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/app.css', { Cookie: cookieHeader })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get('/missing.js', { Cookie: cookieHeader })).status).toBe(404);
    expect((await get('/assets/', { Cookie: cookieHeader })).status).toBe(404);
    expect((await get('/', { Cookie: cookieHeader }, 'POST')).status).toBe(405);
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
  it('refuses upgrades without the right token', async () => {
    await expect(connect('')).rejects.toThrow('401');
    await expect(connect('?token=nope')).rejects.toThrow('401');
    await expect(connect('', { Cookie: `lab_token=${TOKEN}` })).resolves.toBeInstanceOf(WebSocket);
  });

  it('refuses upgrades from pages of another origin, even with the token', async () => {
    await expect(connect(`?token=${TOKEN}`, { Origin: 'http://evil.example' })).rejects.toThrow('401');
    await expect(connect(`?token=${TOKEN}`, { Origin: `http://127.0.0.1:${server.port}` })).resolves.toBeInstanceOf(WebSocket);
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
