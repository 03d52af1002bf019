import { z } from 'zod';
import { formatBytes, jsonDepthProblem } from '../../shared/bounded-json';
import type { Credentials } from '../../shared/contract';
import { LabError, type ErrorCode } from '../../shared/errors';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpResponse {
  status: number;
  /** Parsed JSON, null for an empty body, or the raw text when an error body is not JSON. */
  body: unknown;
  headers: Headers;
}

export interface HttpRequest {
  method: string;
  url: string;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  /** Aborts the request early (a driver stopping). */
  signal?: AbortSignal;
  /** Largest body accepted, counted after decompression (default: BODY_LIMITS.value). */
  maxBytes?: number;
  /** What this request is for, in messages: "reading thermo.temperature". The method and URL otherwise. */
  what?: string;
}

/**
 * Byte limits on what an instrument may send, counted after decompression (a 1 MiB gzip
 * bomb is 1 GiB of JSON). Anything larger is refused with a clear error and the download
 * is aborted at once.
 */
export const BODY_LIMITS = {
  /** A Thing Description or a LabThings root listing every Thing's. */
  td: 8 * 1024 * 1024,
  /** A property value (a spectrum of 100,000 numbers is about 1.5 MiB). */
  value: 8 * 1024 * 1024,
  /** An action's output or an invocation resource. */
  output: 32 * 1024 * 1024,
  /** One line of an event stream (one event's data). */
  sseLine: 1024 * 1024,
} as const;

export interface HttpClientOptions {
  /**
   * The origin (scheme, host, port) the operator gave the credentials for: they are sent to
   * that origin only; a form pointing elsewhere is requested without them. Every origin when absent.
   */
  credentialOrigin?: string;
  /** The lifetime of the requests' owner (a driver, an instrument): aborting it aborts them all. */
  signal?: () => AbortSignal | undefined;
}

/** The origin of a URL (`http://host:port`), or undefined when it is not a URL. */
export function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The Authorization header for `url`: only when it is on the origin the credentials are for. */
export function authHeadersFor(url: string, credentials: Credentials | undefined, credentialOrigin: string | undefined): Record<string, string> {
  if (credentialOrigin !== undefined && originOf(url) !== credentialOrigin) return {};
  return authHeaders(credentials);
}

