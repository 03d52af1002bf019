import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { assignAxes, tickLabel } from '../charts/axes';
import { valueAt, type PlotPoints } from '../charts/buckets';
import type { ChartSeriesInfo, ChartModel } from '../charts/chart-model';
import { queueDraw } from '../charts/draw-queue';
import { placeMarkers, type ChartMarker } from '../charts/markers';
import { formatClock, formatNumber } from '../ui/format';

/** Series colours, distinct in both themes. */
export const SERIES_COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

const cssVar = (name: string, fallback: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

const HEIGHT = 230;
/** The least a chart that fills its container is drawn at. */
const MIN_FILL_HEIGHT = 90;

interface StripChartProps {
  model: ChartModel;
  infos: readonly ChartSeriesInfo[];
  /** Every marker to draw (recorder, live invocations, writes, alarms), on the host's clock. */
  markers: () => ChartMarker[];
  testId: string;
  /** Take the height of the container (a layout panel) instead of a fixed one. */
  fill?: boolean;
}

/** One uPlot time chart over a ChartModel: redrawn on animation frames at most once per pixel column's time. */
export function StripChart({ model, infos, markers, testId, fill = false }: StripChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const readoutRef = useRef<HTMLDivElement>(null);
  const markersRef = useRef(markers);
  const redrawRef = useRef<() => void>(() => {});
  useEffect(() => {
    markersRef.current = markers;
    redrawRef.current();
  }, [markers]);

  // One uPlot per set of series (units decide the axes); data updates never re-create it.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const heightOf = (): number => (fill ? Math.max(MIN_FILL_HEIGHT, Math.floor(host.clientHeight)) : HEIGHT);
    model.setSeries(infos);
    const { axes, axisOf } = assignAxes(infos);
    const muted = cssVar('--muted', '#6b7385');
    const grid = cssVar('--border', '#dde1e8');
    const font = '11px system-ui, sans-serif';
    let points: PlotPoints[] = [];
    let xTicks: string[] = [];
    // Per series, the time spans its line must not cross: uPlot's own gap finder looks at the
    // aligned columns, where another series' points stand next to a null.
    let gapSpans: [number, number][][] = [];
    const seriesGaps = (u: uPlot, seriesIndex: number): [number, number][] =>
      (gapSpans[seriesIndex - 1] ?? []).map(([from, to]) => [
        u.valToPos(from, 'x', true) + 1,
        Number.isFinite(to) ? u.valToPos(to, 'x', true) - 1 : u.bbox.left + u.bbox.width,
      ]);

    const markerLayer = document.createElement('div');
    markerLayer.className = 'chart-markers';
    let placed: ReturnType<typeof placeMarkers> = [];

    const updateReadout = (u: uPlot) => {
      const element = readoutRef.current;
      if (!element) return;
      const left = u.cursor.left ?? -1;
      const hovering = left >= 0;
      const time = hovering ? u.posToVal(left, 'x') : model.range().to;
      const parts = infos.map((info, index) => {
        const value = points[index] ? valueAt(points[index], time) : null;
        const unit = axes[axisOf[index] ?? 0]?.unit ?? '';
        const shown = value === null ? '—' : `${info.logScale ? value.toExponential(2) : formatNumber(value)}${unit ? `\u00a0${unit}` : ''}`;
        return `<span class="readout-item"><i style="background:${SERIES_COLOURS[index % SERIES_COLOURS.length]}"></i>${escapeHtml(info.thing)}.${escapeHtml(info.property)} <b>${shown}</b></span>`;
      });
      element.innerHTML = `<span class="readout-time">${hovering ? formatClock(time) : 'latest'}</span>${parts.join('')}`;
      element.dataset['hovering'] = String(hovering);
    };

    const drawMarkers = (u: uPlot) => {
      const { from, to } = model.range();
      placed = placeMarkers(markersRef.current(), from, to, (time) => u.valToPos(time, 'x'));
      while (markerLayer.children.length > placed.length) markerLayer.lastElementChild?.remove();
      placed.forEach((marker, index) => {
        let element = markerLayer.children[index] as HTMLElement | undefined;
        if (!element) {
          element = document.createElement('div');
          element.innerHTML = '<span class="chart-marker-flag"></span>';
          element.dataset['testid'] = 'chart-marker';
          markerLayer.appendChild(element);
        }
        element.className = `chart-marker marker-${marker.kind}${marker.x > u.over.clientWidth * 0.6 ? ' label-left' : ''}`;
        element.style.left = `${marker.x}px`;
        element.dataset['kind'] = marker.kind;
        element.dataset['label'] = marker.label;
        element.setAttribute('data-testid', 'chart-marker');
        element.setAttribute('aria-label', marker.label);
      });
    };

    const options: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: heightOf(),
      // Times are ms since the epoch (uPlot's default is seconds); the axis shows local time.
      ms: 1,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: true },
        ...Object.fromEntries(axes.map((axis) => [axis.scale, { auto: true, distr: axis.logScale ? 3 : 1 } satisfies uPlot.Scale])),
      },
      axes: [
        {
          stroke: muted,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          font,
          // Local time, as precise as the window needs.
          values: (u, splits) => {
            const span = (u.scales['x']?.max ?? 0) - (u.scales['x']?.min ?? 0);
            const ticks = splits.map((time) => timeTick(time, span));
            xTicks = ticks;
            return ticks;
          },
        },
        ...axes.map(
          (axis): uPlot.Axis => ({
            scale: axis.scale,
            side: axis.side,
            label: axis.label,
            labelSize: 16,
            labelFont: 'bold 11px system-ui, sans-serif',
            font,
            size: 58,
            stroke: muted,
            grid: { show: axis === axes[0], stroke: grid, width: 1 },
            ticks: { stroke: grid, width: 1 },
            // A log axis leaves the splits between its labelled ones null.
            // Linear: as many decimals as the step between ticks needs (5.002, 5.004, not 5.00, 5.00).
            values: (_u, values, _axis, _space, step) =>
              values.map((value: number | null) => (value === null || value === undefined ? '' : axis.logScale ? value.toExponential(0) : tickLabel(value, step))),
          }),
        ),
      ],
      series: [
        {},
        ...infos.map(
          (info, index): uPlot.Series => ({
            label: `${info.thing}.${info.property}`,
            scale: axes[axisOf[index] ?? 0]?.scale ?? 'y:',
            stroke: SERIES_COLOURS[index % SERIES_COLOURS.length],
            width: 1,
            spanGaps: false,
            gaps: (u, seriesIndex) => seriesGaps(u, seriesIndex),
            points: { show: false },
            paths: info.holdsValue ? uPlot.paths.stepped?.({ align: 1 }) : undefined,
          }),
        ),
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width > 4) {
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              model.showRange(from, to, 'zoomed');
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [(u) => updateReadout(u)],
        draw: [(u) => drawMarkers(u)],
      },
    };

    const empty: uPlot.AlignedData = [[], ...infos.map(() => [])];
    const chart = new uPlot(options, empty, host);
    chart.over.appendChild(markerLayer);

    let queued: (() => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastDraw = 0;
    let drawnVersion = -1;
    // At most one redraw per pixel column's time (a 1 h window moves one pixel in ~6 s), within 33 ms … 1 s.
    const interval = () => Math.min(1000, Math.max(33, model.bucketMs));
    const draw = () => {
      queued = undefined;
      lastDraw = performance.now();
      drawnVersion = model.version;
      const built = model.frame();
      points = built.points;
      gapSpans = built.points.map(gapsOf);
      chart.batch(() => {
        chart.setData(built.data as uPlot.AlignedData, false);
        chart.setScale('x', { min: built.from, max: built.to });
        for (const axis of axes) {
          const range = rangeOf(built.points, axisOf, axes.indexOf(axis), built.from, built.to, axis.logScale);
          if (range) chart.setScale(axis.scale, range);
        }
      });
      updateReadout(chart);
      // For tests and diagnostics: how much is drawn and from when.
      const root = host.parentElement;
      if (root) {
        let earliest = Number.POSITIVE_INFINITY;
        let count = 0;
        for (const series of built.points) {
          for (let i = 0; i < series.x.length; i += 1) {
            if (series.y[i] === null) continue;
            count += 1;
            if ((series.x[i] ?? earliest) < earliest) earliest = series.x[i] ?? earliest;
          }
        }
        root.dataset['points'] = String(count);
        root.dataset['earliest'] = Number.isFinite(earliest) ? String(Math.round(earliest)) : '';
        root.dataset['from'] = String(Math.round(built.from));
        root.dataset['to'] = String(Math.round(built.to));
        // The window this frame shows (the status line may already say the next one).
        root.dataset['view'] = model.view.mode;
        root.dataset['axes'] = axes.map((axis) => axis.label).join('|');
        root.dataset['timeTicks'] = xTicks.join('|');
      }
    };
    // A chart scrolled out of view is not redrawn (its data stays current); it draws on coming back.
    let visible = true;
    const schedule = () => {
      if (!visible || queued !== undefined || timer !== undefined) return;
      const wait = interval() - (performance.now() - lastDraw);
      if (wait <= 0) queued = queueDraw(draw);
      else
        timer = setTimeout(() => {
          timer = undefined;
          queued = queueDraw(draw);
        }, wait);
    };
    redrawRef.current = () => {
      drawnVersion = -1;
      schedule();
    };
    const offChange = model.onChange(schedule);
    // Following, the time axis moves even when nothing arrives.
    const follow = setInterval(() => {
      if (model.view.follow || model.version !== drawnVersion) schedule();
    }, 250);

    const resize = new ResizeObserver(() => {
      const width = Math.max(200, host.clientWidth);
      const height = heightOf();
      if (Math.abs(width - chart.width) >= 2 || Math.abs(height - chart.height) >= 2) chart.setSize({ width, height });
      model.setWidth(chart.bbox.width / (window.devicePixelRatio || 1));
    });
    resize.observe(host);
    const seen = new IntersectionObserver((entries) => {
      visible = entries.some((entry) => entry.isIntersecting);
      if (visible) schedule();
    });
    seen.observe(host);
    model.setWidth(chart.bbox.width / (window.devicePixelRatio || 1));

    // Wheel: back and forth in time; with Ctrl (or a pinch), zoom around the pointer.
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      if (event.ctrlKey) {
        const { from, to } = model.range();
        const at = chart.posToVal(event.offsetX, 'x');
        const factor = event.deltaY > 0 ? 1.25 : 0.8;
        model.showRange(at - (at - from) * factor, at + (to - at) * factor, 'zoomed');
      } else model.pan((event.deltaY || event.deltaX) > 0 ? 0.1 : -0.1);
    };
    chart.over.addEventListener('wheel', onWheel, { passive: false });
    draw();

    return () => {
      offChange();
      clearInterval(follow);
      queued?.();
      if (timer !== undefined) clearTimeout(timer);
      resize.disconnect();
      seen.disconnect();
      chart.over.removeEventListener('wheel', onWheel);
      chart.destroy();
      redrawRef.current = () => {};
    };
  }, [model, infos, fill]);

  return (
    <div className="strip-chart" data-testid={testId}>
      <div ref={hostRef} className="chart-host" />
      <div ref={readoutRef} className="chart-readout" data-testid={`${testId}-readout`} />
    </div>
  );
}

