import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { ChartModel, WINDOWS, type ChartSeriesInfo } from '../charts/chart-model';
import { markersFromInvocations, mergeMarkers, type ChartMarker } from '../charts/markers';
import type { ChartSeriesRef } from '../store/watch-slice';
import { formatClock, isLogScale, unitSymbol } from '../ui/format';
import { useLab, useLabContext } from '../ui/lab-context';
import { SERIES_DRAG_TYPE, parseSeriesDrag } from './drag';
import { SERIES_COLOURS, StripChart } from './StripChart';

const toLocalInput = (time: number): string => {
  const date = new Date(time);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
};

const spanLabel = (ms: number): string => WINDOWS.find((each) => each.ms === ms)?.label ?? (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(0)} s`);

const bucketLabel = (ms: number): string => (ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** What the toolbar shows; it re-renders only when this changes (never per sample). */
function toolbarSnapshot(model: ChartModel): string {
  const decimated = model.seriesInfo.map((_, index) => (model.buckets(index)?.decimated ? 1 : 0)).join('');
  return JSON.stringify([model.view, model.history, decimated, Math.round(model.bucketMs)]);
}

/** One model per chart, listening while the chart is mounted; it starts in the given window. */
function useChartModel(windowMs: number | undefined): ChartModel {
  const { client, series } = useLabContext();
  const [model] = useState(() => {
    const created = new ChartModel({
      series,
      fetchSeries: (request) => client.call('lab:history:series', request),
      fetchEvents: (request) => client.call('lab:history:events', request),
    });
    if (windowMs !== undefined) created.setSpan(windowMs);
    return created;
  });
  useEffect(() => {
    model.start();
    return () => model.stop();
  }, [model]);
  return model;
}

export interface SeriesChartProps {
  /** The properties to draw (Things present now). */
  series: readonly ChartSeriesRef[];
  /** Prefix of every test id of the chart (`chart-1`, `layout-chart-<panel>`). */
  testId: string;
  /** Shown at the start of the toolbar (the overview's "Chart 1"); a layout panel has its own title bar. */
  heading?: ReactNode;
  /** The window the chart opens with and returns to (ms); a layout keeps it. */
  windowMs?: number;
  /** The operator chose a fixed window. */
  onWindow?(ms: number): void;
  onRemoveSeries?(ref: ChartSeriesRef): void;
  /** Removes the whole chart (a ✕ at the end of the toolbar). */
  onRemove?(): void;
  /** A property dragged onto the chart. */
  onDropSeries?(ref: ChartSeriesRef): void;
  /** What the empty chart says. */
  emptyText?: ReactNode;
  /** The plot takes the height its container gives it (a layout panel), else a fixed height. */
  fill?: boolean;
  className?: string;
  active?: boolean;
  onActivate?(): void;
  label?: string;
}

/**
 * A strip chart of properties with its toolbar (window, back and forth, Follow, Pause), status,
 * series chips and uPlot plot: history from the recorder, one y axis per unit, markers of
 * actions, writes and alarms. The Charts view, the overview and layout panels all show this one.
 */
export function SeriesChart({
  series: refs,
  testId,
  heading,
  windowMs,
  onWindow,
  onRemoveSeries,
  onRemove,
  onDropSeries,
  emptyText,
  fill = false,
  className = '',
  active = false,
  onActivate,
  label,
}: SeriesChartProps) {
  const { series } = useLabContext();
  const model = useChartModel(windowMs);
  // A window chosen elsewhere (another client saved the layout, Revert) is followed here.
  useEffect(() => {
    if (windowMs !== undefined && model.view.follow && model.view.spanMs !== windowMs) model.setSpan(windowMs);
  }, [model, windowMs]);
  const infosJson = useLab((state) =>
    JSON.stringify(
      refs.map((ref): ChartSeriesInfo => {
        const affordance = state.tds[ref.thing]?.properties[ref.property];
        return {
          thing: ref.thing,
          property: ref.property,
          title: affordance?.title ?? ref.property,
          unit: affordance?.unit ?? null,
          logScale: isLogScale(affordance),
          holdsValue: affordance !== undefined && affordance.readOnly !== true,
        };
      }),
    ),
  );
  const infos = useMemo(() => JSON.parse(infosJson) as ChartSeriesInfo[], [infosJson]);

  const things = useMemo(() => new Set(infos.map((info) => info.thing)), [infos]);
  const invocations = useLab((state) => state.invocations);
  const events = useLab((state) => state.events);
  const markers = useCallback((): ChartMarker[] => {
    // Writes and alarm transitions in the timeline (the recorder's, or this window's own).
    const timeline: ChartMarker[] = events
      .filter((event) => (event.kind === 'write' || event.kind === 'alarm') && event.level !== 'error' && things.has(event.thing))
      .map((event) => ({
        id: event.recordedId !== undefined ? `recorded:${event.recordedId}` : `local:${event.id}`,
        time: event.recordedId !== undefined ? event.time : series.hostTime(event.time),
        kind: event.kind === 'alarm' ? 'alarm' : 'write',
        thing: event.thing,
        label: event.text,
      }));
    return mergeMarkers([model.historyMarkers, markersFromInvocations(Object.values(invocations), things), model.liveMarkers, timeline]);
  }, [model, invocations, events, things, series]);

  const snapshot = useSyncExternalStore(
    useCallback((listener: () => void) => model.onChange(listener), [model]),
    () => toolbarSnapshot(model),
  );
  const arrivalsRef = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const update = () => {
      if (arrivalsRef.current) arrivalsRef.current.textContent = model.view.follow ? '' : ` · ${model.arrivedWhilePaused.toLocaleString('en-US')} new samples since`;
    };
    update();
    return model.onChange(update);
  }, [model]);

  const [custom, setCustom] = useState<{ from: string; to: string } | null>(null);
  const [dropping, setDropping] = useState(false);
  void snapshot;
  const view = model.view;
  const { from, to } = model.range();
  const history = model.history;

  const status =
    view.mode === 'follow'
      ? `Following live · last ${spanLabel(view.spanMs)}`
      : view.mode === 'paused'
        ? `Paused at ${formatClock(view.to)}`
        : `${view.mode === 'zoomed' ? 'Zoomed' : view.mode === 'custom' ? 'Range' : 'Scrolled back'}: ${formatClock(from)} – ${formatClock(to)}`;

  return (
    <section
      className={`card chart-card${active ? ' active' : ''}${dropping ? ' dropping' : ''}${fill ? ' chart-fill' : ''}${className ? ` ${className}` : ''}`}
      data-testid={`${testId}-card`}
      aria-label={label}
      onClick={onActivate}
      onDragOver={(event) => {
        if (onDropSeries && event.dataTransfer.types.includes(SERIES_DRAG_TYPE)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setDropping(true);
        }
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={(event) => {
        setDropping(false);
        const ref = parseSeriesDrag(event.dataTransfer.getData(SERIES_DRAG_TYPE));
        if (ref && onDropSeries) {
          event.preventDefault();
          onDropSeries(ref);
        }
      }}
    >
      <header className="chart-toolbar">
        {heading}
        <div className="segmented" role="group" aria-label="Window">
          {WINDOWS.map((each) => (
            <button
              key={each.label}
              type="button"
              className="small"
              aria-pressed={view.follow && view.spanMs === each.ms}
              data-testid={`${testId}-window-${each.label.replace(' ', '')}`}
              onClick={() => {
                setCustom(null);
                model.setSpan(each.ms);
                onWindow?.(each.ms);
              }}
            >
              {each.label}
            </button>
          ))}
          <button
            type="button"
            className="small"
            aria-pressed={view.mode === 'custom' || custom !== null}
            data-testid={`${testId}-window-custom`}
            onClick={() => setCustom(custom ? null : { from: toLocalInput(from), to: toLocalInput(to) })}
          >
            custom
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Follow or pause">
          <button type="button" className="small" title="Earlier (or scroll the wheel over the chart)" aria-label="Earlier" data-testid={`${testId}-back`} onClick={() => model.pan(-0.5)}>
            ◀
          </button>
          <button type="button" className="small" title="Later" aria-label="Later" data-testid={`${testId}-forward`} disabled={view.follow} onClick={() => model.pan(0.5)}>
            ▶
          </button>
          <button type="button" className={view.follow ? 'small primary' : 'small'} aria-pressed={view.follow} data-testid={`${testId}-follow`} onClick={() => model.follow()}>
            Follow
          </button>
          <button type="button" className="small" aria-pressed={view.mode === 'paused'} disabled={!view.follow} data-testid={`${testId}-pause`} onClick={() => model.pause()}>
            Pause
          </button>
        </div>
        {onRemove && (
          <>
            <span className="spacer" />
            <button type="button" className="small danger" title="Remove this chart" aria-label="Remove this chart" data-testid={`${testId}-remove`} onClick={onRemove}>
              ✕
            </button>
          </>
        )}
      </header>
      {custom && (
        <form
          className="chart-custom"
          onSubmit={(event) => {
            event.preventDefault();
            const start = new Date(custom.from).getTime();
            const end = new Date(custom.to).getTime();
            if (Number.isFinite(start) && Number.isFinite(end) && end > start) {
              model.showRange(start, end, 'custom');
              setCustom(null);
            }
          }}
        >
          <label>
            from <input type="datetime-local" step="1" value={custom.from} data-testid={`${testId}-custom-from`} onChange={(event) => setCustom({ ...custom, from: event.target.value })} />
          </label>
          <label>
            to <input type="datetime-local" step="1" value={custom.to} data-testid={`${testId}-custom-to`} onChange={(event) => setCustom({ ...custom, to: event.target.value })} />
          </label>
          <button type="submit" className="small primary" data-testid={`${testId}-custom-apply`}>
            Show
          </button>
        </form>
      )}
      <div className="chart-status">
        <span data-testid={`${testId}-status`} data-mode={view.mode}>
          {status}
          <span ref={arrivalsRef} data-testid={`${testId}-arrivals`} />
        </span>
        {history.state === 'unavailable' ? (
          <span className="tag warn-tag" data-testid={`${testId}-history`} data-state="unavailable">
            {history.message}
          </span>
        ) : (
          <span className="muted" data-testid={`${testId}-history`} data-state={history.state}>
            {history.state === 'loading' ? 'loading history…' : 'history from the recorder'}
          </span>
        )}
      </div>
      <ul className="chart-series">
        {infos.map((info, seriesIndex) => {
          const decimated = model.buckets(seriesIndex)?.decimated ?? false;
          const unit = unitSymbol(info.unit ?? undefined);
          return (
            <li key={`${info.thing}/${info.property}`} className="chip series-chip" data-testid={`${testId}-series`} data-series={`${info.thing}.${info.property}`}>
              <i className="swatch" style={{ background: SERIES_COLOURS[seriesIndex % SERIES_COLOURS.length] }} />
              {info.thing}.{info.title}
              {unit && <span className="muted"> ({unit})</span>}
              {decimated && (
                <span
                  className="tag decimated-tag"
                  data-testid={`${testId}-decimated`}
                  title={`Decimated: each pixel column shows the first, lowest, highest and last value of ${bucketLabel(model.bucketMs)}, so no spike is lost`}
                >
                  min/max per {bucketLabel(model.bucketMs)}
                </span>
              )}
              {onRemoveSeries && (
                <button
                  type="button"
                  className="link small"
                  aria-label={`Remove ${info.thing}.${info.property}`}
                  data-testid={`${testId}-remove-${info.thing}-${info.property}`}
                  onClick={(event) => {
                    event.stopPropagation();
                    onRemoveSeries({ thing: info.thing, property: info.property });
                  }}
                >
                  ✕
                </button>
              )}
            </li>
          );
        })}
        {infos.length === 0 && emptyText !== undefined && <li className="muted">{emptyText}</li>}
      </ul>
      {infos.length > 0 && <StripChart model={model} infos={infos} markers={markers} testId={testId} fill={fill} />}
    </section>
  );
}
