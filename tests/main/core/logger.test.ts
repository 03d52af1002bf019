import { describe, expect, it } from 'vitest';
import { causeOf, rateLimitedLogger, type Logger } from '../../../src/main/core/logger';
import { keepServingOnUnhandledRejection } from '../../../src/main/core/last-resort';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`), error: (m: string) => void lines.push(`error ${m}`) };
}

describe('rate-limited logger', () => {
  it('lets a few lines per cause and minute through, says when it leaves some out, and counts them later', () => {
    let now = 0;
    const inner = recorder();
    const logger = rateLimitedLogger(inner, { perWindow: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 1000; i += 1) logger.warn(`WebSocket: ignored frame ${i} from "peer-${i}"`);
    logger.warn('another cause');
    expect(inner.lines).toEqual([
      'warn WebSocket: ignored frame 0 from "peer-0"',
      'warn WebSocket: ignored frame 1 from "peer-1"',
      'warn WebSocket: ignored frame 2 from "peer-2"',
      'warn WebSocket: ignored frame 3 from "peer-3" (repeated: further lines like this are left out for 60 s)',
      'warn another cause',
    ]);
    now = 61_000;
    logger.warn('WebSocket: ignored frame 5000 from "x"');
    expect(inner.lines.slice(-2)).toEqual(['warn (996 more like the next line were left out in the last 61 s)', 'warn WebSocket: ignored frame 5000 from "x"']);
  });

  it('keeps each level and cause apart, and blurs numbers, names and URLs into one cause', () => {
    expect(causeOf('instrument http://a:1/x?token=s: frame 17 of "thermo"')).toBe(causeOf('instrument http://b:2/y: frame 18 of "stage"'));
    const inner = recorder();
    const logger = rateLimitedLogger(inner, { perWindow: 1 });
    logger.warn('a');
    logger.error('a');
    logger.info('b');
    expect(inner.lines).toEqual(['warn a', 'error a', 'info b']);
    // Wrapping twice does not halve the budget.
    expect(rateLimitedLogger(logger)).toBe(logger);
  });

  it('tracks a bounded number of causes', () => {
    const inner = recorder();
    const logger = rateLimitedLogger(inner, { perWindow: 1, maxCauses: 10 });
    for (let i = 0; i < 100; i += 1) logger.warn(`cause ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`);
    expect(inner.lines).toHaveLength(100);
  });
});

describe('last resort', () => {
  it('logs an unhandled rejection and keeps the process serving', async () => {
    const inner = recorder();
    const remove = keepServingOnUnhandledRejection(inner);
    try {
      void Promise.reject(new Error('nobody caught me'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(inner.lines.some((line) => line.startsWith('error unexpected error'))).toBe(true);
    } finally {
      remove();
    }
  });
});
