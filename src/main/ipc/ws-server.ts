import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { safeStringify, formatBytes } from '../../shared/bounded-json';
import { WS_PATH, WsClientFrame, type LiveBatch, type Role, type WsServerFrame } from '../../shared/contract';
import { createLiveEncoder, keepFrameItems } from '../../shared/live-wire';
import type { Result } from '../../shared/errors';
import type { ClientFactory } from '../app/lab-core';
import { consoleLogger, type Logger } from '../core/logger';

export interface WsTransportOptions {
  server: Server;
  core: ClientFactory;
  /**
   * Decides whether an upgrade request may open a socket (token, host, origin) and with which
   * role; a string is the refusal's reason (logged, not sent).
   */
  authorize: (request: IncomingMessage, url: URL) => { role: Role } | string;
  logger?: Logger;
  /** Largest accepted frame (default 1 MiB). */
  maxPayload?: number;
  /** Live batches wait while more than this many bytes are queued on a socket (default 4 MiB). */
  highWaterMark?: number;
  /**
   * A client with more than this many bytes queued (it does not read) is cut off with close
   * code 1008 and a reason, so it cannot make the server buffer without bound (default 8 MiB).
   */
  maxBufferedBytes?: number;
  /**
   * Frames one client may have handled per second, and in a burst (default 1,000 and 200:
   * a page subscribing to a thousand properties waits a second at most). Beyond that its socket
   * is paused (TCP pushes back on the sender), so one busy client cannot starve the others.
   */
  framesPerSecond?: number;
  frameBurst?: number;
}

/** Close code and reason for a client cut off because it does not read what it asked for. */
export const NOT_READING_CLOSE = { code: 1008, reason: 'not reading: too much data queued for this client' } as const;

export interface WsTransport {
  clientCount(): number;
  /** Closes every socket and its live channel. */
  close(): Promise<void>;
}

const rejectUpgrade = (socket: Duplex, status: number, text: string): void => {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
  socket.destroy();
};

/** Reads the id of a frame that failed the schema, so the error can still be answered. */
const idOf = (value: unknown): number | undefined => {
  if (typeof value !== 'object' || value === null || !('id' in value)) return undefined;
  const { id } = value;
  return typeof id === 'number' && Number.isInteger(id) && id >= 0 ? id : undefined;
};

/**
 * The browser-mode transport: the same two shapes as Electron IPC over one WebSocket per
 * client. `{type:'call', id, channel, request}` is answered with `{type:'result', id, result}`;
 * live batches are pushed as `{type:'live', frame}` (a LiveFrame: each key once per socket, items
 * as columns; see src/shared/live-wire.ts). Each socket has its own live channel and key ids,
 * closed with the socket. A bad frame is answered (when it has an id) or logged, never fatal.
 */
