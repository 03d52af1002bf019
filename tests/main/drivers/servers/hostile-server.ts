import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';

/** JSON nested `depth` levels deep: `[[[…]]]`, about 2 bytes per level. */
export const deepJson = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  cookie?: string | undefined;
}

export interface HostileServer {
  port: number;
  /** `http://127.0.0.1:<port>/` */
  base: string;
  /** A second origin on another port, where foreign forms point; it logs what it receives. */
  foreignBase: string;
  requests: SeenRequest[];
  foreignRequests: SeenRequest[];
  /** Bytes written to every response body so far (downloads that go on are visible here). */
  bytesSent(): number;
  /** Open SSE/huge responses right now. */
  openStreams(): number;
  close(): Promise<void>;
}

export interface HostileOptions {
  /** Size of /huge/value in bytes (default 1 GiB). */
  hugeBytes?: number;
  /** Decompressed size of /bomb/value in bytes (default 1 GiB). */
  bombBytes?: number;
  /** Depth of the deep values (default 5,000). */
  depth?: number;
}

const thingTd = (title: string, base: string, properties: Record<string, unknown>, actions: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  '@context': 'https://www.w3.org/2022/wot/td/v1.1',
  title,
  base,
  securityDefinitions: { sec: { scheme: 'nosec' } },
  security: ['sec'],
  properties,
  actions,
  ...extra,
});

const prop = (href: string, extra: Record<string, unknown> = {}) => ({ readOnly: true, forms: [{ href, op: 'readproperty' }], ...extra });

/**
 * A WoT/LabThings server that misbehaves on purpose, for the hardening tests: deeply nested
 * values and TD fields, huge and gzip-bomb bodies, an SSE stream that never ends its line and
 * one that goes silent, forms pointing at another origin or at data:/javascript:/file:, and
 * a LabThings root where one Thing's description is broken.
 */
