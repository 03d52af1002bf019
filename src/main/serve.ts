import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { EXPORT_PATH, ExportRequest } from '../shared/history';
import { ACCESS_HEADER, ACCESS_PATH, TOKEN_PARAM } from '../shared/contract';
import { CliError, DEFAULT_HOST, DEFAULT_PORT, isLoopbackHost, parseCliArgs, TOKEN_FILE_NAME, userDataDir } from './cli';
import { createRecorder } from './services/recorder/recorder';
import { allowedHosts, createToken, hostAllowed, loadOrCreateTokenFile, originAllowed, roleOfToken, type AccessTokens } from './ipc/access-token';
import { keepServingOnUnhandledRejection } from './core/last-resort';
import { consoleLogger, rateLimitedLogger, type Logger } from './core/logger';
import { serveStatic } from './ipc/static-files';
import { attachWsTransport } from './ipc/ws-server';
import { MqttPublisher } from './services/mqtt-publisher/mqtt-publisher';
import { createLabCore, exportFileName, type LabCore, type LabCoreOptions } from './app/lab-core';
import { chooseInstrumentConfig } from './app/instrument-setup';
import { AlarmService } from './services/alarms';

export interface BrowserServerOptions extends Omit<LabCoreOptions, 'logger'> {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** The operator's access token; a random 32-byte hex one when absent. */
  token?: string;
  /** The viewer's access token (watch only); a random one when absent. */
  viewerToken?: string;
  /** No operator URL at all: every client only watches. */
  viewerOnly?: boolean;
  /** Keep both tokens in this file (created owner-only when missing), so bookmarked URLs survive a restart. */
  tokenFile?: string;
  /** More names the Host header may carry (a DNS name of this machine for `--host 0.0.0.0`). */
  allowedHostNames?: string[];
  /** The built renderer; out/renderer next to this file's out/main by default. */
  rendererDir?: string;
  logger?: Logger;
  /** A core to serve instead of building one; the server then leaves it running on close. */
  core?: LabCore;
}

