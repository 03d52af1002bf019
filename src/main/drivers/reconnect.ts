import { LabError } from '../../shared/errors';
import { Backoff, type BackoffOptions } from './backoff';
import type { Clock } from '../core/clock';
import type { ConnectionTracker } from './connection';
import type { Logger } from '../core/logger';

export interface ReconnectOptions {
  tracker: ConnectionTracker;
  clock: Clock;
  backoff?: BackoffOptions;
  logger: Logger;
  label: string;
  /** Opens a session; resolves once connected (values read, observations sent). */
  connect(session: number): Promise<void>;
  /** Releases whatever a failed or lost session holds. */
  teardown(session: number): void;
}

/** A session that lasted this long counts as healthy: the next failure is retried quickly again. */
const STABLE_MS = 10_000;

export const reasonOf = (error: unknown): string =>
  error instanceof LabError || error instanceof Error ? error.message : String(error);

/**
 * One connect → lost → wait → connect cycle per remote Thing. Sessions are numbered so a
 * late event from an old socket cannot tear down the new one.
 */
export class ReconnectLoop {
  private session = 0;
  private running = false;
  private timer: unknown;
  private readonly backoff: Backoff;
  /** When the current session connected; the backoff starts small again only after it held a while. */
  private connectedAt: number | undefined;

  constructor(private readonly options: ReconnectOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  get current(): number {
    return this.session;
  }

  isCurrent(session: number): boolean {
    return this.running && session === this.session;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.attempt();
  }

  stop(): void {
    this.running = false;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.options.teardown(this.session);
    this.session += 1;
  }

  /** Waiting for the next attempt (disconnected, timer pending). */
  get waiting(): boolean {
    return this.running && this.timer !== undefined;
  }

  /** The operator asked: the attempt that was due later starts now. Ignored unless waiting. */
  retryNow(): void {
    if (!this.waiting) return;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    void this.attempt();
  }

  /** The session broke (socket closed, stalled); ignored for stale sessions. */
  lost(session: number, reason: string): void {
    if (!this.isCurrent(session)) return;
    this.options.logger.warn(`${this.options.label}: connection lost: ${reason}`);
    this.retryLater(reason);
  }

  private async attempt(): Promise<void> {
    if (!this.running) return;
    this.session += 1;
    const session = this.session;
    this.options.tracker.set('connecting', this.backoff.failures > 0 ? this.options.tracker.current.reason : undefined);
    try {
      await this.options.connect(session);
      if (!this.isCurrent(session)) return;
      this.connectedAt = this.options.clock.now();
      this.options.tracker.set('connected');
    } catch (error) {
      if (!this.isCurrent(session)) return;
      this.retryLater(reasonOf(error));
    }
  }

  private retryLater(reason: string): void {
    // A connection that breaks right after it opened (a server that accepts, then sends
    // garbage) keeps backing off instead of being retried at once, again and again.
    if (this.connectedAt !== undefined && this.options.clock.now() - this.connectedAt >= STABLE_MS) this.backoff.reset();
    this.connectedAt = undefined;
    this.options.teardown(this.session);
    // Late events of the torn-down session must not schedule a second retry.
    this.session += 1;
    const delay = this.backoff.next();
    this.options.tracker.set('disconnected', reason, delay);
    this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      void this.attempt();
    }, delay);
  }
}
