import { randomUUID } from 'node:crypto';
import { LabError, type ErrorCode } from '../../shared/errors';
import type {
  ActionEventPayload,
  Invocation,
  InvocationStatus,
  LogLevel,
  LogRecord,
  ProblemDetails,
} from '../../shared/model';
import { Message } from '../core/message';
import { toIso, type Now } from '../core/clock';

export interface ActionLogger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** The Thing's properties as seen from inside one of its actions (the Thing acting on itself). */
export interface PropertyAccess {
  read(name: string): unknown;
  /** Validated against the schema; read-only properties may be written, the Thing owns them. */
  write(name: string, value: unknown): void;
}

/**
 * What an action handler gets besides its input. Cancellation is cooperative: `signal`
 * aborts, `sleep` rejects at once, and the invocation only becomes `cancelled` when the
 * handler returns or throws. A handler that ignores the signal keeps running (and stays
 * `running`) until it finishes; whatever it returns then is kept as output of the cancelled
 * invocation (a stage that stopped half-way reports where it stopped).
 */
export interface ActionContext {
  readonly invocationId: string;
  readonly signal: AbortSignal;
  readonly log: ActionLogger;
  /** 0–100; published only when the integer percent changes. */
  progress(percent: number): void;
  /** Waits `ms` (scaled by a slow-actions fault); rejects with LabError('CANCELLED') on abort. */
  sleep(ms: number): Promise<void>;
  throwIfCancelled(): void;
  readonly properties: PropertyAccess;
}

/** Runs an action with input already validated against its schema. */
export type ActionRunner = (input: unknown, context: ActionContext) => Promise<unknown>;

export interface InvocationManagerOptions {
  thing: string;
  /** Where `action` messages go (the Thing gates them, e.g. after stop). */
  publish: (message: Message<ActionEventPayload>) => void;
  properties: PropertyAccess;
  now?: Now;
  /** How long a finished invocation stays queryable; default 300 s. */
  retentionMs?: number;
  /** Log records kept per invocation, oldest dropped; default 1000. */
  maxLogRecords?: number;
  /** Finished invocations kept at most (oldest finished dropped first); default 1000. */
  maxRetained?: number;
  /** How long `cancel` waits for a cooperative handler to settle before answering; default 1 s. */
  cancelGraceMs?: number;
  /** Multiplies every `sleep` (slow-actions fault); read on each call. */
  sleepFactor?: () => number;
}

type MutableInvocation = Omit<Invocation, 'log'>;

interface Entry {
  invocation: MutableInvocation;
  log: LogRecord[];
  pendingLog: LogRecord[];
  controller: AbortController;
  /** Why it was aborted: an operator cancel, or a fault (disconnect, stop) that fails it. */
  abortedBy: 'cancel' | LabError | null;
  publishedPercent: number | null;
  settled: Promise<void>;
  markSettled: () => void;
  retention: ReturnType<typeof setTimeout> | null;
}

type Outcome = { kind: 'returned'; output: unknown } | { kind: 'threw'; error: unknown };

const TERMINAL = new Set<InvocationStatus>(['completed', 'cancelled', 'error']);

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 422,
  READ_ONLY: 405,
  CONFLICT: 409,
  DISCONNECTED: 503,
  TIMEOUT: 504,
  UNAUTHORIZED: 401,
  DRIVER_FAULT: 502,
};

/** RFC 9457 problem details for whatever a handler threw. */
function problemFrom(error: unknown): ProblemDetails {
  if (error instanceof LabError) return { title: error.code, detail: error.message, status: HTTP_STATUS[error.code] ?? 500 };
  if (error instanceof Error) return { title: error.name || 'Error', detail: error.message, status: 500 };
  return { title: 'Error', detail: String(error), status: 500 };
}

/** The invocations of one Thing: lifecycle, log, progress, cancel, retention. */
export class InvocationManager {
  private readonly entries = new Map<string, Entry>();
  private readonly now: Now;
  private readonly retentionMs: number;
  private readonly maxLog: number;
  private readonly maxRetained: number;
  private readonly cancelGraceMs: number;

