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
  const select = useLab((state) => state.select);
  const showLayout = useLab((state) => state.showLayout);
  const showing = useLab((state) => state.openLayout === null);
  const severity = useLab(selectThingSeverity(name));
  return (
    <li>
      <button
        type="button"
        className={selected ? 'thing-item selected' : 'thing-item'}
        data-testid={`thing-${name}`}
        data-status={status}
        data-alarm={severity ?? undefined}
        aria-current={selected && showing ? 'true' : undefined}
        title={reason ? `${status}: ${reason}` : status}
        onClick={() => {
          select(name);
          showLayout(null);
        }}
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
      </button>
    </li>
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
