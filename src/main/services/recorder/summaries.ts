import type { ActionEventPayload, ConnectionState } from '../../../shared/model';

/** One-line summaries of recorded events, as the timeline shows and searches them. */

export const MAX_SUMMARY = 300;

const clip = (text: string): string => (text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text);

export function formatShort(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 79)}…` : value);
  if (typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? `[${value.length} values]` : '{…}';
}

/** TD unit spellings an operator reads differently (the CSV keeps the TD's own). */
const SYMBOLS: Record<string, string> = { degc: '°C', degreecelsius: '°C', celsius: '°C', 'degc/min': '°C/min', degf: '°F', percent: '%' };
const symbol = (unit: string): string => SYMBOLS[unit.replace(/^(qudt:|unit:|om:)/i, '').toLowerCase()] ?? unit;

const withUnit = (value: unknown, unit: string | undefined): string =>
  `${formatShort(value)}${unit && typeof value === 'number' ? ` ${symbol(unit)}` : ''}`;

export function propertySummary(property: string, value: unknown, unit?: string): string {
  return clip(`${property} = ${withUnit(value, unit)}`);
}

export function connectionSummary(state: Partial<ConnectionState>): string {
  return clip(`${state.status ?? 'unknown'}${state.reason ? ` — ${state.reason}` : ''}`);
}

/** `rampTo completed`, `rampTo error: Overheated`, `rampTo log: reached 40 °C` */
export function actionSummary(payload: ActionEventPayload, statusChanged: boolean): string {
  const { invocation, newLog } = payload;
  if (statusChanged || newLog.length === 0) {
    const error = invocation.status === 'error' && invocation.error ? `: ${invocation.error.title}` : '';
    return clip(`${invocation.action} ${invocation.status}${error}`);
  }
  return clip(`${invocation.action} log: ${newLog.map((record) => record.message).join(' · ')}`);
}

export interface WritePayload {
  property: string;
  value: unknown;
  ok: boolean;
  error?: string;
  by: string;
  role: string;
}

export function writeSummary(write: WritePayload, unit?: string): string {
  const base = `${write.property} ← ${withUnit(write.value, unit)} by ${write.by} (${write.role})`;
  return clip(write.ok ? base : `${base} refused: ${write.error ?? 'failed'}`);
}

/** From the fields an alarm transition usually has (severity, state, name, message); its JSON otherwise. */
export function alarmSummary(payload: unknown): string {
  if (typeof payload !== 'object' || payload === null) return clip(`alarm ${formatShort(payload)}`);
  const fields = payload as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = fields[key];
    return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
  };
  const head = [text('severity'), text('name') ?? text('rule') ?? text('property'), text('state')].filter(Boolean).join(' ');
  const message = text('message');
  if (!head && !message) return clip(`alarm ${JSON.stringify(payload).slice(0, 200)}`);
  return clip(`${head || 'alarm'}${message ? `: ${message}` : ''}`);
}