export async function startHostileServer(options: HostileOptions = {}): Promise<HostileServer> {
  const depth = options.depth ?? 5000;
  const hugeBytes = options.hugeBytes ?? 1024 ** 3;
  const bombBytes = options.bombBytes ?? 1024 ** 3;
  const requests: SeenRequest[] = [];
  const foreignRequests: SeenRequest[] = [];
  const open = new Set<ServerResponse>();
  let sent = 0;
  // `"000…0"`: one JSON string of bombBytes when inflated, about 1/1000 of it on the wire.
  // Compressed chunk by chunk, so building it costs no memory worth speaking of.
  const bomb = await new Promise<Buffer>((resolve, reject) => {
    const gzip = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    gzip.on('end', () => resolve(Buffer.concat(out)));
    gzip.on('error', reject);
    const chunk = Buffer.alloc(1024 * 1024, 0x30);
    let left = bombBytes;
    const write = (): void => {
      gzip.write('"');
      const next = (): void => {
        while (left > 0) {
          const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
          left -= part.length;
          if (!gzip.write(part)) return void gzip.once('drain', next);
        }
        gzip.end('"');
      };
      next();
    };
    write();
  });
  const bombBody = (): Buffer => bomb;

  const foreign = createServer((req, res) => {
    foreignRequests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end('1');
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  const foreignBase = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`;

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}/`;

  const json = (res: ServerResponse, body: unknown, status = 200): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    sent += Buffer.byteLength(text);
    res.writeHead(status, { 'content-type': 'application/json' }).end(text);
  };
  const stream = (res: ServerResponse, headers: Record<string, string>, next: () => Buffer | undefined): void => {
    res.writeHead(200, headers);
    open.add(res);
    const pump = (): void => {
      while (!res.destroyed) {
        const chunk = next();
        if (!chunk) {
          res.end();
          return;
        }
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    res.on('close', () => open.delete(res));
    pump();
  };

  const deepTd = thingTd('Deep', `${base}deep/`, {
    deep: prop('value'),
    fine: prop('fine', { type: 'number' }),
  }, {
    make: { forms: [{ href: 'make', op: 'invokeaction' }] },
  });
  const deepFieldTd = { ...thingTd('Deep field', `${base}deepfield/`, { fine: prop('fine', { type: 'number' }) }), extra: 'DEEP' };
  const hugeTd = thingTd('Huge', `${base}huge/`, { big: prop('value'), bomb: prop('bomb'), fine: prop('fine', { type: 'number' }) });
  const sseTd = thingTd('Endless', `${base}sse/`, {
    endless: { readOnly: true, observable: true, forms: [{ href: 'endless', op: 'observeproperty', subprotocol: 'sse' }] },
  });
  const silentTd = thingTd('Silent', `${base}silent/`, {
    quiet: { type: 'number', readOnly: true, observable: true, forms: [{ href: 'quiet', op: 'observeproperty', subprotocol: 'sse' }] },
  });
  const silentPollTd = thingTd('Silent poll', `${base}silentpoll/`, {
    quiet: { type: 'number', readOnly: true, observable: true, forms: [{ href: 'quiet', op: 'observeproperty', subprotocol: 'longpoll' }] },
  });
  const foreignTd = thingTd('Foreign', `${base}foreign/`, {
    fine: prop('fine', { type: 'number' }),
    stolen: prop(`${foreignBase}steal`, { type: 'number' }),
    inline: prop('data:application/json,42', { type: 'number' }),
    script: prop('javascript:alert(1)', { type: 'number' }),
    local: prop('file:///etc/passwd'),
    broken: { type: 'number', readOnly: true, observable: true, forms: [{ href: 'http://[broken', op: 'observeproperty', subprotocol: 'sse' }] },
  });
  // A LabThings root: "good" is fine, "bad" parses as a TD but one of its hrefs is not a URL.
  const ltTd = (thing: string, href: string) =>
    thingTd(thing, base, { reading: { type: 'number', readOnly: true, forms: [{ href }] } });
  const partialRoot = { good: ltTd('good', `/good/reading`), bad: ltTd('bad', 'http://[broken/reading') };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, cookie: req.headers.cookie });
    const chunkOf = (size: number, fill: number) => Buffer.alloc(size, fill);
    switch (path) {
      case '/deep/td':
        return json(res, deepTd);
      case '/deep/value':
      case '/deep/make':
        return json(res, deepJson(depth));
      case '/deep/fine':
      case '/huge/fine':
      case '/deepfield/fine':
      case '/foreign/fine':
        return json(res, 21.5);
      case '/deepfield/td':
        return json(res, JSON.stringify(deepFieldTd).replace('"DEEP"', deepJson(depth)));
      case '/huge/td':
        return json(res, hugeTd);
      case '/huge/value': {
        // `[0,0,0,…,0]`, streamed.
        let left = hugeBytes;
        let first = true;
        return stream(res, { 'content-type': 'application/json' }, () => {
          if (left <= 0) return undefined;
          const size = Math.min(left, 1024 * 1024);
          left -= size;
          const chunk = Buffer.from('0,'.repeat(size / 2));
          if (first) {
            chunk[0] = 0x5b; // [
            first = false;
          }
          if (left <= 0) chunk[chunk.length - 1] = 0x5d; // ]
          return chunk;
        });
      }
      case '/huge/bomb': {
        const body = bombBody();
        sent += body.length;
        return void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length }).end(body);
      }
      case '/sse/td':
        return json(res, sseTd);
      case '/sse/endless': {
        let first = true;
        // "data: xxxx…" and never a newline.
        return stream(res, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, () => {
          if (first) {
            first = false;
            return Buffer.from('data: ');
          }
          return chunkOf(64 * 1024, 0x78);
        });
      }
      case '/silent/td':
        return json(res, silentTd);
      case '/silent/quiet':
        // One value, then silence with the connection open.
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('data: 1\n\n');
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      case '/silentpoll/td':
        return json(res, silentPollTd);
      case '/silentpoll/quiet':
        // Never answers.
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      case '/foreign/td':
        return json(res, foreignTd);
      case '/partial/thing_descriptions/':
        return json(res, partialRoot);
      case '/good/reading':
        return json(res, 1);
      default:
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"not found"}');
    }
  });

  return {
    port,
    base,
    foreignBase,
    requests,
    foreignRequests,
    bytesSent: () => sent,
    openStreams: () => open.size,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      foreign.closeAllConnections();
      await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => foreign.close(r))]);
    },
  };
}
