import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { EXPORT_PATH, type ExportFormat } from '../../shared/history';
import { currentAccessToken } from '../lab/choose-lab-api';
import { loadOlderEvents } from '../lab/timeline';
import { EVENT_KINDS, matchesQuery, type EventKind } from '../store/events-slice';
import { formatClock } from '../ui/format';
import { useLab, useLabContext } from '../ui/lab-context';

const VISIBLE = 300;

const EXPORT_RANGES: { label: string; ms: number }[] = [
  { label: 'last 15 minutes', ms: 15 * 60_000 },
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 24 hours', ms: 86_400_000 },
  { label: 'last 7 days', ms: 7 * 86_400_000 },
  { label: 'last 30 days', ms: 30 * 86_400_000 },
];
const EXPORT_FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'csv', label: 'CSV (one row per value)' },
  { value: 'csv-wide', label: 'CSV (one column per property)' },
  { value: 'parquet', label: 'Parquet' },
];

export function Timeline({ onCollapse }: { onCollapse?: () => void } = {}) {
  const { store, client } = useLabContext();
  const events = useLab((state) => state.events);
  const query = useLab((state) => state.timelineQuery);
  const recorded = useLab((state) => state.timelineSource === 'recorder');
  const older = useLab((state) => state.olderCursor !== null);
  const things = useLab(useShallow((state) => state.things.map((thing) => thing.name)));
  const [rangeMs, setRangeMs] = useState(3_600_000);
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [exportNote, setExportNote] = useState<string | null>(null);
  const [search, setSearch] = useState(query.text);

  const shown: typeof events = [];
  // Newest first; stop once a screenful is found so 2000 entries never render at once.
  for (let index = events.length - 1; index >= 0 && shown.length < VISIBLE; index -= 1) {
    const event = events[index];
    if (!event || !matchesQuery(event, query)) continue;
    shown.push(event);
  }
  const setQuery = store.getState().setTimelineQuery;
  const narrowed = query.thing !== '' || query.kinds.length !== EVENT_KINDS.length || query.text.trim() !== '';

  const toggle = (kind: EventKind) => {
    const next = new Set(query.kinds);
    if (next.has(kind)) next.delete(kind);
    else next.add(kind);
    setQuery({ kinds: EVENT_KINDS.filter((each) => next.has(each)) });
  };

  const exportData = async () => {
    const to = Date.now();
    const request = {
      from: new Date(to - rangeMs).toISOString(),
      to: new Date(to).toISOString(),
      format,
      ...(query.thing !== '' ? { things: [query.thing] } : {}),
    };
    if (client.host === 'browser') {
      // A download from the server.
      const link = document.createElement('a');
      // The server checks this tab's token, as it does on the WebSocket.
      link.href = `${EXPORT_PATH}?token=${encodeURIComponent(currentAccessToken())}&request=${encodeURIComponent(JSON.stringify(request))}`;
      link.download = '';
      document.body.append(link);
      link.click();
      link.remove();
      setExportNote('Export downloading…');
      return;
    }
    setExportNote('Exporting…');
    const result = await client.call('lab:history:export', request);
    if (!result.ok) setExportNote(`Export failed: ${result.error.message}`);
    else if (result.value.path === null) setExportNote(null);
    else setExportNote(`Saved ${result.value.rows} rows to ${result.value.path}`);
  };

  return (
    <aside className="timeline" data-testid="timeline" aria-label="Event timeline" data-source={recorded ? 'recorder' : 'live'}>
      <div className="side-head">
        <h2>Events</h2>
        {onCollapse && (
          <button type="button" className="small link" data-testid="collapse-timeline" aria-label="Hide the timeline" title="Hide the timeline (])" onClick={onCollapse}>
            »
          </button>
        )}
      </div>
      <div className="timeline-filters">
        <select value={query.thing} onChange={(event) => setQuery({ thing: event.target.value })} data-testid="timeline-filter-thing" aria-label="Filter by Thing">
          <option value="">All Things</option>
          {things.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <input
          type="search"
          className="timeline-search"
          placeholder="Search events"
          aria-label="Search events"
          data-testid="timeline-search"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
            setQuery({ text: event.target.value });
          }}
        />
        <div className="kind-filters">
          {EVENT_KINDS.map((kind) => (
            <label key={kind} className={`chip kind-${kind}`}>
              <input type="checkbox" checked={query.kinds.includes(kind)} onChange={() => toggle(kind)} data-testid={`timeline-filter-${kind}`} />
              {kind}
            </label>
          ))}
        </div>
      </div>
      <ol className="timeline-list">
        {shown.map((event) => (
          <li key={event.id} className={`timeline-entry level-${event.level}`} data-testid="timeline-entry" data-kind={event.kind} data-thing={event.thing} data-time={event.time}>
            <span className="muted time">{formatClock(event.time)}</span>
            <span className={`kind kind-${event.kind}`}>{event.kind}</span>
            <span className="thing">{event.thing || 'host'}</span>
            <span className="text">{event.text}</span>
          </li>
        ))}
        {shown.length === 0 && <li className="muted">{events.length === 0 && !narrowed ? 'No events yet.' : 'No events match the filters.'}</li>}
        {older && (
          <li>
            <button type="button" className="link-button" data-testid="timeline-older" onClick={() => void loadOlderEvents(client, store)}>
              Show older events
            </button>
          </li>
        )}
      </ol>
      {recorded && (
        <div className="timeline-export" data-testid="timeline-export-panel">
          <select value={rangeMs} onChange={(event) => setRangeMs(Number(event.target.value))} aria-label="Export range" data-testid="timeline-export-range">
            {EXPORT_RANGES.map((range) => (
              <option key={range.ms} value={range.ms}>
                {range.label}
              </option>
            ))}
          </select>
          <select value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)} aria-label="Export format" data-testid="timeline-export-format">
            {EXPORT_FORMATS.map((each) => (
              <option key={each.value} value={each.value}>
                {each.label}
              </option>
            ))}
          </select>
          <button type="button" data-testid="timeline-export" onClick={() => void exportData()} title={query.thing === '' ? 'Every Thing' : `Only ${query.thing}`}>
            Export {query.thing === '' ? 'all' : query.thing}
          </button>
          {exportNote && (
            <span className="muted" data-testid="timeline-export-status">
              {exportNote}
            </span>
          )}
        </div>
      )}
    </aside>
  );
}