/** Reads a body up to `maxBytes` (after decompression); beyond that it aborts and throws. */
export async function readBounded(response: Response, maxBytes: number, what: string, abort: () => void): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const tooLarge = (): LabError => new LabError('DRIVER_FAULT', `${what}: the answer is larger than ${formatBytes(maxBytes)}, refused`);
  if (!encoded && Number.isFinite(declared) && declared > maxBytes) {
    abort();
    throw tooLarge();
  }
  const body = response.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      abort();
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The Authorization header for the user's credentials. Never logged, never in messages. */
export function authHeaders(credentials: Credentials | undefined): Record<string, string> {
  if (!credentials || credentials.scheme === 'nosec') return {};
  if (credentials.scheme === 'basic') {
    return { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` };
  }
  return { authorization: `Bearer ${credentials.token}` };
}

/** Query parameters that usually carry a secret; their values are never shown, logged or saved. */
export const SECRET_PARAM = /^(token|access[_-]?token|auth|authorization|api[_-]?key|apikey|key|secret|client[_-]?secret|password|passwd|pwd|pass|sig|signature|session|sessionid|jwt|bearer)$/i;

/** A URL fit for lists and files: user info dropped and secret-looking query values replaced by "REDACTED". */
export function redactQuerySecrets(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(key)) parsed.searchParams.set(key, 'REDACTED');
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

/** True when the URL's query carries a secret-looking parameter. */
export function hasQuerySecret(url: string): boolean {
  try {
    return [...new URL(url).searchParams.keys()].some((key) => SECRET_PARAM.test(key));
  } catch {
    return false;
  }
}

/** A URL fit for messages and logs: no user info, no query (tokens hide there). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}

/**
 * JSON over HTTP with credentials, a timeout and error codes: network failures become
 * DISCONNECTED, timeouts TIMEOUT, a 2xx body that is not JSON DRIVER_FAULT. Other statuses
 * are returned, so each driver maps them with the context it knows.
 */
export class HttpClient {
  constructor(
    private readonly fetchImpl: FetchLike = (input, init) => fetch(input, init),
    private readonly credentials?: Credentials,
    private readonly defaultTimeoutMs = 10_000,
    private readonly options: HttpClientOptions = {},
  ) {}

  async request(request: HttpRequest): Promise<HttpResponse> {
    const where = `${request.method} ${redactUrl(request.url)}`;
    const what = request.what ?? where;
    let protocol: string;
    try {
      protocol = new URL(request.url).protocol;
    } catch {
      throw new LabError('DRIVER_FAULT', `${what}: not a valid URL`);
    }
    // Only the network: data:, file:, javascript: and the like are never fetched.
    if (protocol !== 'http:' && protocol !== 'https:') throw new LabError('DRIVER_FAULT', `${what}: refused a ${protocol} URL (only http and https)`);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...authHeadersFor(request.url, this.credentials, this.options.credentialOrigin),
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      body = JSON.stringify(request.body);
    }
    const owner = this.options.signal?.();
    if (owner?.aborted) throw new LabError('DISCONNECTED', `${what}: cancelled (the instrument was stopped or removed)`);
    const local = new AbortController();
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(request.url, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.any([
          AbortSignal.timeout(request.timeoutMs ?? this.defaultTimeoutMs),
          local.signal,
          ...(request.signal ? [request.signal] : []),
          ...(owner ? [owner] : []),
        ]),
      });
      text = await readBounded(response, request.maxBytes ?? BODY_LIMITS.value, what, () => local.abort());
    } catch (error) {
      if (error instanceof LabError) throw error;
      if (owner?.aborted) throw new LabError('DISCONNECTED', `${what}: cancelled (the instrument was stopped or removed)`);
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new LabError('TIMEOUT', `${what}: no answer in time`);
      }
      throw new LabError('DISCONNECTED', `${what}: ${networkReason(error)}`);
    }
    if (text.trim() === '') return { status: response.status, body: null, headers: response.headers };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      if (response.ok) throw new LabError('DRIVER_FAULT', `${what}: answered ${response.status} with a body that is not JSON`);
      return { status: response.status, body: text.slice(0, 500), headers: response.headers };
    }
    const deep = jsonDepthProblem(parsed);
    if (deep !== undefined) throw new LabError('DRIVER_FAULT', `${what}: the server sent a value ${deep}, refused`);
    return { status: response.status, body: parsed, headers: response.headers };
  }
}

function networkReason(error: unknown): string {
  if (error instanceof Error) {
    const cause: unknown = error.cause;
    if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return `${cause.code} (${cause.message})`;
    return error.message;
  }
  return String(error);
}

const ValidationItem = z.object({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string() }).loose();
const ErrorBody = z.object({ detail: z.union([z.string(), z.array(ValidationItem)]) }).loose();

/** FastAPI/pydantic error bodies in one line: "steps: Input should be a valid integer; ...". */
function summariseDetail(body: unknown): string {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return typeof body === 'string' && body !== '' ? body : 'no details';
  const { detail } = parsed.data;
  if (typeof detail === 'string') return detail;
  return detail
    .map((item) => {
      const loc = (item.loc ?? []).filter((part, index) => !(index === 0 && part === 'body')).join('.');
      return loc ? `${loc}: ${item.msg}` : item.msg;
    })
    .join('; ');
}

/**
 * The inputs a FastAPI/pydantic 422 names ("body.offset: Field required" → offset), with
 * their messages; undefined when it names none. Only the first path part after `body` counts.
 */
export function fieldErrors(body: unknown): Record<string, string> | undefined {
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success || typeof parsed.data.detail === 'string') return undefined;
  const fields: Record<string, string> = {};
  for (const item of parsed.data.detail) {
    const loc = (item.loc ?? []).filter((part, index) => !(index === 0 && part === 'body'));
    const name = loc[0];
    if (typeof name !== 'string') continue;
    fields[name] = fields[name] ? `${fields[name]}; ${item.msg}` : item.msg;
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

export type HttpContext = 'read' | 'write' | 'invoke' | 'cancel' | 'get';

/** Maps an unsuccessful status to a LabError, using what the caller was doing. */
export function httpError(status: number, body: unknown, context: HttpContext, what: string): LabError {
  const detail = summariseDetail(body);
  let code: ErrorCode;
  if (status === 404) code = 'NOT_FOUND';
  else if (status === 401 || status === 403) code = 'UNAUTHORIZED';
  else if (status === 405) code = context === 'write' ? 'READ_ONLY' : 'INVALID_ARGUMENT';
  else if (status === 400 || status === 422) code = 'INVALID_ARGUMENT';
  else if (status === 409 || (status === 503 && context === 'cancel')) code = 'CONFLICT';
  else if (status === 408 || status === 504) code = 'TIMEOUT';
  else code = 'DRIVER_FAULT';
  const fields = code === 'INVALID_ARGUMENT' && context === 'invoke' ? fieldErrors(body) : undefined;
  return new LabError(code, `${what}: ${status} ${detail}`, fields);
}
