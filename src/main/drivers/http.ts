import { z } from 'zod';
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
}

/** The Authorization header for the user's credentials. Never logged, never in messages. */
export function authHeaders(credentials: Credentials | undefined): Record<string, string> {
  if (!credentials || credentials.scheme === 'nosec') return {};
  if (credentials.scheme === 'basic') {
    return { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` };
  }
  return { authorization: `Bearer ${credentials.token}` };
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
  ) {}

  async request(request: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(this.credentials) };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      body = JSON.stringify(request.body);
    }
    const where = `${request.method} ${redactUrl(request.url)}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(request.url, {
        method: request.method,
        headers,
        body,
        signal: AbortSignal.any([
          AbortSignal.timeout(request.timeoutMs ?? this.defaultTimeoutMs),
          ...(request.signal ? [request.signal] : []),
        ]),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new LabError('TIMEOUT', `${where}: no answer in time`);
      }
      throw new LabError('DISCONNECTED', `${where}: ${networkReason(error)}`);
    }
    if (text.trim() === '') return { status: response.status, body: null, headers: response.headers };
    try {
      return { status: response.status, body: JSON.parse(text) as unknown, headers: response.headers };
    } catch {
      if (response.ok) throw new LabError('DRIVER_FAULT', `${where}: answered ${response.status} with a body that is not JSON`);
      return { status: response.status, body: text.slice(0, 500), headers: response.headers };
    }
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
  return new LabError(code, `${what}: ${status} ${detail}`);
}