  constructor(private readonly options: InvocationManagerOptions) {
    this.now = options.now ?? Date.now;
    this.retentionMs = options.retentionMs ?? 300_000;
    this.maxLog = options.maxLogRecords ?? 1000;
    this.maxRetained = options.maxRetained ?? 1000;
    this.cancelGraceMs = options.cancelGraceMs ?? 1000;
  }

  /** Creates a pending invocation and starts it on the next microtask; returns its snapshot. */
  start(action: string, input: unknown, run: ActionRunner): Invocation {
    let markSettled = (): void => {};
    const settled = new Promise<void>((resolve) => (markSettled = resolve));
    const entry: Entry = {
      invocation: {
        id: randomUUID(),
        thing: this.options.thing,
        action,
        status: 'pending',
        progress: null,
        timeRequested: toIso(this.now()),
        timeStarted: null,
        timeCompleted: null,
        input,
        output: null,
        error: null,
      },
      log: [],
      pendingLog: [],
      controller: new AbortController(),
      abortedBy: null,
      publishedPercent: null,
      settled,
      markSettled,
      retention: null,
    };
    this.entries.set(entry.invocation.id, entry);
    this.publish(entry);
    // A microtask, not a timer: the caller gets `pending` back, and fake timers cannot stall it.
    void Promise.resolve().then(() => this.run(entry, input, run));
    return this.snapshot(entry);
  }

  get(id: string): Invocation {
    return this.snapshot(this.find(id));
  }

  /** The invocation if it is still pending or running, else undefined (finished or expired). */
  active(id: string): Invocation | undefined {
    const entry = this.entries.get(id);
    return entry && !TERMINAL.has(entry.invocation.status) ? this.snapshot(entry) : undefined;
  }

  list(): Invocation[] {
    return [...this.entries.values()].map((entry) => this.snapshot(entry));
  }

  /** Resolves once the invocation has finished (test and shutdown helper). */
  async settled(id: string): Promise<Invocation> {
    const entry = this.find(id);
    await entry.settled;
    return this.snapshot(entry);
  }

