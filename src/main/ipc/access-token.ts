import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TOKEN_PARAM } from '../../shared/contract';

const TOKEN_COOKIE = 'lab_token';

export const createToken = (): string => randomBytes(32).toString('hex');

/** Compares in constant time; hashing first makes the lengths equal. */
function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface TokenCheck {
  ok: boolean;
  /** True when the token came in the query, so the response should set the cookie. */
  fromQuery: boolean;
}

/** Accepts the token from the `?token=` query or the cookie set by an earlier page load. */
export function checkRequestToken(request: IncomingMessage, url: URL, token: string): TokenCheck {
  const fromQuery = url.searchParams.get(TOKEN_PARAM);
  if (fromQuery !== null && tokensEqual(fromQuery, token)) return { ok: true, fromQuery: true };
  const fromCookie = cookieValue(request.headers.cookie, TOKEN_COOKIE);
  if (fromCookie !== undefined && tokensEqual(fromCookie, token)) return { ok: true, fromQuery: false };
  return { ok: false, fromQuery: false };
}

export const tokenCookie = (token: string): string => `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
