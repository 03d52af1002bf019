import { useShallow } from 'zustand/react/shallow';
import { keyProperties } from '../lab/watch';
import { useLab } from '../ui/lab-context';
import { useThingStatus } from '../ui/thing-status';
import { ChartCard } from './ChartsView';
import { TileValue } from './TileValue';

function PinMenu({ thing }: { thing: string }) {
  const candidates = useLab(
    useShallow((state) => {
      const td = state.tds[thing];
      const pinned = state.pinned[thing] ?? [];
      return td ? Object.keys(td.properties).filter((name) => td.properties[name]?.writeOnly !== true && !pinned.includes(name)) : [];
    }),
  );
  const togglePin = useLab((state) => state.togglePin);
  if (candidates.length === 0) return null;
  return (
    <select
      className="pin-menu"
      value=""
      aria-label="Pin a property on this tile"
      data-testid={`pin-${thing}`}
      onChange={(event) => {
        if (event.target.value) togglePin(thing, event.target.value);
      }}
    >
      <option value="">Pin…</option>
      {candidates.map((name) => (
        <option key={name} value={name}>
          {name}
        </option>
      ))}
    </select>
  );
}

function Tile({ name }: { name: string }) {
  const summary = useLab((state) => state.things.find((thing) => thing.name === name));
  const keys = useLab(useShallow((state) => keyProperties(state.tds[name], state.pinned[name])));
  const problems = useLab((state) => state.problems[name]);
  const openThing = useLab((state) => state.openThing);
  const acknowledge = useLab((state) => state.acknowledge);
  const { status, reason } = useThingStatus(name);
  if (!summary) return null;
  const wrong = (problems?.length ?? 0) > 0;
  return (
    <section
      className={`tile${wrong ? ' tile-wrong' : ''} tile-${status}`}
      data-testid={`tile-${name}`}
      data-status={status}
      data-problems={problems?.length ?? 0}
      aria-label={`${summary.title}: ${status}${wrong ? `, ${problems?.length} problem(s)` : ''}`}
    >
      <header className="tile-head">
        <span className={`dot dot-${status}`} role="img" aria-label={status} />
        <button type="button" className="link tile-title" data-testid={`tile-open-${name}`} onClick={() => openThing(name)} title="Open this Thing">
          {summary.title}
        </button>
        <span className="muted tile-kind">
          {summary.name} · {summary.source}
        </span>
        <span className={`badge conn-${status}`} data-testid={`tile-status-${name}`} title={reason || status}>
          {status}
        </span>
        <PinMenu thing={name} />
      </header>
      {wrong && (
        <ul className="tile-problems" data-testid={`tile-problems-${name}`}>
          {problems?.map((problem) => (
            <li key={problem.id} className={`problem problem-${problem.kind}`} data-testid={`tile-problem-${name}`} data-kind={problem.kind}>
              {problem.text}
              {problem.kind === 'action-failed' && (
                <button type="button" className="link small" onClick={() => acknowledge(problem.id)} data-testid={`ack-${problem.id}`}>
                  dismiss
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {keys.length === 0 ? (
        <p className="muted">No numeric properties{summary.connection.status === 'connected' ? '' : ' known yet'}.</p>
      ) : (
        <ul className="tile-values">
          {keys.map((property) => (
            <TileValue key={property} thing={name} name={property} tools />
          ))}
        </ul>
      )}
    </section>
  );
}

/** The home view: every Thing as a tile with its key values and anything wrong with it. */
export function Overview() {
  const names = useLab(useShallow((state) => state.things.map((thing) => thing.name)));
  const problemCount = useLab((state) => state.problemCount);
  const wrongThings = useLab((state) => Object.keys(state.problems).length);
  // The active chart stays in sight on the overview (the Charts view holds all of them).
  const chartIndex = useLab((state) => state.charts.findIndex((chart) => chart.id === state.activeChart));
  const chart = useLab((state) => state.charts[chartIndex]);
  return (
    <main className="overview" data-testid="overview">
      <header className="overview-head">
        <h1>Overview</h1>
        <span className={problemCount > 0 ? 'badge conn-disconnected' : 'badge conn-connected'} data-testid="overview-summary">
          {problemCount > 0 ? `${problemCount} ${problemCount === 1 ? 'problem' : 'problems'} on ${wrongThings} ${wrongThings === 1 ? 'Thing' : 'Things'}` : 'all well'}
        </span>
        <span className="muted">{names.length} Things · drag a value onto the chart, or use + chart</span>
      </header>
      {chart && chart.series.length > 0 && (
        <div className="overview-chart" data-testid="overview-chart">
          <ChartCard chart={chart} index={chartIndex} />
        </div>
      )}
      {names.length === 0 ? (
        <p className="muted">No Things yet.</p>
      ) : (
        <div className="tiles">
          {names.map((name) => (
            <Tile key={name} name={name} />
          ))}
        </div>
      )}
    </main>
  );
}
