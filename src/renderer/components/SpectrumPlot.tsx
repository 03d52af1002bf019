import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { ThingDescription } from '../../shared/model';
import { liveKey } from '../store/keys';
import { bindToFrames } from '../ui/frame-binding';
import { formatNumber, unitSymbol } from '../ui/format';
import { useLab, useLabContext } from '../ui/lab-context';

const numbersOf = (value: unknown): number[] =>
  Array.isArray(value) ? value.map((each: unknown) => (typeof each === 'number' && Number.isFinite(each) ? each : 0)) : [];

/** Where the x axis of an array property comes from: a start/end pair of the Thing's own properties, else the index. */
export interface SpectrumAxis {
  label: string;
  unit: string;
  start?: string;
  end?: string;
}

/** Finds a wavelength (or other) range in the Thing's properties: `…Start`/`…End`, `…Min`/`…Max`, `…First`/`…Last`. */
export function spectrumAxis(td: ThingDescription | undefined): SpectrumAxis {
  const names = Object.keys(td?.properties ?? {});
  for (const [startWord, endWord] of [
    ['start', 'end'],
    ['min', 'max'],
    ['first', 'last'],
  ] as const) {
    for (const start of names) {
      const match = new RegExp(`^(.*?)${startWord}$`, 'i').exec(start);
      const prefix = match?.[1];
      if (!prefix || !/wavelength|frequency|energy|wavenumber/i.test(prefix)) continue;
      const end = names.find((name) => name.toLowerCase() === `${prefix}${endWord}`.toLowerCase());
      if (!end) continue;
      const unit = unitSymbol(td?.properties[start]?.unit);
      return { label: prefix.replace(/^./, (c) => c.toUpperCase()), unit, start, end };
    }
  }
  return { label: 'Index', unit: '' };
}

const cssVar = (name: string, fallback: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/** An array property (a spectrum) on a real x axis (wavelength where the Thing says, else index), with axis labels and a cursor. */
export function SpectrumPlot({ thing, property, fill = false }: { thing: string; property: string; fill?: boolean }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const readoutRef = useRef<HTMLDivElement>(null);
  const { store } = useLabContext();
  const td = useLab((state) => state.tds[thing]);
  const affordance = td?.properties[property];
  const yLabel = `${affordance?.title ?? property}${unitSymbol(affordance?.unit) ? ` (${unitSymbol(affordance?.unit)})` : ''}`;

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const axis = spectrumAxis(td);
    const key = liveKey(thing, property);
    const startKey = axis.start ? liveKey(thing, axis.start) : undefined;
    const endKey = axis.end ? liveKey(thing, axis.end) : undefined;
    const muted = cssVar('--muted', '#6b7385');
    const grid = cssVar('--border', '#dde1e8');
    const colour = cssVar('--plot', '#2563eb');
    const font = '10px system-ui, sans-serif';
    const xLabel = axis.unit ? `${axis.label} (${axis.unit})` : axis.label;
    // In a layout panel the plot takes the panel's height; in the property table a fixed one.
    const heightOf = (): number => (fill ? Math.max(100, Math.floor(host.clientHeight)) : 150);
    const chart = new uPlot(
      {
        width: Math.max(200, host.clientWidth),
        height: heightOf(),
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 5 } },
        scales: { x: { time: false } },
        axes: [
          { label: xLabel, labelSize: 14, labelFont: 'bold 10px system-ui, sans-serif', font, size: 30, stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
          {
            label: yLabel,
            labelSize: 14,
            labelFont: 'bold 10px system-ui, sans-serif',
            font,
            size: 48,
            stroke: muted,
            grid: { stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            values: (_u, values) => values.map((value) => formatNumber(value)),
          },
        ],
        series: [{ label: xLabel }, { label: affordance?.title ?? property, stroke: colour, fill: `${colour}22`, width: 1.25, points: { show: false } }],
        hooks: { setCursor: [(u) => readout(u)] },
      },
      [[], []],
      host,
    );
    let xs: number[] = [];
    let xFor = '';
    const yUnit = unitSymbol(affordance?.unit);
    // The cursor readout: where the pointer is, on the x axis and in value.
    function readout(u: uPlot): void {
      const element = readoutRef.current;
      if (!element) return;
      const index = u.cursor.idx;
      const x = index === null || index === undefined ? undefined : xs[index];
      const y = index === null || index === undefined ? undefined : (u.data[1]?.[index] ?? undefined);
      element.textContent =
        x === undefined || y === undefined || y === null
          ? `${xs.length} points · point at the plot to read a value`
          : `${axis.label} ${formatNumber(x)}${axis.unit ? `\u00a0${axis.unit}` : ''} · ${formatNumber(y)}${yUnit ? `\u00a0${yUnit}` : ''}`;
    }
    const draw = () => {
      const state = store.getState();
      const values = numbersOf(state.live[key]?.value);
      const start = startKey ? state.live[startKey]?.value : undefined;
      const end = endKey ? state.live[endKey]?.value : undefined;
      const ranged = typeof start === 'number' && typeof end === 'number' && values.length > 1;
      const signature = `${values.length}/${ranged ? `${start}/${end}` : 'index'}`;
      if (signature !== xFor) {
        xFor = signature;
        xs = values.map((_, index) => (ranged ? start + ((end - start) * index) / (values.length - 1) : index));
      }
      chart.setData([xs, values]);
      readout(chart);
    };
    const resize = new ResizeObserver(() => {
      const width = Math.max(200, host.clientWidth);
      const height = heightOf();
      if (Math.abs(width - chart.width) >= 2 || Math.abs(height - chart.height) >= 2) chart.setSize({ width, height });
    });
    resize.observe(host);
    const unbind = bindToFrames(store, (state) => state.live[key]?.value, draw);
    return () => {
      unbind();
      resize.disconnect();
      chart.destroy();
    };
  }, [store, thing, property, td, affordance?.title, affordance?.unit, yLabel, fill]);

  return (
    <div className={fill ? 'spectrum-plot fill' : 'spectrum-plot'} data-testid={`plot-${thing}-${property}`} aria-label={`${property} plot`}>
      <div ref={hostRef} className="spectrum-host" />
      <div ref={readoutRef} className="chart-readout" data-testid={`plot-readout-${thing}-${property}`} />
    </div>
  );
}