/** The y range of one axis over what is visible, with a little air; undefined when nothing is. */
function rangeOf(points: readonly PlotPoints[], axisOf: readonly number[], axis: number, from: number, to: number, log: boolean): { min: number; max: number } | undefined {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  points.forEach((series, index) => {
    if (axisOf[index] !== axis) return;
    for (let i = 0; i < series.x.length; i += 1) {
      const x = series.x[i] ?? 0;
      const next = series.x[i + 1];
      // The point before the window counts too: its line enters the window.
      if (x > to || (x < from && next !== undefined && next < from)) continue;
      const y = series.y[i];
      if (y === null || y === undefined || (log && y <= 0)) continue;
      if (y < min) min = y;
      if (y > max) max = y;
    }
  });
  if (!Number.isFinite(min)) return undefined;
  if (log) return { min: min / 1.5, max: max * 1.5 };
  const pad = max - min < 1e-9 ? Math.max(Math.abs(max) * 0.01, 0.5) : (max - min) * 0.08;
  return { min: min - pad, max: max + pad };
}

/** The spans between a series' last point before each null and its first point after it. */
function gapsOf(series: PlotPoints): [number, number][] {
  const gaps: [number, number][] = [];
  let before: number | undefined;
  let open: number | undefined;
  for (let i = 0; i < series.x.length; i += 1) {
    const x = series.x[i] ?? 0;
    if (series.y[i] === null) {
      if (open === undefined) open = before ?? x;
      continue;
    }
    if (open !== undefined) {
      gaps.push([open, x]);
      open = undefined;
    }
    before = x;
  }
  if (open !== undefined) gaps.push([open, Number.POSITIVE_INFINITY]);
  return gaps;
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A time-axis label in local time: seconds for short windows, the day for long ones. */
export function timeTick(time: number, spanMs: number): string {
  const date = new Date(time);
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  if (spanMs <= 5 * 60_000) return `${clock}:${pad(date.getSeconds())}`;
  if (spanMs <= 26 * 3_600_000 && (date.getHours() !== 0 || date.getMinutes() !== 0)) return clock;
  return `${date.getDate()} ${MONTHS[date.getMonth()] ?? ''} ${clock}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