export function attachWsTransport(options: WsTransportOptions): WsTransport {
  const { server, core, authorize } = options;
  const logger = options.logger ?? consoleLogger;
  const highWaterMark = options.highWaterMark ?? 4 * 1024 * 1024;
  const maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const framesPerSecond = options.framesPerSecond ?? 1000;
  const frameBurst = options.frameBurst ?? 200;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 1024 * 1024 });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      rejectUpgrade(socket, 400, 'Bad Request');
      return;
    }
    if (url.pathname !== WS_PATH) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    const access = authorize(request, url);
    if (typeof access === 'string') {
      logger.warn(`refused a WebSocket from ${request.socket.remoteAddress ?? 'unknown'}: ${access}`);
      rejectUpgrade(socket, access.startsWith('forbidden') ? 403 : 401, access.startsWith('forbidden') ? 'Forbidden' : 'Unauthorized');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request, access.role));
  };
  server.on('upgrade', onUpgrade);

  wss.on('connection', (ws: WebSocket, request: IncomingMessage, role: Role) => {
    let cutOff = false;
    const label = `${role} ${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? '?'}`;
    /** Stops serving a client that does not read: its queue is bounded, the others are not slowed. */
    const cutOffIfBehind = (): boolean => {
      if (cutOff) return true;
      if (ws.bufferedAmount <= maxBufferedBytes) return false;
      cutOff = true;
      logger.warn(`WebSocket ${label}: cut off, ${formatBytes(ws.bufferedAmount)} queued and not read`);
      client.dispose();
      ws.close(NOT_READING_CLOSE.code, NOT_READING_CLOSE.reason);
      // The close frame waits behind what the client does not read: do not wait for it.
      setTimeout(() => ws.terminate(), 1000).unref();
      return true;
    };
    /** Serialises safely: a value that cannot be written never throws past the transport. */
    const sendText = (text: string): void => {
      if (ws.readyState !== ws.OPEN || cutOffIfBehind()) return;
      ws.send(text);
      cutOffIfBehind();
    };
    // Each key crosses this socket once; batches then travel as columns (see LiveFrame).
    const encoder = createLiveEncoder();
    const sendBatch = (batch: LiveBatch): void => {
      const frame = encoder.encode(batch);
      const whole = safeStringify({ type: 'live', frame } satisfies WsServerFrame);
      if (whole.ok) return sendText(whole.text);
      // Leave out the items that cannot be sent; count them as dropped, never silently. The
      // frame's key announcements all go: later frames rely on them.
      const reduced = keepFrameItems(frame, (index) => safeStringify(frame.payloads[index]).ok);
      logger.warn(`WebSocket ${label}: ${frame.ids.length - reduced.ids.length} live item(s) could not be sent (${whole.reason})`);
      const text = safeStringify({ type: 'live', frame: reduced } satisfies WsServerFrame);
      if (text.ok) return sendText(text.text);
      // Its announcements are lost with it: the next frames make theirs again.
      encoder.reset();
      logger.warn(`WebSocket ${label}: a live batch could not be sent (${text.reason})`);
    };
    const client = core.openClient({
      send: sendBatch,
      ready: () => ws.bufferedAmount < highWaterMark,
      role,
      label,
    });
    const answer = (id: number, result: Result<unknown>): void => {
      const text = safeStringify({ type: 'result', id, result } satisfies WsServerFrame);
      if (text.ok) return sendText(text.text);
      const fallback: WsServerFrame = { type: 'result', id, result: { ok: false, error: { code: 'INTERNAL', message: `the reply could not be sent: ${text.reason}` } } };
      sendText(JSON.stringify(fallback));
    };

    // Frames beyond the client's budget wait here while its socket is paused; what was
    // already read when it paused is all that can queue.
    const waiting: Array<[RawData, boolean]> = [];
    let tokens = frameBurst;
    let refilled = performance.now();
    let drainTimer: ReturnType<typeof setTimeout> | undefined;
    const refill = (): void => {
      const now = performance.now();
      tokens = Math.min(frameBurst, tokens + ((now - refilled) * framesPerSecond) / 1000);
      refilled = now;
    };
    const drain = (): void => {
      drainTimer = undefined;
      refill();
      while (waiting.length > 0 && tokens >= 1 && !cutOff) {
        tokens -= 1;
        const [data, isBinary] = waiting.shift() as [RawData, boolean];
        handleFrame(data, isBinary);
      }
      if (cutOff) waiting.length = 0;
      else if (waiting.length > 0) drainTimer = setTimeout(drain, 20);
      else if (ws.isPaused) ws.resume();
    };
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (cutOff) return;
      refill();
      if (waiting.length === 0 && tokens >= 1) {
        tokens -= 1;
        handleFrame(data, isBinary);
        return;
      }
      waiting.push([data, isBinary]);
      if (!ws.isPaused) ws.pause();
      drainTimer ??= setTimeout(drain, 20);
    });

    const handleFrame = (data: RawData, isBinary: boolean): void => {
      if (isBinary) {
        logger.warn('WebSocket: ignored a binary frame (the protocol is JSON text)');
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(data.toString());
      } catch {
        logger.warn('WebSocket: ignored a frame that is not JSON');
        return;
      }
      const frame = WsClientFrame.safeParse(raw);
      if (!frame.success) {
        const id = idOf(raw);
        const message = `bad frame: expected {type:"call", id, channel, request}`;
        if (id === undefined) logger.warn(`WebSocket: ignored a ${message}`);
        else answer(id, { ok: false, error: { code: 'INVALID_ARGUMENT', message } });
        return;
      }
      if (frame.data.type === 'ack') {
        // One-way, so acknowledging costs no reply frame; a bad seq is only logged.
        try {
          client.live.ack(frame.data.seq);
        } catch (error) {
          logger.warn('WebSocket: ignored an acknowledgement', error);
        }
        return;
      }
      const { id, channel, request } = frame.data;
      // call() never rejects and answer() never throws; the catches only guard against a broken core.
      client
        .call(channel, request)
        .then(
          (result) => answer(id, result),
          (error: unknown) => answer(id, { ok: false, error: { code: 'INTERNAL', message: String(error) } }),
        )
        .catch((error: unknown) => logger.error(`WebSocket ${label}: answering call ${id} failed`, error));
    };
    ws.on('error', (error) => logger.warn('WebSocket error', error));
    ws.on('close', () => {
      if (drainTimer !== undefined) clearTimeout(drainTimer);
      waiting.length = 0;
      client.dispose();
    });
  });

  return {
    clientCount: () => wss.clients.size,
    close() {
      server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
