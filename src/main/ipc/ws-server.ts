import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WS_PATH, WsClientFrame, type LiveBatch, type WsServerFrame } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import type { ClientFactory } from '../app/lab-core';
import { consoleLogger, type Logger } from '../core/logger';

export interface WsTransportOptions {
  server: Server;
  core: ClientFactory;
  /** Decides whether an upgrade request may open a socket (token, origin). */
  authorize: (request: IncomingMessage, url: URL) => boolean;
  logger?: Logger;
  /** Largest accepted frame. */
  maxPayload?: number;
  /** Live batches wait while more than this many bytes are queued on a socket. */
  highWaterMark?: number;
}

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
 * live batches are pushed as `{type:'batch', batch}`. Each socket has its own live channel,
 * closed with the socket. A bad frame is answered (when it has an id) or logged, never fatal.
 */
export function attachWsTransport(options: WsTransportOptions): WsTransport {
  const { server, core, authorize } = options;
  const logger = options.logger ?? consoleLogger;
  const highWaterMark = options.highWaterMark ?? 4 * 1024 * 1024;
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
    if (!authorize(request, url)) {
      logger.warn(`refused a WebSocket from ${request.socket.remoteAddress ?? 'unknown'}: missing or wrong token`);
      rejectUpgrade(socket, 401, 'Unauthorized');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);

  wss.on('connection', (ws: WebSocket) => {
    const sendFrame = (frame: WsServerFrame): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const client = core.openClient({
      send: (batch: LiveBatch) => sendFrame({ type: 'batch', batch }),
      ready: () => ws.bufferedAmount < highWaterMark,
    });
    const answer = (id: number, result: Result<unknown>): void => sendFrame({ type: 'result', id, result });

    ws.on('message', (data: RawData, isBinary: boolean) => {
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
      // call() never rejects; the catch only guards against a broken core.
      client.call(channel, request).then(
        (result) => answer(id, result),
        (error: unknown) => answer(id, { ok: false, error: { code: 'INTERNAL', message: String(error) } }),
      );
    });
    ws.on('error', (error) => logger.warn('WebSocket error', error));
    ws.on('close', () => client.dispose());
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
