import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { EVENT_KINDS, type EventKind } from '../store/events-slice';
import { formatClock } from '../ui/format';
import { useLab } from '../ui/lab-context';

const VISIBLE = 300;

export function Timeline({ onCollapse }: { onCollapse?: () => void } = {}) {
  const events = useLab((state) => state.events);
  const things = useLab(useShallow((state) => state.things.map((thing) => thing.name)));
  const [thing, setThing] = useState('');
  const [kinds, setKinds] = useState<ReadonlySet<EventKind>>(() => new Set(EVENT_KINDS));

  const shown: typeof events = [];
  // Newest first; stop once a screenful is found so 2000 entries never render at once.
  for (let index = events.length - 1; index >= 0 && shown.length < VISIBLE; index -= 1) {
    const event = events[index];
    if (!event || !kinds.has(event.kind)) continue;
    if (thing !== '' && event.thing !== thing) continue;
    shown.push(event);
  }

  const toggle = (kind: EventKind) =>
    setKinds((current) => {
      const next = new Set(current);
      if (next.has(kind)) next.delete(kind);
      else next.add(kind);
      return next;
    });

  return (
    <aside className="timeline" data-testid="timeline" aria-label="Event timeline">
      <div className="side-head">
        <h2>Events</h2>
        {onCollapse && (
          <button type="button" className="small link" data-testid="collapse-timeline" aria-label="Hide the timeline" title="Hide the timeline (])" onClick={onCollapse}>
            »
          </button>
        )}
      </div>
      <div className="timeline-filters">
        <select value={thing} onChange={(event) => setThing(event.target.value)} data-testid="timeline-filter-thing" aria-label="Filter by Thing">
          <option value="">All Things</option>
          {things.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <div className="kind-filters">
          {EVENT_KINDS.map((kind) => (
            <label key={kind} className={`chip kind-${kind}`}>
              <input type="checkbox" checked={kinds.has(kind)} onChange={() => toggle(kind)} data-testid={`timeline-filter-${kind}`} />
              {kind}
            </label>
          ))}
        </div>
      </div>
      <ol className="timeline-list">
        {shown.map((event) => (
          <li key={event.id} className={`timeline-entry level-${event.level}`} data-testid="timeline-entry" data-kind={event.kind} data-thing={event.thing}>
            <span className="muted time">{formatClock(event.time)}</span>
            <span className={`kind kind-${event.kind}`}>{event.kind}</span>
            <span className="thing">{event.thing || 'host'}</span>
            <span className="text">{event.text}</span>
          </li>
        ))}
        {shown.length === 0 && <li className="muted">{events.length === 0 ? 'No events yet.' : 'No events match the filters.'}</li>}
      </ol>
    </aside>
  );
}
