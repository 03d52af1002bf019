import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';

/**
 * A labthings-fastapi v0.3.0 stand-in built from the recorded exchanges in
 * tests/fixtures/labthings-fastapi: every body and frame it sends is a recorded one (ids,
 * timestamps, names and the port substituted). Recorded requests are answered exactly as
 * recorded; the rest (property state, invocation progress, observers) is the minimum of
 * server behaviour needed to string the recordings together.
 */
export const FIXTURES = fileURLToPath(new URL('../../../fixtures/labthings-fastapi/', import.meta.url));

export const NAIVE_TIME = '2025-03-14T15:09:26.535897';
export const UTC_TIME = '2025-03-14T14:09:26.535Z';
export const fixtureId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const UNKNOWN_ID = '00000000-0000-0000-0000-000000000000';

const Exchange = z.object({
  request: z.object({ method: z.string(), path: z.string(), body: z.unknown() }),
  response: z.object({ status: z.number(), body: z.unknown() }),
});
type Exchange = z.infer<typeof Exchange>;
const WsEntry = z.object({ dir: z.enum(['send', 'recv', 'http']), data: z.unknown() });
const Record_ = z.record(z.string(), z.unknown());
const InvocationBody = z.object({ id: z.string(), status: z.string(), action: z.string(), input: z.unknown(), output: z.unknown() }).loose();
type InvocationBody = z.infer<typeof InvocationBody>;
const WsHttp = z.object({ method: z.string(), path: z.string(), body: z.unknown().optional(), invocation: z.string().optional() });

/** A fixture file as JSON, with placeholders made concrete. */
export function loadFixture(name: string, port = 5123): unknown {
  const text = readFileSync(`${FIXTURES}${name}`, 'utf8')
    .replace(/<uuid-(\d+)>/g, (_match, n: string) => fixtureId(Number(n)))
    .replaceAll('<time-z>', UTC_TIME)
    .replaceAll('<time>', NAIVE_TIME)
    .replaceAll('127.0.0.1:5123', `127.0.0.1:${port}`);
  return JSON.parse(text) as unknown;
}

export function loadWsFixture(name: string, port = 5123): { dir: 'send' | 'recv' | 'http'; data: unknown }[] {
  return z.array(WsEntry).parse(loadFixture(name, port));
}

const clone = <T>(value: T): T => structuredClone(value);
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

interface RunningInvocation {
  id: string;
  actionPath: string;
  actionName: string;
  phase: 'pending' | 'running' | 'terminal';
  pending: InvocationBody;
  running: InvocationBody;
  terminal: InvocationBody;
  timers: NodeJS.Timeout[];
}

export interface ReplayOptions {
  /** Listen on this port (to come back after close()); 0 picks a free one. */
  port?: number;
  /** Delays of pending → running → finished; `hold` keeps invocations running until advance(). */
  pendingMs?: number;
  runningMs?: number;
  hold?: boolean;
}

export interface ReplayServer {
  port: number;
  /** Root URL, e.g. http://127.0.0.1:40123/ */
  url: string;
  requests: { method: string; path: string; body: unknown }[];
  wsReceived: unknown[];
  observers(): number;
  /** Sets a property as the instrument would and tells observers (every write is published). */
  setProperty(name: string, value: unknown): void;
  /** Answers this method + path with a raw body instead (garbage tests). */
  override(method: string, path: string, status: number, text: string): void;
  /** Sends a raw frame to every socket. */
  pushFrame(frame: unknown): void;
  advance(id: string): void;
  dropSockets(): void;
  close(): Promise<void>;
}

