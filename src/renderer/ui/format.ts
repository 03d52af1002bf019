import type { DataSchema } from '../../shared/model';

/** TD unit strings seen in the wild (QUDT names, ASCII spellings) → what an operator reads. */
const UNIT_SYMBOLS: Record<string, string> = {
  degc: '°C',
  degreecelsius: '°C',
  celsius: '°C',
  '°c': '°C',
  kelvin: 'K',
  um: 'µm',
  micrometre: 'µm',
  micrometer: 'µm',
  'µm': 'µm',
  'μm': 'µm',
  nm: 'nm',
  nanometre: 'nm',
  mm: 'mm',
  percent: '%',
  '%': '%',
  mbar: 'mbar',
  millibar: 'mbar',
  pa: 'Pa',
  pascal: 'Pa',
  v: 'V',
  volt: 'V',
  a: 'A',
  ampere: 'A',
  ma: 'mA',
  w: 'W',
  watt: 'W',
  ms: 'ms',
  millisecond: 'ms',
  s: 's',
  second: 's',
  hz: 'Hz',
  'um/s': 'µm/s',
  'µm/s': 'µm/s',
  'degc/min': '°C/min',
  '°c/min': '°C/min',
};

export function unitSymbol(unit: string | undefined): string {
  if (!unit) return '';
  const bare = unit.replace(/^(qudt:|unit:|om:)/i, '');
  return UNIT_SYMBOLS[bare.toLowerCase()] ?? bare;
}

/** Pressures span decades: scientific notation is how vacuum gauges are read. */
export function isLogScale(schema: DataSchema | undefined): boolean {
  if (!schema) return false;
  const scale: unknown = schema['scale'] ?? schema['x-scale'];
  if (scale === 'log' || schema['logScale'] === true) return true;
  const unit = unitSymbol(schema.unit);
  return unit === 'mbar' || unit === 'Pa';
}

export function formatNumber(value: number, schema?: DataSchema): string {
  if (!Number.isFinite(value)) return String(value);
  if (isLogScale(schema)) return value.toExponential(2);
  if (schema?.type === 'integer' || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(3);
  if (magnitude >= 100) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** The value as text, with its unit (numbers), without it (everything else). */
export function formatValue(value: unknown, schema?: DataSchema): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'number') {
    const unit = unitSymbol(schema?.unit);
    return unit ? `${formatNumber(value, schema)}\u00a0${unit}` : formatNumber(value, schema);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `${value.length} values`;
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}…` : json;
}

export function formatAge(ms: number): string {
  if (ms < 0) return 'now';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s ago`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s ago`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min ago`;
  return `${Math.round(ms / 3_600_000)} h ago`;
}

export function formatClock(time: number): string {
  const date = new Date(time);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3).slice(0, 1)}`;
}

export function formatIsoClock(iso: string | null): string {
  if (!iso) return '';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : formatClock(time);
}