  /**
   * Requests a cooperative cancel and waits up to the grace period for the handler to
   * settle, so the answer is usually already `cancelled`; a handler that ignores the
   * signal is answered with its current (still `running`) state.
   */
  async cancel(id: string): Promise<Invocation> {
    const entry = this.find(id);
    const { status } = entry.invocation;
    if (TERMINAL.has(status)) {
      const word = status === 'error' ? 'failed' : status;
      throw new LabError('CONFLICT', `invocation ${id} already ${word}`);
    }
    if (entry.abortedBy === null) {
      entry.abortedBy = 'cancel';
      this.appendLog(entry, 'info', 'cancel requested');
      entry.controller.abort(new LabError('CANCELLED', `invocation ${id} was cancelled`));
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.cancelGraceMs);
    });
    await Promise.race([entry.settled, grace]);
    clearTimeout(timer);
    return this.snapshot(entry);
  }

  /** Fails every unfinished invocation with `reason` (link lost, Thing stopped). */
  abortAll(reason: LabError): void {
    for (const entry of this.entries.values()) {
      if (TERMINAL.has(entry.invocation.status) || entry.abortedBy !== null) continue;
      entry.abortedBy = reason;
      this.appendLog(entry, 'error', reason.message);
      entry.controller.abort(reason);
    }
  }

  /** Drops every retention timer and forgets all invocations. */
  dispose(): void {
    for (const entry of this.entries.values()) if (entry.retention) clearTimeout(entry.retention);
    this.entries.clear();
  }

  private find(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new LabError('NOT_FOUND', `no invocation with id ${id} on ${this.options.thing}`);
    return entry;
  }

  private async run(entry: Entry, input: unknown, run: ActionRunner): Promise<void> {
    if (entry.abortedBy !== null) {
      this.finish(entry, { kind: 'returned', output: null });
      return;
    }
    entry.invocation.status = 'running';
    entry.invocation.timeStarted = toIso(this.now());
    this.publish(entry);
    let outcome: Outcome;
    try {
      outcome = { kind: 'returned', output: (await run(input, this.context(entry))) ?? null };
    } catch (error) {
      outcome = { kind: 'threw', error };
    }
    this.finish(entry, outcome);
  }

  private finish(entry: Entry, outcome: Outcome): void {
    const invocation = entry.invocation;
    if (outcome.kind === 'returned') invocation.output = outcome.output;
    if (entry.abortedBy === 'cancel') {
      invocation.status = 'cancelled';
      this.record(entry, 'info', 'cancelled');
    } else if (entry.abortedBy !== null) {
      // Failed by a fault (link lost, Thing stopped): already logged when it happened.
      invocation.status = 'error';
      invocation.error = problemFrom(entry.abortedBy);
    } else if (outcome.kind === 'threw') {
      invocation.status = 'error';
      invocation.error = problemFrom(outcome.error);
      this.record(entry, 'error', `failed: ${invocation.error.detail ?? invocation.error.title}`);
    } else {
      invocation.status = 'completed';
      if (invocation.progress !== null) invocation.progress = 100;
    }
    invocation.timeCompleted = toIso(this.now());
    this.publish(entry);
    entry.markSettled();
    // Disposed meanwhile (Thing stopped): nothing left to retain.
    if (this.entries.get(invocation.id) !== entry) return;
    entry.retention = setTimeout(() => this.entries.delete(invocation.id), this.retentionMs);
    entry.retention.unref?.();
    this.enforceRetainedLimit();
  }

  private enforceRetainedLimit(): void {
    const finished = [...this.entries.values()].filter((entry) => TERMINAL.has(entry.invocation.status));
    for (const entry of finished.slice(0, Math.max(0, finished.length - this.maxRetained))) {
      if (entry.retention) clearTimeout(entry.retention);
      this.entries.delete(entry.invocation.id);
    }
  }

  private context(entry: Entry): ActionContext {
    const signal = entry.controller.signal;
    const log = (level: LogLevel) => (message: string) => {
      if (!TERMINAL.has(entry.invocation.status)) this.appendLog(entry, level, message);
    };
    return {
      invocationId: entry.invocation.id,
      signal,
      log: { debug: log('debug'), info: log('info'), warning: log('warning'), error: log('error') },
      progress: (percent) => this.progress(entry, percent),
      sleep: (ms) => this.sleep(ms, signal),
      throwIfCancelled: () => signal.throwIfAborted(),
      properties: this.options.properties,
    };
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    const factor = this.options.sleepFactor?.() ?? 1;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms * factor));
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private progress(entry: Entry, percent: number): void {
    if (TERMINAL.has(entry.invocation.status) || !Number.isFinite(percent)) return;
    const clamped = Math.min(100, Math.max(0, percent));
    entry.invocation.progress = Math.round(clamped * 10) / 10;
    const whole = Math.floor(clamped);
    if (whole !== entry.publishedPercent) {
      entry.publishedPercent = whole;
      this.publish(entry);
    }
  }

  private appendLog(entry: Entry, level: LogLevel, message: string): void {
    this.record(entry, level, message);
    this.publish(entry);
  }

  /** Adds a log record that goes out with the next message of this invocation. */
  private record(entry: Entry, level: LogLevel, message: string): void {
    const record: LogRecord = { time: toIso(this.now()), level, message };
    entry.log.push(record);
    if (entry.log.length > this.maxLog) entry.log.splice(0, entry.log.length - this.maxLog);
    entry.pendingLog.push(record);
  }

  private publish(entry: Entry): void {
    const payload: ActionEventPayload = { invocation: { ...entry.invocation }, newLog: entry.pendingLog };
    entry.pendingLog = [];
    this.options.publish(
      new Message<ActionEventPayload>({ thing: this.options.thing, affordance: entry.invocation.action, messageType: 'action', payload }),
    );
  }

  private snapshot(entry: Entry): Invocation {
    return { ...entry.invocation, log: [...entry.log] };
  }
}
