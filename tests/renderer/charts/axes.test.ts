import { describe, expect, it } from 'vitest';
import { assignAxes, tickLabel } from '../../../src/renderer/charts/axes';

describe('unit-to-axis assignment', () => {
  it('gives each unit one axis, shares it between spellings of one unit, and alternates sides', () => {
    const { axes, axisOf } = assignAxes([
      { unit: 'degC' },
      { unit: '°C' },
      { unit: '%' },
      { unit: 'mbar', logScale: true },
      { unit: undefined },
      { unit: 'qudt:DEG_C' },
    ]);
    expect(axes.map((axis) => axis.label)).toEqual(['°C', '%', 'mbar', '(no unit)', 'DEG_C']);
    expect(axisOf).toEqual([0, 0, 1, 2, 3, 4]);
    expect(axes.map((axis) => axis.side)).toEqual([3, 1, 3, 1, 3]);
    expect(axes[2]?.logScale).toBe(true);
    expect(axes[0]?.logScale).toBe(false);
    expect(new Set(axes.map((axis) => axis.scale)).size).toBe(axes.length);
  });

  it('never puts two units on one axis', () => {
    const { axes, axisOf } = assignAxes([{ unit: 'V' }, { unit: 'A' }, { unit: 'V' }]);
    expect(axes.map((axis) => axis.unit)).toEqual(['V', 'A']);
    expect(axisOf).toEqual([0, 1, 0]);
  });
});

describe('tickLabel', () => {
  it('shows as many decimals as the step between ticks needs', () => {
    expect([4.995, 4.9975, 5, 5.0025].map((value) => tickLabel(value, 0.0025))).toEqual(['4.9950', '4.9975', '5.0000', '5.0025']);
    expect([5, 5.002, 5.004].map((value) => tickLabel(value, 0.002))).toEqual(['5.000', '5.002', '5.004']);
  });

  it('reads alike on one axis, whole numbers without decimals, huge ones as the values are shown', () => {
    expect([22, 22.5, 23].map((value) => tickLabel(value, 0.5))).toEqual(['22.0', '22.5', '23.0']);
    expect(tickLabel(1500, 500)).toBe('1500');
    expect(tickLabel(2e6, 1e6)).toBe('2000000');
  });
});
