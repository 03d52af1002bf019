/**
 * The MQTT benchmark's processes talk over stdin/stdout in lines: the parent sends
 * `start <epoch ms>` and `stop <epoch ms>`, the measurement window; each child prints `ready`
 * once it is up, then one JSON `Report` line after `stop`. The publisher counts what it sent
 * inside the window; the viewer what it received that was published inside it (every value is
 * its publish time), so both count the same updates.
 */
export const PROPERTIES = 1000;
/** Every property changes once per period: 10 Hz. */
export const PERIOD_MS = 100;
/** The properties are spread over the period in slices, one slice per tick. */
export const TICK_MS = 10;
export const BENCH_THING = 'bench';
export const BARE_PREFIX = 'bare/bench';
/** After the window, how long the viewer waits for updates published in it. */
export const DRAIN_MS = 1000;

export interface Report {
  role: 'publisher' | 'viewer';
  /** Updates published (publisher) or delivered (viewer) inside the window. */
  updates: number;
  /** CPU time of this process inside the window, in ms. */
  cpuMs: number;
  windowMs: number;
  /** Viewer only: latency = arrival time − publish time (same clock), per update. */
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

export const propertyName = (index: number): string => `p${String(index).padStart(4, '0')}`;

/**
 * The measurement window of one child, as the parent sets it: what was published (or
 * delivered, of what was published) inside it, its CPU time and, for the viewer, latencies.
 * Prints the Report line after `stop` (the viewer after DRAIN_MS) and then calls `done`.
 */
export class MeasuredWindow {
  /** The window, in epoch ms; nothing counts until `start`. */
  from = Number.POSITIVE_INFINITY;
  until = Number.POSITIVE_INFINITY;
  private updates = 0;
  private cpu = process.cpuUsage();
  private started = 0;
  private readonly latency = new LatencyHistogram();

  constructor(
    private readonly role: Report['role'],
    done: () => void,
  ) {
    onCommands({
      start: (at) => {
        this.updates = 0;
        this.from = at;
        this.started = performance.now();
        this.cpu = process.cpuUsage();
      },
      stop: (at) => {
        this.until = at;
        // The viewer waits for updates published in the window that are still on their way.
        setTimeout(() => {
          const report: Report = { role, updates: this.updates, cpuMs: cpuMs(this.cpu), windowMs: performance.now() - this.started };
          if (role === 'viewer') Object.assign(report, { p50Ms: this.latency.quantile(0.5), p99Ms: this.latency.quantile(0.99), maxMs: this.latency.max });
          process.stdout.write(`${JSON.stringify(report)}\n`);
          done();
        }, role === 'viewer' ? DRAIN_MS : 0);
      },
    });
  }

  inside(publishedAt: number): boolean {
    return publishedAt >= this.from && publishedAt < this.until;
  }

  /** The publisher: one update sent at `publishedAt`. */
  sent(publishedAt: number): void {
    if (this.inside(publishedAt)) this.updates += 1;
  }

  /** The viewer: one update published at `publishedAt` arrived now. */
  delivered(publishedAt: number): void {
    if (!this.inside(publishedAt)) return;
    this.updates += 1;
    this.latency.add(Date.now() - publishedAt);
  }
}

/** Reads `start` / `stop` lines from the parent. */
function onCommands(handlers: { start(at: number): void; stop(at: number): void }): void {
  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      const [command, at] = line.split(' ');
      if (command === 'start') handlers.start(Number(at));
      if (command === 'stop') handlers.stop(Number(at));
    }
  });
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** Latencies kept in 0.1 ms bins up to 10 s, so a long window costs no memory. */
class LatencyHistogram {
  private readonly bins = new Uint32Array(100_001);
  count = 0;
  max = 0;
  add(ms: number): void {
    const bin = Math.min(this.bins.length - 1, Math.max(0, Math.round(ms * 10)));
    this.bins[bin] = (this.bins[bin] ?? 0) + 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }
  quantile(q: number): number {
    const wanted = Math.ceil(this.count * q);
    let seen = 0;
    for (let bin = 0; bin < this.bins.length; bin += 1) {
      seen += this.bins[bin] ?? 0;
      if (seen >= wanted && seen > 0) return bin / 10;
    }
    return Number.NaN;
  }
}

/**
 * Calls `slice(from, to)` for the properties due at each tick, TICK_MS apart, catching up
 * (without bursts of more than one period) when the timer fell behind.
 */
export function schedule(slice: (from: number, to: number) => void): () => void {
  const perTick = Math.ceil((PROPERTIES * TICK_MS) / PERIOD_MS);
  const ticksPerPeriod = PERIOD_MS / TICK_MS;
  let next = performance.now();
  let tick = 0;
  let timer: NodeJS.Timeout;
  const run = (): void => {
    const now = performance.now();
    let done = 0;
    while (next <= now && done < ticksPerPeriod) {
      const part = tick % ticksPerPeriod;
      slice(part * perTick, Math.min(PROPERTIES, (part + 1) * perTick));
      tick += 1;
      next += TICK_MS;
      done += 1;
    }
    if (next < now - PERIOD_MS) next = now; // too far behind: drop the backlog, keep the rate
    timer = setTimeout(run, Math.max(0, next - performance.now()));
  };
  run();
  return () => clearTimeout(timer);
}
