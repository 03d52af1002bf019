import {
  isCallChannel,
  parseResult,
  TOKEN_PARAM,
  WS_PATH,
  WsResultFrame,
  type CallChannel,
  type CallRequest,
  type CallResponse,
  type LabApi,
  type LiveBatch,
  type WsClientFrame,
} from '../../shared/contract';
import { once } from '../../shared/disposable';
import type { LabErrorData, Result } from '../../shared/errors';
import { createLiveDecoder } from '../../shared/live-wire';
import { liveKey } from '../store/keys';

/** The part of the DOM WebSocket this client uses, so tests can hand in a fake. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

const OPEN = 1;
const REFUSED = 'access token refused (HTTP 401)';

export type WsLinkState =
  | { status: 'connecting'; attempt: number }
  | { status: 'connected' }
  | { status: 'reconnecting'; attempt: number; nextAttempt: number; reason: string }
  /** The server answers but refuses this page's access token (it restarted with a new one). */
  | { status: 'refused'; attempt: number; nextAttempt: number; reason: string };

/** What a failed handshake was: the server refused the token, or it was not reachable at all. */
export type AccessCheck = 'refused' | 'other';

export interface WsLabApiOptions {
  url: string;
  createSocket?: (url: string) => WebSocketLike;
  /** A call with no result after this long resolves as a TIMEOUT error. */
  timeoutMs?: number;
  /** Reconnect delays: min(maxDelayMs, baseDelayMs·2^attempt), with a little jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onState?: (state: WsLinkState) => void;
  /**
   * Asked when a socket closed before it opened (a browser never shows why a handshake
   * failed): 'refused' when the server refuses the token (HTTP 401). None: never refused.
   */
  checkAccess?: () => Promise<AccessCheck>;
  now?: () => number;
  random?: () => number;
}

export interface WsLabApi extends LabApi {
  readonly state: WsLinkState;
  /** Closes for good: pending calls fail, no more reconnects. */
  close(): void;
}

interface Pending {
  /** Parses the raw result for the call's own channel and resolves its promise. */
  onResult: (raw: unknown) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Kept until the socket is open; undefined once sent. */
  frame: string | undefined;
}

/** The page's own URL gives the socket address, and the access token unless it is given. */
export function wsUrlFromLocation(location: Pick<Location, 'protocol' | 'host' | 'search'>, given?: string): string {
  const token = given ?? new URLSearchParams(location.search).get(TOKEN_PARAM) ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}

const describeData = (data: unknown): string | undefined => (typeof data === 'string' ? data : undefined);

/**
 * LabApi over the browser-mode WebSocket. Every frame is parsed; calls made while the socket
 * is down wait for it (within their timeout); after a reconnect all live keys are
 * subscribed again, since the server's channel — and its subscriptions — died with the socket.
 */
