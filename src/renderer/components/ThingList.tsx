import { useShallow } from 'zustand/react/shallow';
import { useLab } from '../ui/lab-context';
import { useThingStatus } from '../ui/thing-status';
import { selectThingSeverity } from '../store/alarms-slice';

function ThingItem({ name }: { name: string }) {
  const title = useLab((state) => state.things.find((thing) => thing.name === name)?.title ?? name);
  const { status, reason } = useThingStatus(name);
  const source = useLab((state) => state.things.find((thing) => thing.name === name)?.source ?? '');
  const selected = useLab((state) => state.selected === name);
  const select = useLab((state) => state.select);
  const severity = useLab(selectThingSeverity(name));
  return (
    <li>
      <button
        type="button"
        className={selected ? 'thing-item selected' : 'thing-item'}
        data-testid={`thing-${name}`}
        data-status={status}
        data-alarm={severity ?? undefined}
        aria-current={selected ? 'true' : undefined}
        title={reason ? `${status}: ${reason}` : status}
        onClick={() => select(name)}
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

export function ThingList() {
  const names = useLab(useShallow((state) => state.things.map((thing) => thing.name)));
  return (
    <nav className="sidebar" aria-label="Things">
      <h2>Things</h2>
      {names.length === 0 ? (
        <p className="muted">No Things yet.</p>
      ) : (
        <ul className="thing-list" data-testid="thing-list">
          {names.map((name) => (
            <ThingItem key={name} name={name} />
          ))}
        </ul>
      )}
    </nav>
  );
}
