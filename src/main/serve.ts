import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { TOKEN_PARAM } from '../shared/contract';
import { CliError, DEFAULT_HOST, DEFAULT_PORT, isLoopbackHost, parseCliArgs } from './cli';
import { checkRequestToken, createToken, tokenCookie } from './ipc/access-token';
import { consoleLogger, type Logger } from './core/logger';
import { serveStatic } from './ipc/static-files';
import { attachWsTransport } from './ipc/ws-server';
import { MqttPublisher } from './services/mqtt-publisher/mqtt-publisher';
import { createLabCore, type LabCore, type LabCoreOptions } from './app/lab-core';
import { chooseInstrumentConfig } from './app/instrument-setup';
import { AlarmService } from './services/alarms';

export interface BrowserServerOptions extends Omit<LabCoreOptions, 'logger'> {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The access token; a random 32-byte hex one when absent. */
  token?: string;
  /** The built renderer; out/renderer next to this file's out/main by default. */
  rendererDir?: string;
  logger?: Logger;
  /** A core to serve instead of building one; the server then leaves it running on close. */
  core?: LabCore;
}

export interface BrowserServer {
  /** The page URL including the token. */
  url: string;
  port: number;
  token: string;
  core: LabCore;
  close(): Promise<void>;
}

// A Host header is echoed into the CSP only when it is a plain host[:port].
const SAFE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function browserCsp(wsHost: string): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ws://${wsHost}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A browser always sends Origin on a WebSocket handshake: it must be this server. Non-browser clients send none. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Browser mode: the same lab core as the desktop app, with a WebSocket transport, and the
 * built renderer over HTTP. Every request needs the access token (`?token=` once, then an
 * HttpOnly SameSite=Strict cookie), the WebSocket upgrade included.
 */
export async function startBrowserServer(options: BrowserServerOptions = {}): Promise<BrowserServer> {
  const logger = options.logger ?? consoleLogger;
  const host = options.host ?? DEFAULT_HOST;
  const token = options.token ?? createToken();
  const rendererDir = options.rendererDir ?? resolve(__dirname, '../renderer');
  const ownsCore = options.core === undefined;
  const core = options.core ?? (await createLabCore({ ...options, logger }));

  if (!isLoopbackHost(host)) {
    logger.warn(
      `\n  WARNING: listening on ${host}, not on loopback: anyone who can reach this machine and has the URL ` +
        `with its token can watch and operate the instruments. Traffic is not encrypted.\n`,
    );
  }

  let boundPort = 0;
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      response.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad request\n');
      return;
    }
    const hostHeader = request.headers.host;
    const wsHost = hostHeader && SAFE_HOST.test(hostHeader) ? hostHeader : `${urlHost(host)}:${boundPort}`;
    response.setHeader('Content-Security-Policy', browserCsp(wsHost));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');

    const access = checkRequestToken(request, url, token);
    if (!access.ok) {
      const text = 'Unauthorized: open Lab Monitor with the URL (including ?token=) printed when the server started.\n';
      response.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
      return;
    }
    if (access.fromQuery) response.setHeader('Set-Cookie', tokenCookie(token));
    serveStatic(rendererDir, url.pathname, request, response).catch((error: unknown) => {
      logger.error('serving a file failed', error);
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  };

  const server = createServer(handle);
  const transport = attachWsTransport({
    server,
    core,
    logger,
    authorize: (request, url) => sameOrigin(request) && checkRequestToken(request, url, token).ok,
  });

  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(options.port ?? DEFAULT_PORT, host, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
  } catch (error) {
    await transport.close();
    if (ownsCore) await core.dispose();
    throw error;
  }
  const address = server.address();
  boundPort = typeof address === 'object' && address !== null ? (address satisfies AddressInfo).port : 0;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost(host);
  const url = `http://${shownHost}:${boundPort}/?${TOKEN_PARAM}=${token}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port: boundPort,
    token,
    core,
    close() {
      closing ??= (async () => {
        await transport.close();
        server.closeAllConnections();
        await new Promise<void>((done) => server.close(() => done()));
        if (ownsCore) await core.dispose();
      })();
      return closing;
    },
  };
}

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CliError) {
      console.error(`lab-monitor: ${error.message}`);
      console.error('usage: serve [--port N] [--host H] [--config FILE] [--connect URL]... [--token T] [--settings FILE] [--data DIR] [--publish mqtt://broker[:port][/prefix] [--publish-writable]]');
      process.exit(2);
    }
    throw error;
  }
  const instrumentConfig = chooseInstrumentConfig({
    explicit: cli.config,
    shipped: resolve(__dirname, '../../config/instruments.json'),
  });
  console.log(`Lab Monitor: ${instrumentConfig.note}`);
  const server = await startBrowserServer({
    port: cli.port,
    host: cli.host,
    token: cli.token,
    instrumentConfig: instrumentConfig.config,
    connect: cli.connect,
    settingsPath: cli.settings,
    dataDir: cli.data === undefined ? undefined : resolve(cli.data),
    services: (context) => [new AlarmService(context), new MqttPublisher(context, { url: cli.publish, writable: cli.publishWritable })],
  });
  console.log(`Lab Monitor (browser mode): ${server.url}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Lab Monitor`);
    // A second signal or a stuck driver must not keep the process alive.
    setTimeout(() => process.exit(1), 5000).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

// Run only as the entry point (out/main/serve.js), not when imported by tests.
if (/serve\.c?js$/.test(process.argv[1] ?? '')) {
  main().catch((error: unknown) => {
    console.error('Lab Monitor could not start:', error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

