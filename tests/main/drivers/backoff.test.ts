import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/main/drivers/backoff';
import { normaliseTimestamp } from '../../../src/main/drivers/time';

describe('Backoff', () => {
  it('doubles the ceiling up to the cap, with full jitter, and resets', () => {
    const top = new Backoff({ initialMs: 500, maxMs: 30_000, random: () => 0.999999 });
    expect(Array.from({ length: 8 }, () => top.next())).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999]);
    top.reset();
    expect(top.next()).toBe(499);
    const bottom = new Backoff({ random: () => 0 });
    expect(bottom.next()).toBe(0);
  });
});

describe('normaliseTimestamp', () => {
  it('reads naive times as local time and keeps exact ones', () => {
    const naive = normaliseTimestamp('2025-03-14T15:09:26.535897');
    expect(naive).toBe(new Date(2025, 2, 14, 15, 9, 26, 535).toISOString());
    expect(naive).toMatch(/Z$/);
    expect(normaliseTimestamp('2025-03-14T16:09:26.535+02:00')).toBe('2025-03-14T14:09:26.535Z');
    expect(normaliseTimestamp(1741961366.535)).toBe('2025-03-14T14:09:26.535Z');
    expect(new Date(normaliseTimestamp('2025-03-14T14:09:26.535Z') ?? '').toISOString()).toBe('2025-03-14T14:09:26.535Z');
    expect(normaliseTimestamp('yesterday')).toBeNull();
    expect(normaliseTimestamp(null)).toBeNull();
  });
});
