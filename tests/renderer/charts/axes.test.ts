import { describe, expect, it } from 'vitest';
import { assignAxes } from '../../../src/renderer/charts/axes';

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
