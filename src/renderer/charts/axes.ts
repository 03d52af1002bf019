import { formatNumber, unitSymbol } from '../ui/format';

/** One y axis of a chart: every series with this unit shares it (never two units on one axis). */
export interface UnitAxis {
  /** uPlot scale key. */
  scale: string;
  /** As the operator reads it ("°C"); empty for values without a unit. */
  unit: string;
  /** The axis label. */
  label: string;
  /** uPlot side: 3 left, 1 right; axes alternate, the first on the left. */
  side: 1 | 3;
  logScale: boolean;
}

export interface AxisAssignment {
  axes: UnitAxis[];
  /** For each series (in order), the index of its axis. */
  axisOf: number[];
}

/**
 * Gives each distinct unit one y axis, in the order units first appear; spellings of the same
 * unit (degC, °C) share one. A log-scaled unit (pressures) gets a log axis.
 */
export function assignAxes(series: readonly { unit: string | null | undefined; logScale?: boolean }[]): AxisAssignment {
  const axes: UnitAxis[] = [];
  const byUnit = new Map<string, number>();
  const axisOf = series.map((each) => {
    const unit = unitSymbol(each.unit ?? undefined);
    const known = byUnit.get(unit);
    if (known !== undefined) {
      const axis = axes[known];
      if (axis && each.logScale) axis.logScale = true;
      return known;
    }
    const index = axes.length;
    axes.push({
      scale: `y:${unit}`,
      unit,
      label: unit === '' ? '(no unit)' : unit,
      side: index % 2 === 0 ? 3 : 1,
      logScale: each.logScale === true,
    });
    byUnit.set(unit, index);
    return index;
  });
  return { axes, axisOf };
}

/** A y tick with the decimals of the step between ticks (5.0025 for a step of 0.0025), so every tick reads differently. */
export function tickLabel(value: number, step: number): string {
  if (!(step > 0) || !Number.isFinite(step) || !Number.isFinite(value) || Math.abs(value) >= 1e6) return formatNumber(value);
  let decimals = 0;
  while (decimals < 9 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6 * 10 ** decimals) decimals += 1;
  return decimals >= 9 ? formatNumber(value) : value.toFixed(decimals);
}
