/** What main code needs of a logger; `console` fits. */
export interface Logger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

export const consoleLogger: Logger = console;

export const silentLogger: Logger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export interface RateLimitOptions {
  /** Lines per cause in one window (default 5). */
  perWindow?: number;
  /** Window length in ms (default 60 s). */
  windowMs?: number;
  /** Causes tracked at once; the oldest are forgotten beyond this (default 500). */
  maxCauses?: number;
  now?: () => number;
}

/** A line's cause: its text with numbers, quoted names and URLs blurred, so "frame 17" and "frame 18" are one cause. */
export const causeOf = (message: string): string =>
  message
    .replace(/[a-z]+:\/\/\S+/gi, 'URL')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, '#')
    .slice(0, 200);

/**
 * A logger that lets through a few lines per cause and window, so a peer that sends garbage
 * fast cannot fill the disk or drown the lines that matter. When a window with suppressed
 * lines ends, the next line of that cause says how many were left out.
 */
export function rateLimitedLogger(inner: Logger, options: RateLimitOptions = {}): Logger {
  if ((inner as { rateLimited?: boolean }).rateLimited) return inner;
  const perWindow = options.perWindow ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const maxCauses = options.maxCauses ?? 500;
  const now = options.now ?? Date.now;
  const causes = new Map<string, { start: number; count: number; suppressed: number }>();
  const limited = (level: keyof Logger) => (message: string, ...details: unknown[]) => {
    const key = `${level}\u0000${causeOf(message)}`;
    const time = now();
    let cause = causes.get(key);
    if (cause && time - cause.start >= windowMs) {
      if (cause.suppressed > 0) inner[level](`(${cause.suppressed} more like the next line were left out in the last ${Math.round((time - cause.start) / 1000)} s)`);
      cause = undefined;
    }
    if (!cause) {
      if (causes.size >= maxCauses) causes.delete(causes.keys().next().value as string);
      cause = { start: time, count: 0, suppressed: 0 };
      causes.set(key, cause);
    }
    cause.count += 1;
    if (cause.count <= perWindow) inner[level](message, ...details);
    else if (cause.count === perWindow + 1) inner[level](`${message} (repeated: further lines like this are left out for ${Math.round(windowMs / 1000)} s)`, ...details);
    else cause.suppressed += 1;
  };
  const logger: Logger & { rateLimited: true } = { info: limited('info'), warn: limited('warn'), error: limited('error'), rateLimited: true };
  return logger;
}
