import type { KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { stepThing } from '../ui/side-panels';
import { LayoutList } from './LayoutList';
import { useLab } from '../ui/lab-context';
import { useThingStatus } from '../ui/thing-status';
import { selectThingSeverity } from '../store/alarms-slice';

function ThingItem({ name }: { name: string }) {
  const title = useLab((state) => state.things.find((thing) => thing.name === name)?.title ?? name);
  const { status, reason } = useThingStatus(name);
  const source = useLab((state) => state.things.find((thing) => thing.name === name)?.source ?? '');
  const selected = useLab((state) => state.selected === name);
  const openThing = useLab((state) => state.openThing);
  const inThingView = useLab((state) => state.view === 'thing');
  const problems = useLab((state) => state.problems[name]?.length ?? 0);
  const problemText = useLab((state) => state.problems[name]?.map((problem) => problem.text).join('\n') ?? '');
  const severity = useLab(selectThingSeverity(name));
  return (
    <li>
      <button
        type="button"
        className={selected && inThingView ? 'thing-item selected' : 'thing-item'}
        data-testid={`thing-${name}`}
        data-status={status}
        data-alarm={severity ?? undefined}
        aria-current={selected && inThingView ? 'true' : undefined}
        title={reason ? `${status}: ${reason}` : status}
        onClick={() => openThing(name)}
      >
        <span className={`dot dot-${status}`} role="img" aria-label={status} />
        <span className="thing-text">
          <span className="thing-title">
            {title}
            {severity && (
              <span className={`sev-badge sev-${severity}`} data-testid={`thing-alarm-${name}`} data-severity={severity} title={`highest active alarm: ${severity}`}>
                {severity}
              </span>
            )}
          </span>
          <span className="thing-sub muted">
            {name} · {source}
          </span>
          {/* While the link is down the header banner says why, once for all Things. */}
          {status !== 'connected' && status !== 'unknown' && (
            <span className="thing-reason" data-testid={`thing-reason-${name}`}>
              {status}
              {reason ? ` — ${reason}` : ''}
            </span>
          )}
        </span>
        {problems > 0 && (
          <span className="problem-badge" data-testid={`thing-problems-${name}`} title={problemText}>
            {problems}
          </span>
        )}
      </button>
    </li>
  );
}

function ViewLinks() {
  const view = useLab((state) => state.view);
  const setView = useLab((state) => state.setView);
  const charts = useLab((state) => state.charts.length);
  return (
    <ul className="view-links">
      <li>
        <button type="button" className={view === 'overview' ? 'thing-item selected' : 'thing-item'} aria-current={view === 'overview' ? 'page' : undefined} data-testid="nav-overview" onClick={() => setView('overview')}>
          Overview
        </button>
      </li>
      <li>
        <button type="button" className={view === 'charts' ? 'thing-item selected' : 'thing-item'} aria-current={view === 'charts' ? 'page' : undefined} data-testid="nav-charts" onClick={() => setView('charts')}>
          Charts{charts > 0 ? ` (${charts})` : ''}
        </button>
      </li>
    </ul>
  );
}

export function ThingList({ onCollapse }: { onCollapse?: () => void }) {
  const names = useLab(useShallow((state) => state.things.map((thing) => thing.name)));
  const { select, showLayout } = useLab(useShallow((state) => ({ select: state.select, showLayout: state.showLayout })));
  const selected = useLab((state) => state.selected);
  // ↑ ↓ move through the list: the next Thing opens and its button keeps the focus.
  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>): void => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const next = stepThing(names, selected, event.key === 'ArrowDown' ? 1 : -1);
    if (next === null) return;
    select(next);
    showLayout(null);
    event.currentTarget.querySelector<HTMLElement>(`[data-testid="thing-${CSS.escape(next)}"]`)?.focus();
  };
  return (
    <nav className="sidebar" aria-label="Things" data-testid="things-panel">
      <ViewLinks />
      <div className="side-head">
        <h2>Things</h2>
        {onCollapse && (
          <button type="button" className="small link" data-testid="collapse-things" aria-label="Hide the Thing list" title="Hide the Thing list ([)" onClick={onCollapse}>
            «
          </button>
        )}
      </div>
      {names.length === 0 ? (
        <p className="muted">No Things yet.</p>
      ) : (
        <ul className="thing-list" data-testid="thing-list" onKeyDown={onKeyDown}>
          {names.map((name) => (
            <ThingItem key={name} name={name} />
          ))}
        </ul>
      )}
      <LayoutList />
    </nav>
  );
}
