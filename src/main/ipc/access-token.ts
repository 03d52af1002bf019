import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { networkInterfaces, hostname } from 'node:os';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { Role } from '../../shared/contract';
import type { Logger } from '../core/logger';

export const createToken = (): string => randomBytes(32).toString('hex');

/** Compares in constant time; hashing first makes the lengths equal. */
function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The tokens browser mode accepts; without an operator token (`--viewer-only`) nobody can operate. */
export interface AccessTokens {
  operator?: string;
  viewer: string;
}

/** The role a token grants, or undefined. Compared in constant time against each. */
export function roleOfToken(given: string | null | undefined, tokens: AccessTokens): Role | undefined {
  if (!given) return undefined;
  if (tokens.operator !== undefined && tokensEqual(given, tokens.operator)) return 'operator';
  if (tokensEqual(given, tokens.viewer)) return 'viewer';
  return undefined;
}

const TokenFile = z.object({ version: z.literal(1), operator: z.string().min(16), viewer: z.string().min(16) });

/**
 * Stable tokens for bookmarks that survive a restart: read from `path`, or created there
 * (random, owner-only: mode 0600 in a 0700 folder). A file others can read is made
 * owner-only again, with a warning, since anyone who reads it can operate the instruments.
 */
export async function loadOrCreateTokenFile(path: string, logger: Logger): Promise<{ operator: string; viewer: string }> {
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
  }
  if (text !== undefined) {
    const parsed = TokenFile.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`token file ${path} is not valid (${z.prettifyError(parsed.error)}); delete it to make new tokens`);
    const mode = (await stat(path)).mode & 0o777;
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      logger.warn(`token file ${path} could be read by other users (mode ${mode.toString(8)}): made owner-only`);
      await chmod(path, 0o600);
    }
    return { operator: parsed.data.operator, viewer: parsed.data.viewer };
  }
  const tokens = { operator: createToken(), viewer: createToken() };
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify({ version: 1, ...tokens }, null, 2)}\n`, { mode: 0o600 });
  logger.info(`browser-mode tokens written to ${path} (owner-only); the URLs stay the same across restarts`);
  return tokens;
}

const bracket = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * The `host:port` values a request may name in its Host header (and a page in its Origin):
 * the address bound, `localhost` forms when it is loopback, and every local address and the
 * machine's name when it binds all interfaces. Anything else is a DNS-rebinding attempt or
 * a misdirected request.
 */
export function allowedHosts(bindHost: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>([bindHost, ...extra]);
  const bare = bindHost.replace(/^\[|\]$/g, '');
  const loopback = bare === 'localhost' || bare === '::1' || /^127\./.test(bare);
  if (loopback) for (const name of ['localhost', '127.0.0.1', '::1']) names.add(name);
  if (bare === '0.0.0.0' || bare === '::') {
    for (const name of ['localhost', '127.0.0.1', '::1', hostname()]) names.add(name);
    for (const list of Object.values(networkInterfaces())) for (const address of list ?? []) names.add(address.address);
  }
  const hosts = new Set<string>();
  for (const name of names) {
    const host = bracket(name.replace(/^\[|\]$/g, '')).toLowerCase();
    hosts.add(`${host}:${port}`);
    // Browsers leave the default port out of Host and Origin.
    if (port === 80) hosts.add(host);
  }
  return hosts;
}

/** True when the Host header names this server. */
export function hostAllowed(hostHeader: string | undefined, allowed: ReadonlySet<string>): boolean {
  return hostHeader !== undefined && allowed.has(hostHeader.toLowerCase());
}

/** A browser sends Origin on every WebSocket handshake: it must be one of this server's own addresses. Non-browser clients send none. */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && allowed.has(url.host.toLowerCase());
  } catch {
    return false;
  }
}
