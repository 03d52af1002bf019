import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WotAuth = { scheme: 'nosec' } | { scheme: 'basic'; username: string; password: string } | { scheme: 'bearer'; token: string };

export interface WotServer {
  port: number;
  tdUrl: string;
  set(name: string, value: unknown): void;
  values: Map<string, unknown>;
  /** Every request answered: method, path and the body text ('' when none was sent). */
  requests: { method: string; path: string; body: string }[];
  /** Ends the open event streams and long polls (a network blip), the server stays up. */
  dropStreams(): void;
  /** Event streams and long polls open now (a client that closed one is no longer counted). */
  openStreams(): number;
  close(): Promise<void>;
}

/**
 * A small WoT Thing over HTTP: temperature observed by SSE, humidity by long-poll, status
 * only readable (observable, so polled), setpoint writable, a synchronous and an
 * asynchronous action. Checks basic or bearer credentials on every request.
 */
export async function startWotServer(options: { auth?: WotAuth; port?: number; measureMs?: number } = {}): Promise<WotServer> {
  const measureMs = options.measureMs ?? 100;
  const requests: WotServer['requests'] = [];
  const auth = options.auth ?? { scheme: 'nosec' };
  const values = new Map<string, unknown>([
    ['temperature', 20],
    ['humidity', 40],
    ['status', 'idle'],
    ['setpoint', 25],
  ]);
  const sse = new Set<ServerResponse>();
  const longPolls = new Set<ServerResponse>();
  const invocations = new Map<string, { started: number }>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/`;
  const expected =
    auth.scheme === 'basic'
      ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
      : auth.scheme === 'bearer'
        ? `Bearer ${auth.token}`
        : undefined;
  const td = {
    '@context': 'https://www.w3.org/2022/wot/td/v1.1',
    title: 'Climate Box',
    base,
    securityDefinitions: { sec: { scheme: auth.scheme } },
    security: ['sec'],
    properties: {
      temperature: {
        type: 'number',
        observable: true,
        readOnly: true,
        forms: [
          { href: 'properties/temperature', op: ['readproperty'], contentType: 'application/json' },
          { href: 'properties/temperature/sse', op: ['observeproperty'], subprotocol: 'sse' },
        ],
      },
      humidity: {
        type: 'number',
        observable: true,
        readOnly: true,
        forms: [
          { href: 'properties/humidity', op: 'readproperty' },
          { href: 'properties/humidity/longpoll', op: 'observeproperty', subprotocol: 'longpoll' },
        ],
      },
      status: { type: 'string', observable: true, readOnly: true, forms: [{ href: 'properties/status', op: 'readproperty' }] },
      setpoint: { type: 'number', forms: [{ href: 'properties/setpoint', op: ['readproperty', 'writeproperty'], 'htv:methodName': 'PUT' }] },
    },
    actions: {
      reset: { forms: [{ href: 'actions/reset', op: 'invokeaction', 'htv:methodName': 'POST' }] },
      measure: { forms: [{ href: 'actions/measure', op: 'invokeaction' }] },
    },
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  server.on('request', (req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', body: text });
      if (expected && req.headers.authorization !== expected) return json(res, 401, { title: 'Unauthorized' }, { 'www-authenticate': auth.scheme });
      const path = req.url ?? '/';
      if (path === '/td') return json(res, 200, td);
      const property = /^\/properties\/(\w+)$/.exec(path)?.[1];
      if (property && values.has(property)) {
        if (req.method === 'PUT') {
          try {
            values.set(property, JSON.parse(text) as unknown);
          } catch {
            return json(res, 400, { title: 'Bad JSON' });
          }
          return json(res, 204, undefined);
        }
        return json(res, 200, values.get(property));
      }
      if (path === '/properties/temperature/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write(': hello\n\n');
        sse.add(res);
        res.on('close', () => sse.delete(res));
        return;
      }
      if (path === '/properties/humidity/longpoll') {
        longPolls.add(res);
        res.on('close', () => longPolls.delete(res));
        return;
      }
      if (path === '/actions/reset' && req.method === 'POST') return json(res, 200, { done: true });
      if (path === '/actions/measure' && req.method === 'POST') {
        const id = String(invocations.size + 1);
        invocations.set(id, { started: Date.now() });
        return json(res, 201, { status: 'running' }, { location: `/actions/measure/${id}` });
      }
      const invocation = /^\/actions\/measure\/(\d+)$/.exec(path)?.[1];
      if (invocation && invocations.has(invocation)) {
        const done = Date.now() - (invocations.get(invocation)?.started ?? 0) > measureMs;
        return json(res, 200, done ? { status: 'completed', output: 42 } : { status: 'running' });
      }
      json(res, 404, { title: 'Not Found' });
    });
  });

  return {
    port,
    tdUrl: `${base}td`,
    values,
    requests,
    set: (name, value) => {
      values.set(name, value);
      if (name === 'temperature') for (const res of sse) res.write(`data: ${JSON.stringify(value)}\n\n`);
      if (name === 'humidity') {
        for (const res of longPolls) json(res, 200, value);
        longPolls.clear();
      }
    },
    dropStreams: () => {
      for (const res of [...sse, ...longPolls]) res.destroy();
    },
    openStreams: () => sse.size + longPolls.size,
    close: async () => {
      for (const res of [...sse, ...longPolls]) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