export function createWsLabApi(options: WsLabApiOptions): WsLabApi {
  const createSocket = options.createSocket ?? domSocket;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  const listeners = new Set<(batch: LiveBatch) => void>();
  const pending = new Map<number, Pending>();
  /** Live keys the page holds; what a fresh socket must subscribe to. */
  const liveKeys = new Map<string, { thing: string; affordance: string }>();
  let nextId = 1;
  let socket: WebSocketLike | undefined;
  let closed = false;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let state: WsLinkState = { status: 'connecting', attempt: 0 };
  /** The last handshake failed on the token: every failure says so until one succeeds. */
  let refused = false;

  const setState = (next: WsLinkState): void => {
    state = next;
    options.onState?.(next);
  };

  /** Resolves a pending call with a raw result (from the server, or a local error). */
  const settle = (id: number, raw: unknown): void => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    clearTimeout(entry.timer);
    entry.onResult(raw);
  };
  const failure = (code: LabErrorData['code'], message: string): { ok: false; error: LabErrorData } => ({ ok: false, error: { code, message } });

  const sendFrame = (frame: WsClientFrame): boolean => {
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  };

  /** Key ids are per socket: a new socket starts with none. */
  const decoder = createLiveDecoder();

  const onMessage = (data: unknown): void => {
    const text = describeData(data);
    if (text === undefined) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      console.warn('lab: ignored a frame that is not JSON');
      return;
    }
    if (typeof raw === 'object' && raw !== null && Reflect.get(raw, 'type') === 'live') {
      const decoded = decoder.decode(Reflect.get(raw, 'frame'));
      if (!decoded.ok) {
        console.warn(`lab: ignored a malformed live frame: ${decoded.reason}`);
        return;
      }
      const batch = decoded.batch;
      for (const listener of [...listeners]) {
        try {
          listener(batch);
        } catch (error) {
          console.error('lab: a live listener threw', error);
        }
      }
      sendFrame({ type: 'ack', seq: batch.seq });
      return;
    }
    const frame = WsResultFrame.safeParse(raw);
    if (!frame.success) {
      console.warn('lab: ignored a malformed frame', frame.error.message);
      return;
    }
    settle(frame.data.id, frame.data.result);
  };

  const resubscribe = (): void => {
    for (const { thing, affordance } of liveKeys.values()) {
      const frame: WsClientFrame = { type: 'call', id: nextId++, channel: 'lab:live:subscribe', request: { thing, affordance } };
      const id = frame.id;
      // Tracked like any call so its refusal is logged rather than lost.
      const timer = setTimeout(() => settle(id, failure('TIMEOUT', 'resubscribe timed out')), timeoutMs);
      pending.set(id, {
        timer,
        frame: undefined,
        onResult: (raw) => {
          const result = parseResult('lab:live:subscribe', raw);
          if (!result.ok) console.warn(`lab: resubscribe ${thing}/${affordance} refused: ${result.error.message}`);
        },
      });
      sendFrame(frame);
    }
  };

  const connect = (): void => {
    if (closed) return;
    const ws = createSocket(options.url);
    socket = ws;
    decoder.reset();
    let opened = false;
    ws.onopen = () => {
      if (socket !== ws) return;
      opened = true;
      attempt = 0;
      setState({ status: 'connected' });
      resubscribe();
      for (const [id, entry] of pending) {
        if (entry.frame === undefined) continue;
        ws.send(entry.frame);
        pending.set(id, { ...entry, frame: undefined });
      }
    };
    ws.onmessage = (event) => {
      if (socket === ws) onMessage(event.data);
    };
    ws.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = undefined;
      // Calls already sent will never get their result on a new socket.
      for (const [id, entry] of pending) {
        if (entry.frame === undefined) settle(id, failure('DISCONNECTED', 'connection to Lab Monitor lost'));
      }
      if (closed) return;
      const delay = Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.8 + 0.4 * random());
      attempt += 1;
      const reason = event.reason || (event.code === 1006 ? 'connection dropped' : `closed (${event.code})`);
      const current = attempt;
      const nextAttempt = now() + delay;
      if (!opened) refused = refused && options.checkAccess !== undefined;
      else refused = false;
      setState(refused ? { status: 'refused', attempt: current, nextAttempt, reason: REFUSED } : { status: 'reconnecting', attempt: current, nextAttempt, reason });
      retryTimer = setTimeout(connect, delay);
      if (!opened && options.checkAccess) {
        // Keeps trying (the server may be restarted with this token), but says why it fails.
        void options.checkAccess().then((outcome) => {
          if (closed || socket !== undefined || attempt !== current || refused === (outcome === 'refused')) return;
          refused = outcome === 'refused';
          setState(refused ? { status: 'refused', attempt: current, nextAttempt, reason: REFUSED } : { status: 'reconnecting', attempt: current, nextAttempt, reason });
        });
      }
    };
  };

  const api: WsLabApi = {
    host: 'browser',
    get state() {
      return state;
    },
    call<C extends CallChannel>(channel: C, request: CallRequest<C>): Promise<Result<CallResponse<C>>> {
      if (!isCallChannel(channel)) {
        return Promise.resolve({ ok: false, error: { code: 'INVALID_ARGUMENT', message: `unknown channel ${String(channel)}` } });
      }
      if (closed) return Promise.resolve({ ok: false, error: { code: 'DISCONNECTED', message: 'client closed' } });
      // Live keys are remembered so a new socket gets them; while down, the reconnect will send them.
      if (channel === 'lab:live:subscribe' || channel === 'lab:live:unsubscribe') {
        const parsed = liveRequest(request);
        if (parsed) {
          const key = liveKey(parsed.thing, parsed.affordance);
          if (channel === 'lab:live:subscribe') liveKeys.set(key, parsed);
          else liveKeys.delete(key);
          if (!socket || socket.readyState !== OPEN) return Promise.resolve(parseResult(channel, { ok: true, value: null }));
        }
      }
      const id = nextId++;
      const frame: WsClientFrame = { type: 'call', id, channel, request };
      return new Promise<Result<CallResponse<C>>>((resolve) => {
        const timer = setTimeout(() => {
          // Still queued: the link never came back, so the request never left this page.
          const unsent = pending.get(id)?.frame !== undefined;
          const seconds = timeoutMs / 1000;
          settle(
            id,
            unsent
              ? failure('DISCONNECTED', `not sent: no connection to Lab Monitor for ${seconds} s`)
              : failure('TIMEOUT', `no reply from Lab Monitor within ${seconds} s (${channel})`),
          );
        }, timeoutMs);
        const text = JSON.stringify(frame);
        const sent = socket !== undefined && socket.readyState === OPEN;
        pending.set(id, { timer, frame: sent ? undefined : text, onResult: (raw) => resolve(parseResult(channel, raw)) });
        if (sent) socket?.send(text);
      });
    },
    onLiveBatch(listener) {
      listeners.add(listener);
      return once(() => listeners.delete(listener));
    },
    close() {
      closed = true;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      for (const id of [...pending.keys()]) settle(id, failure('DISCONNECTED', 'client closed'));
      socket?.close(1000, 'closed');
      socket = undefined;
    },
  };
  connect();
  return api;
}

/** Adapts the DOM WebSocket to WebSocketLike (its handlers take DOM events). */
function domSocket(url: string): WebSocketLike {
  const ws = new WebSocket(url);
  const like: WebSocketLike = {
    get readyState() {
      return ws.readyState;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
  };
  ws.onopen = (event) => like.onopen?.(event);
  ws.onmessage = (event) => like.onmessage?.({ data: event.data });
  ws.onclose = (event) => like.onclose?.({ code: event.code, reason: event.reason });
  ws.onerror = (event) => like.onerror?.(event);
  return like;
}

function liveRequest(request: unknown): { thing: string; affordance: string } | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const thing: unknown = Reflect.get(request, 'thing');
  const affordance: unknown = Reflect.get(request, 'affordance');
  return typeof thing === 'string' && typeof affordance === 'string' ? { thing, affordance } : undefined;
}