export async function startLabThingsReplay(options: ReplayOptions = {}): Promise<ReplayServer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const load = (name: string): unknown => loadFixture(name, port);
  const td = Record_.parse(load('td-sensor.json'));
  const tdProps = Record_.parse(td.properties);
  const tdActions = Record_.parse(td.actions);
  const exchanges: Exchange[] = readdirSync(FIXTURES)
    .filter((name) => name.startsWith('http-'))
    .sort()
    .map((name) => Exchange.parse(load(name)));
  const wsHttp = readdirSync(FIXTURES)
    .filter((name) => name.startsWith('ws-'))
    .flatMap((name) => loadWsFixture(name, port))
    .filter((entry) => entry.dir === 'http')
    .map((entry) => WsHttp.parse(entry.data));
  const invocationBodies = exchanges.flatMap((exchange) => {
    const parsed = InvocationBody.safeParse(exchange.response.body);
    return parsed.success ? [parsed.data] : [];
  });
  const postTemplate = InvocationBody.parse(Exchange.parse(load('http-action-post.json')).response.body);
  const completedTemplate = InvocationBody.parse(Exchange.parse(load('http-invocation-completed.json')).response.body);
  const cancelledTemplate = InvocationBody.parse(Exchange.parse(load('http-invocation-cancelled.json')).response.body);
  const frameOf = (name: string): Record<string, unknown> => {
    const entry = loadWsFixture(name, port).find((item) => item.dir === 'recv');
    return Record_.parse(entry?.data);
  };
  const errorFrame = (fixture: string, recordedName: string, name: string): Record<string, unknown> =>
    Record_.parse(JSON.parse(JSON.stringify(frameOf(fixture)).replaceAll(`'${recordedName}'`, `'${name}'`).replaceAll(`"${recordedName}"`, `"${name}"`)));

  const values = new Map<string, unknown>([
    ['counter', 0],
    ['setpoint', 25.0],
    ['temperature', 20.0],
  ]);
  const invocations = new Map<string, RunningInvocation>();
  const usedIds = new Set<string>();
  const overrides = new Map<string, { status: number; text: string }>();
  const requests: ReplayServer['requests'] = [];
  const wsReceived: unknown[] = [];
  const propertyObservers = new Map<WebSocket, Set<string>>();
  const actionObservers = new Map<WebSocket, Set<string>>();
  let synthetic = 1000;

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const findExchange = (method: string, path: string, body: unknown): Exchange | undefined =>
    exchanges.find(
      (exchange) =>
        exchange.request.method === method &&
        exchange.request.path === path &&
        (method === 'GET' || method === 'DELETE' || same(exchange.request.body, body)),
    );
  const notFound = (): unknown => Exchange.parse(load('http-invocation-get-unknown-404.json')).response.body;

  const broadcastProperty = (name: string, value: unknown): void => {
    for (const [socket, names] of propertyObservers) {
      if (names.has(name)) socket.send(JSON.stringify({ messageType: 'propertyStatus', data: { [name]: value } }));
    }
  };
  const broadcastAction = (name: string, status: string): void => {
    for (const [socket, names] of actionObservers) {
      if (names.has(name)) socket.send(JSON.stringify({ messageType: 'actionStatus', data: { 'action name': name, status } }));
    }
  };
  const setPhase = (invocation: RunningInvocation, phase: RunningInvocation['phase']): void => {
    if (invocation.phase === 'terminal') return;
    invocation.phase = phase;
    const body = phase === 'running' ? invocation.running : invocation.terminal;
    broadcastAction(invocation.actionName, body.status);
  };
  const retarget = (template: InvocationBody, id: string, actionPath: string, input: unknown): InvocationBody =>
    InvocationBody.parse({
      ...JSON.parse(JSON.stringify(template).replaceAll(template.id, id).replaceAll(template.action, actionPath)),
      input,
    });

  const createInvocation = (actionPath: string, input: unknown, recorded?: InvocationBody): InvocationBody => {
    const actionName = actionPath.split('/').pop() ?? actionPath;
    const fromWs = wsHttp.find((entry) => entry.path === actionPath && same(entry.body, input) && entry.invocation && !usedIds.has(entry.invocation));
    const sameInput = invocationBodies.find(
      (body) => body.action === actionPath && same(body.input, input) && ['completed', 'cancelled', 'error'].includes(body.status),
    );
    const id =
      recorded && !usedIds.has(recorded.id)
        ? recorded.id
        : (fromWs?.invocation ?? (sameInput && !usedIds.has(sameInput.id) ? sameInput.id : fixtureId(synthetic++)));
    usedIds.add(id);
    const pending = recorded && recorded.id === id ? clone(recorded) : retarget(postTemplate, id, actionPath, input);
    const recordedStates = invocationBodies.filter((body) => body.id === id && body.status !== 'pending');
    const running = recordedStates.find((body) => body.status === 'running') ?? { ...pending, status: 'running', timeStarted: NAIVE_TIME };
    const terminal =
      recordedStates.find((body) => body.status !== 'running') ??
      (sameInput ? retarget(sameInput, id, actionPath, input) : { ...retarget(completedTemplate, id, actionPath, input), log: [], output: null });
    const invocation: RunningInvocation = { id, actionPath, actionName, phase: 'pending', pending, running, terminal, timers: [] };
    invocations.set(id, invocation);
    broadcastAction(actionName, 'pending');
    if (!options.hold) {
      invocation.timers.push(setTimeout(() => setPhase(invocation, 'running'), options.pendingMs ?? 40));
      if (terminal.status !== 'cancelled') {
        invocation.timers.push(setTimeout(() => setPhase(invocation, 'terminal'), (options.pendingMs ?? 40) + (options.runningMs ?? 200)));
      }
    }
    return pending;
  };
  const currentBody = (invocation: RunningInvocation): InvocationBody =>
    invocation.phase === 'pending' ? invocation.pending : invocation.phase === 'running' ? invocation.running : invocation.terminal;
  const summary = (body: InvocationBody): Record<string, unknown> => {
    const { input: _input, output: _output, log: _log, error: _error, ...rest } = body;
    return rest;
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        return send(res, 422, { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error' }] });
      }
    }
    requests.push({ method, path, body });
    const override = overrides.get(`${method} ${path}`);
    if (override) {
      res.writeHead(override.status, { 'content-type': 'application/json' });
      return void res.end(override.text);
    }
    if (method === 'GET' && path === '/thing_descriptions/') return send(res, 200, load('thing_descriptions.json'));
    if (method === 'GET' && path === '/things/') return send(res, 200, load('things.json'));
    if (method === 'GET' && path === '/sensor/') return send(res, 200, td);

    const invocationMatch = /^\/action_invocations\/([^/]+)(\/output)?$/.exec(path);
    if (invocationMatch) {
      const id = decodeURIComponent(invocationMatch[1] ?? '');
      const invocation = invocations.get(id);
      if (!invocation) return send(res, 404, notFound());
      if (invocationMatch[2]) {
        const recorded = findExchange('GET', path, null);
        if (invocation.phase === 'terminal' && recorded) return send(res, recorded.response.status, recorded.response.body);
        const output = currentBody(invocation).output;
        if (invocation.phase !== 'terminal' || !output) {
          return send(res, 503, Exchange.parse(load('http-output-falsy-503.json')).response.body);
        }
        return send(res, 200, output);
      }
      if (method === 'GET') return send(res, 200, currentBody(invocation));
      if (method === 'DELETE') {
        if (invocation.phase === 'terminal') {
          const status = currentBody(invocation).status.toUpperCase();
          return send(res, 503, { detail: `The invocation is InvocationStatus.${status} and may not be cancelled.` });
        }
        for (const timer of invocation.timers) clearTimeout(timer);
        if (invocation.terminal.status !== 'cancelled') {
          invocation.terminal = retarget(cancelledTemplate, id, invocation.actionPath, invocation.pending.input);
        }
        send(res, 200, null);
        setTimeout(() => setPhase(invocation, 'terminal'), 20);
        return;
      }
    }
    if (method === 'GET' && path === '/action_invocations') {
      return send(res, 200, [...invocations.values()].map((invocation) => summary(currentBody(invocation))));
    }

    const thingMatch = /^\/sensor\/([^/]+)$/.exec(path);
    const name = thingMatch?.[1] ?? '';
    if (thingMatch && tdProps[name]) {
      if (method === 'GET') return send(res, 200, name === 'doubled' ? 2 * Number(values.get('counter')) : values.get(name));
      if (method === 'PUT') {
        const recorded = findExchange(method, path, body);
        if (recorded && recorded.response.status !== 201) return send(res, recorded.response.status, recorded.response.body);
        if (Record_.parse(tdProps[name]).readOnly === true) {
          return send(res, 405, Exchange.parse(load('http-property-put-readonly-405.json')).response.body);
        }
        values.set(name, body);
        send(res, 201, null);
        broadcastProperty(name, body);
        return;
      }
    }
    if (thingMatch && tdActions[name]) {
      if (method === 'GET') {
        return send(
          res,
          200,
          [...invocations.values()].filter((invocation) => invocation.actionPath === path).map((invocation) => summary(currentBody(invocation))),
        );
      }
      if (method === 'POST') {
        const recorded = findExchange(method, path, body);
        if (recorded && recorded.response.status !== 201) return send(res, recorded.response.status, recorded.response.body);
        const recordedBody = recorded ? InvocationBody.parse(recorded.response.body) : undefined;
        return send(res, 201, createInvocation(path, body, recordedBody));
      }
    }
    send(res, 404, { detail: 'Not Found' });
  };

  server.on('request', (req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => handle(req, res, text));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url !== '/sensor/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      propertyObservers.set(ws, new Set());
      actionObservers.set(ws, new Set());
      ws.on('close', () => {
        propertyObservers.delete(ws);
        actionObservers.delete(ws);
      });
      ws.on('message', (data) => {
        const frame = Record_.safeParse(JSON.parse(data.toString()));
        if (!frame.success) return;
        wsReceived.push(frame.data);
        const keys = Object.keys(Record_.safeParse(frame.data.data).data ?? {});
        if (frame.data.messageType === 'addPropertyObservation') {
          for (const key of keys) {
            // A refused key stops the rest of the frame, as the real server does.
            if (key === 'doubled') return ws.send(JSON.stringify(frameOf('ws-error-functional-property-403.json')));
            if (!tdProps[key]) {
              const fixture = tdActions[key] ? 'ws-error-action-as-property-404.json' : 'ws-error-missing-property-404.json';
              return ws.send(JSON.stringify(errorFrame(fixture, tdActions[key] ? 'ramp' : 'nope', key)));
            }
            propertyObservers.get(ws)?.add(key);
          }
        } else if (frame.data.messageType === 'addActionObservation') {
          for (const key of keys) {
            if (!tdActions[key]) {
              const fixture = tdProps[key] ? 'ws-error-not-an-action-404.json' : 'ws-error-missing-action-404.json';
              return ws.send(JSON.stringify(errorFrame(fixture, tdProps[key] ? 'temperature' : 'nope', key)));
            }
            actionObservers.get(ws)?.add(key);
          }
        }
      });
    });
  });

  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    requests,
    wsReceived,
    observers: () => propertyObservers.size,
    setProperty: (name, value) => {
      values.set(name, value);
      broadcastProperty(name, value);
    },
    override: (method, path, status, text) => overrides.set(`${method} ${path}`, { status, text }),
    pushFrame: (frame) => {
      for (const ws of wss.clients) ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    advance: (id) => {
      const invocation = invocations.get(id);
      if (!invocation) return;
      setPhase(invocation, invocation.phase === 'pending' ? 'running' : 'terminal');
    },
    dropSockets: () => {
      for (const ws of wss.clients) ws.terminate();
    },
    close: async () => {
      for (const invocation of invocations.values()) for (const timer of invocation.timers) clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