export interface BrowserServer {
  /** The operator's URL including its token; the viewer's URL with `viewerOnly`. */
  url: string;
  /** The operator's URL; undefined with `viewerOnly`. */
  operatorUrl: string | undefined;
  /** The watch-only URL. */
  viewerUrl: string;
  port: number;
  /** The operator's token ('' with `viewerOnly`). */
  token: string;
  viewerToken: string;
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

const sendText = (response: ServerResponse, status: number, text: string): void => {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
};

/**
 * `GET /export?token=…&request=<ExportRequest as JSON>`: the recorder writes the export to a
 * temporary file, which is sent as a download and removed. Either token may export (history
 * is for viewers too).
 */
async function serveExport(core: LabCore, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'GET') return sendText(response, 405, 'Use GET to download an export.\n');
  if (!core.history) return sendText(response, 404, 'Nothing is recorded in this Lab Monitor, so there is nothing to export.\n');
  let raw: unknown;
  try {
    raw = JSON.parse(url.searchParams.get('request') ?? '');
  } catch {
    return sendText(response, 400, 'The export request must be JSON in the "request" parameter.\n');
  }
  const parsed = ExportRequest.safeParse(raw);
  if (!parsed.success) return sendText(response, 400, `Bad export request: ${z.prettifyError(parsed.error)}\n`);
  const folder = await mkdtemp(join(tmpdir(), 'lab-monitor-export-'));
  try {
    const name = exportFileName(parsed.data.format, parsed.data.from);
    const file = join(folder, name);
    const { bytes } = await core.history.exportTo(parsed.data, file);
    response.writeHead(200, {
      'Content-Type': parsed.data.format === 'parquet' ? 'application/vnd.apache.parquet' : 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}"`,
      'Content-Length': bytes,
      'Cache-Control': 'no-store',
    });
    await new Promise<void>((done, failed) => {
      const stream = createReadStream(file);
      stream.on('error', failed);
      response.on('close', () => done());
      stream.pipe(response);
    });
  } catch (error) {
    if (!response.headersSent) sendText(response, 500, `The export failed: ${error instanceof Error ? error.message : String(error)}\n`);
    else response.destroy();
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * Browser mode: the same lab core as the desktop app, with a WebSocket transport, and the
 * built renderer over HTTP.
 *
 * Access: the page and its assets are public (the same files as the app ships); what matters
 * is the WebSocket, which needs a token: the operator's (write, run, configure) or the
 * viewer's (watch only). The page takes the token from its URL, keeps it in session storage
 * (scoped to this origin, port included, unlike cookies) and removes it from the address
 * bar. Every request must name this server in its Host header, and a WebSocket's Origin must
 * be this server too, so DNS rebinding and pages of other local servers get nowhere.
 */
export async function startBrowserServer(options: BrowserServerOptions = {}): Promise<BrowserServer> {
  const logger = rateLimitedLogger(options.logger ?? consoleLogger);
  const host = options.host ?? DEFAULT_HOST;
  const fromFile = options.tokenFile === undefined ? undefined : await loadOrCreateTokenFile(options.tokenFile, logger);
  const tokens: AccessTokens = {
    operator: options.viewerOnly ? undefined : (options.token ?? fromFile?.operator ?? createToken()),
    viewer: options.viewerToken ?? fromFile?.viewer ?? createToken(),
  };
  if (tokens.operator !== undefined && tokens.operator === tokens.viewer) throw new Error('the operator and viewer tokens must differ');
  const rendererDir = options.rendererDir ?? resolve(__dirname, '../renderer');
  const ownsCore = options.core === undefined;
  const core = options.core ?? (await createLabCore({ ...options, logger }));
  // Filled in once the port is known.
  let allowed = new Set<string>();

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
    if (!hostAllowed(hostHeader, allowed)) {
      const text = `Misdirected request: this server answers only to ${[...allowed].slice(0, 4).join(', ')}\n`;
      response.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
      return;
    }
    const wsHost = hostHeader && SAFE_HOST.test(hostHeader) ? hostHeader : `${urlHost(host)}:${boundPort}`;
    response.setHeader('Content-Security-Policy', browserCsp(wsHost));
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    // Exports are data: they need a token, as the WebSocket does.
    if (url.pathname === EXPORT_PATH) {
      if (roleOfToken(url.searchParams.get(TOKEN_PARAM), tokens) === undefined) return sendText(response, 401, 'Unauthorized: an export needs the token of this server.\n');
      serveExport(core, url, request, response).catch((error: unknown) => {
        logger.error('an export failed', error);
        if (!response.headersSent) response.writeHead(500).end();
        else response.destroy();
      });
      return;
    }
    // The page and its assets are public; the token is checked on the WebSocket (and exports) only.
    // A tab whose socket is refused asks here whether its token still holds (the server may
    // have restarted with new tokens) and then tells the operator to open the new URL.
    if (url.pathname === ACCESS_PATH) {
      const token = request.headers[ACCESS_HEADER];
      const role = roleOfToken(typeof token === 'string' ? token : null, tokens);
      response.writeHead(role === undefined ? 401 : 204, { 'Cache-Control': 'no-store' }).end();
      return;
    }
    // The page and its assets are public; the token is checked on the WebSocket only.
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
    authorize: (request, url) => {
      if (!hostAllowed(request.headers.host, allowed)) return `forbidden: Host "${String(request.headers.host).slice(0, 100)}" is not this server`;
      if (!originAllowed(request.headers.origin, allowed)) return `forbidden: a page of ${String(request.headers.origin).slice(0, 100)} is not this server's`;
      const role = roleOfToken(url.searchParams.get(TOKEN_PARAM), tokens);
      return role === undefined ? 'missing or wrong token' : { role };
    },
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
  allowed = allowedHosts(host, boundPort, options.allowedHostNames);
  // The URL to print: a name others reach this machine by, when given, rather than the address bound.
  const shownHost = options.allowedHostNames?.[0] !== undefined ? urlHost(options.allowedHostNames[0].replace(/^\[|\]$/g, '')) : host === '0.0.0.0' || host === '::' ? '127.0.0.1' : urlHost(host);
  const urlWith = (token: string): string => `http://${shownHost}:${boundPort}/?${TOKEN_PARAM}=${token}`;
  const operatorUrl = tokens.operator === undefined ? undefined : urlWith(tokens.operator);
  const viewerUrl = urlWith(tokens.viewer);

  let closing: Promise<void> | undefined;
  return {
    url: operatorUrl ?? viewerUrl,
    operatorUrl,
    viewerUrl,
    port: boundPort,
    token: tokens.operator ?? '',
    viewerToken: tokens.viewer,
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
      console.error(
        'usage: serve [--port N] [--host H] [--host-name NAME]... [--config FILE] [--connect URL]... [--token T] [--viewer-token T] [--settings FILE] [--data DIR] [--retry-max-sec S] [--alarm-reminder-min M] [--viewer-only] [--token-file [FILE]] [--publish mqtt://broker[:port][/prefix] [--publish-writable]]',
      );
      process.exit(2);
    }
    throw error;
  }
  keepServingOnUnhandledRejection(consoleLogger);
  const tokenFile = cli.tokenFile === true ? join(userDataDir(), TOKEN_FILE_NAME) : cli.tokenFile;
  const instrumentConfig = chooseInstrumentConfig({
    explicit: cli.config,
    shipped: resolve(__dirname, '../../config/instruments.json'),
  });
  console.log(`Lab Monitor: ${instrumentConfig.note}`);
  const server = await startBrowserServer({
    port: cli.port,
    host: cli.host,
    token: cli.token,
    viewerToken: cli.viewerToken,
    viewerOnly: cli.viewerOnly,
    tokenFile,
    instrumentConfig: instrumentConfig.config,
    connect: cli.connect,
    settingsPath: cli.settings ?? (cli.data === undefined ? undefined : join(resolve(cli.data), 'instruments.json')),
    // Recordings (and, with --data, settings and alarm rules) live in the data folder.
    dataDir: cli.data === undefined ? userDataDir() : resolve(cli.data),
    services: (context) => [createRecorder(context), new AlarmService(context, { reminderSec: cli.alarmReminderSec }), new MqttPublisher(context, { url: cli.publish, writable: cli.publishWritable })],
    reconnectMaxMs: cli.retryMaxMs,
    allowedHostNames: cli.hostNames,
  });
  if (server.operatorUrl) console.log(`Lab Monitor (browser mode), operator — watch, write, run, add instruments: ${server.operatorUrl}`);
  else console.log('Lab Monitor (browser mode): --viewer-only, there is no operator URL');
  console.log(`Lab Monitor (browser mode), viewer — watch only: ${server.viewerUrl}`);

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

