/**
 * One shared clock for ages and staleness: a single interval for the whole window instead of
 * one per row. Subscribers read Date.now() themselves.
 */
export class Ticker {
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly periodMs = 200) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    this.timer ??= setInterval(() => {
      for (const each of [...this.listeners]) each();
    }, this.periodMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer !== undefined) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  };
}
