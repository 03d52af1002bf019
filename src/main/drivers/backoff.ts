/**
 * Reconnect timing shared by every remote driver: capped exponential backoff with full
 * jitter (delay = random() * min(cap, initial * 2^attempt)), so a lab full of instruments
 * that lost the same network does not hammer it in lockstep when it returns.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** In [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    // Small on purpose: once a peer answers again it is reconnected within 2 s. A failed
    // attempt on a lab network is cheap (refused at once); the jitter spreads them out.
    this.maxMs = options.maxMs ?? 2_000;
    this.random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.floor(this.random() * ceiling);
  }

  /** After a successful connect the next failure starts small again. */
  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}
