import { useShallow } from 'zustand/react/shallow';
import { isNumeric, isReadable } from '../lab/watch';
import type { ChartSpec } from '../store/watch-slice';
import { useLab } from '../ui/lab-context';
import { SERIES_DRAG_TYPE } from './drag';
import { SeriesChart } from './SeriesChart';

/** One chart of the Charts view with its toolbar, series and status; also shown on the overview (the active chart). */
export function ChartCard({ chart, index }: { chart: ChartSpec; index: number }) {
  const removeChart = useLab((state) => state.removeChart);
  const removeFromChart = useLab((state) => state.removeFromChart);
  const addToChart = useLab((state) => state.addToChart);
  const setActiveChart = useLab((state) => state.setActiveChart);
  const active = useLab((state) => state.activeChart === chart.id);
  return (
    <SeriesChart
      series={chart.series}
      testId={`chart-${index + 1}`}
      heading={<h3>Chart {index + 1}</h3>}
      label={`Chart ${index + 1}`}
      active={active}
      onActivate={() => setActiveChart(chart.id)}
      onRemove={() => removeChart(chart.id)}
      onRemoveSeries={(ref) => removeFromChart(chart.id, ref)}
      onDropSeries={(ref) => addToChart(ref, chart.id)}
      emptyText="Drop a property here, or add one from the list above, the overview or a Thing's table."
    />
  );
}

/** Every numeric property of every Thing: drag onto a chart, or click to add to the active one. */
function Palette() {
  const entries = useLab(
    useShallow((state) =>
      state.things.flatMap((thing) => {
        const td = state.tds[thing.name];
        if (!td) return [];
        return Object.keys(td.properties)
          .filter((name) => isReadable(td.properties[name]) && isNumeric(td.properties[name]))
          .map((name) => `${thing.name}\u001f${name}`);
      }),
    ),
  );
  const addToChart = useLab((state) => state.addToChart);
  return (
    <div className="palette" data-testid="chart-palette">
      <span className="muted">Drag onto a chart or click to add:</span>
      {entries.map((entry) => {
        const [thing = '', property = ''] = entry.split('\u001f');
        return (
          <button
            key={entry}
            type="button"
            className="chip palette-item"
            draggable
            data-testid={`palette-${thing}-${property}`}
            onDragStart={(event) => {
              event.dataTransfer.setData(SERIES_DRAG_TYPE, JSON.stringify({ thing, property }));
              event.dataTransfer.effectAllowed = 'copy';
            }}
            onClick={() => addToChart({ thing, property })}
          >
            {thing}.{property}
          </button>
        );
      })}
    </div>
  );
}

export function ChartsView() {
  const charts = useLab((state) => state.charts);
  const addChart = useLab((state) => state.addChart);
  return (
    <main className="charts-view" data-testid="charts-view">
      <header className="overview-head">
        <h1>Charts</h1>
        <button type="button" className="small primary" data-testid="chart-new" onClick={() => addChart()}>
          + New chart
        </button>
        <span className="muted">Drag across a chart to zoom · wheel to scroll back · Ctrl+wheel to zoom</span>
      </header>
      <Palette />
      {charts.length === 0 ? (
        <p className="muted empty-charts">No charts yet: add one with + New chart, or with “chart” on a property in the overview or a Thing&apos;s table.</p>
      ) : (
        charts.map((chart, index) => <ChartCard key={chart.id} chart={chart} index={index} />)
      )}
    </main>
  );
}
