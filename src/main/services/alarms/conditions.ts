import type { EqualsRule, Severity, ThresholdRule } from '../../../shared/alarms';
import type { z } from 'zod';

type Threshold = z.infer<typeof ThresholdRule>;
type Equals = z.infer<typeof EqualsRule>;

/**
 * Threshold levels: 2 = HIHI, 1 = HI, 0 = normal, -1 = LO, -2 = LOLO. A limit is reached at
 * equality (as EPICS does). Hysteresis: a level already reached holds until the value is
 * `deadband` back inside its limit, so a value hovering at a limit does not chatter.
 */
export function thresholdLevel(rule: Threshold, value: number, current: number): number {
  const band = rule.deadband;
  const { hihi, hi, lo, lolo } = rule;
  if (hihi !== undefined && value >= (current >= 2 ? hihi - band : hihi)) return 2;
  if (hi !== undefined && value >= (current >= 1 ? hi - band : hi)) return 1;
  if (lolo !== undefined && value <= (current <= -2 ? lolo + band : lolo)) return -2;
  if (lo !== undefined && value <= (current <= -1 ? lo + band : lo)) return -1;
  return 0;
}

export const levelSeverity = (level: number): Severity | null => (level === 0 ? null : level === 2 || level === -2 ? 'major' : 'minor');

export const LEVEL_NAMES: Record<number, string> = { 2: 'HIHI', 1: 'HI', [-1]: 'LO', [-2]: 'LOLO' };

export function levelLimit(rule: Threshold, level: number): number | undefined {
  return level === 2 ? rule.hihi : level === 1 ? rule.hi : level === -1 ? rule.lo : level === -2 ? rule.lolo : undefined;
}

export const equalsHolds = (rule: Equals, value: unknown): boolean => Object.is(value, rule.value);

/** Numbers for the operator: at most 6 significant digits, no trailing zeros. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-3)) return value.toExponential(3);
  return String(Number(value.toPrecision(6)));
}

/** A value as it may travel in an alarm: numbers, booleans, short strings; else null. */
export function boundedValue(value: unknown): number | boolean | string | null {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 199)}…` : value;
  return null;
}

/** Rounds a suggestion to 3 significant digits. */
export const roundNice = (value: number): number => (value === 0 ? 0 : Number(value.toPrecision(3)));
