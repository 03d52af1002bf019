import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ALARM_STATE_LABELS, SEVERITIES, needsAck, type Alarm, type AlarmState } from '../../shared/alarms';
import { formatClock } from '../ui/format';
import { useLab, useLabContext } from '../ui/lab-context';

const SHELVE_CHOICES: ReadonlyArray<[string, number]> = [
  ['15 min', 15 * 60],
  ['1 hour', 3600],
  ['8 hours', 8 * 3600],
  ['1 day', 86_400],
];

const STATES: readonly AlarmState[] = ['unacknowledged', 'returned', 'acknowledged', 'shelved', 'disabled'];

type Call = (run: () => Promise<{ ok: boolean; error?: { message: string } }>) => Promise<void>;

function AlarmRow({ alarm, call }: { alarm: Alarm; call: Call }) {
  const { client } = useLabContext();
  const canOperate = useLab((state) => state.role === 'operator');
  const [shelving, setShelving] = useState(false);
  const [duration, setDuration] = useState(SHELVE_CHOICES[1]?.[1] ?? 3600);
  const [reason, setReason] = useState('');
  const title = useLab((state) => state.things.find((thing) => thing.name === alarm.thing)?.title ?? alarm.thing);
  const select = useLab((state) => state.select);
  return (
    <li className={`alarm-row state-${alarm.state}`} data-testid={`alarm-row-${alarm.id}`} data-state={alarm.state} data-severity={alarm.severity ?? ''} data-raised-at={alarm.raisedAt ?? ''} data-value={alarm.value === undefined || alarm.value === null ? '' : String(alarm.value)}>
      <div className="alarm-line">
        <span className={`sev-badge sev-${alarm.severity ?? 'none'}`}>{alarm.severity ?? '—'}</span>
        <button type="button" className="link alarm-thing" onClick={() => select(alarm.thing)} title={`Open ${title}`}>
          {title}
        </button>
        <span className="alarm-state" data-testid={`alarm-state-${alarm.id}`}>
          {ALARM_STATE_LABELS[alarm.state]}
        </span>
        <span className="muted alarm-time" title={alarm.since}>
          {alarm.raisedAt ? `raised ${formatClock(Date.parse(alarm.raisedAt))}` : `since ${formatClock(Date.parse(alarm.since))}`}
        </span>
      </div>
      <div className="alarm-message" data-testid={`alarm-message-${alarm.id}`}>
        {alarm.message}
      </div>
      {alarm.guidance && <div className="alarm-guidance">Guidance: {alarm.guidance}</div>}
      {alarm.acknowledged && alarm.state === 'acknowledged' && (
        <div className="muted small-text">
          acknowledged by {alarm.acknowledged.by} at {formatClock(Date.parse(alarm.acknowledged.at))}
          {alarm.acknowledged.note ? ` — ${alarm.acknowledged.note}` : ''}
        </div>
      )}
      {alarm.shelved && (
        <div className="muted small-text">
          shelved by {alarm.shelved.by} until {formatClock(Date.parse(alarm.shelved.until))} — {alarm.shelved.reason}
        </div>
      )}
      {alarm.disabled && (
        <div className="muted small-text">
          disabled by {alarm.disabled.by}
          {alarm.disabled.reason ? ` — ${alarm.disabled.reason}` : ''}
        </div>
      )}
      {/* Viewers see alarms; acknowledging, shelving and disabling are for operators. */}
      {canOperate && <div className="alarm-actions">
        {needsAck(alarm.state) && (
          <button type="button" className="small primary" data-testid={`alarm-ack-${alarm.id}`} onClick={() => void call(() => client.call('lab:alarms:acknowledge', { ids: [alarm.id] }))}>
            Acknowledge
          </button>
        )}
        {alarm.state === 'shelved' ? (
          <button type="button" className="small" data-testid={`alarm-unshelve-${alarm.id}`} onClick={() => void call(() => client.call('lab:alarms:unshelve', { id: alarm.id }))}>
            Unshelve
          </button>
        ) : (
          alarm.state !== 'disabled' && (
            <button type="button" className="small" data-testid={`alarm-shelve-${alarm.id}`} aria-expanded={shelving} onClick={() => setShelving(!shelving)}>
              Shelve…
            </button>
          )
        )}
        {alarm.state === 'disabled' ? (
          <button type="button" className="small" data-testid={`alarm-enable-${alarm.id}`} onClick={() => void call(() => client.call('lab:alarms:enable', { id: alarm.id }))}>
            Enable
          </button>
        ) : (
          <button type="button" className="small" data-testid={`alarm-disable-${alarm.id}`} onClick={() => void call(() => client.call('lab:alarms:disable', { id: alarm.id }))}>
            Disable
          </button>
        )}
      </div>}
      {shelving && canOperate && (
        <form
          className="shelve-form"
          onSubmit={(event) => {
            event.preventDefault();
            void call(() => client.call('lab:alarms:shelve', { id: alarm.id, durationSec: duration, reason })).then(() => setShelving(false));
          }}
        >
          <select value={duration} onChange={(event) => setDuration(Number(event.target.value))} data-testid={`alarm-shelve-duration-${alarm.id}`} aria-label="Shelve for">
            {SHELVE_CHOICES.map(([label, seconds]) => (
              <option key={seconds} value={seconds}>
                {label}
              </option>
            ))}
          </select>
          <input type="text" required placeholder="reason" value={reason} onChange={(event) => setReason(event.target.value)} data-testid={`alarm-shelve-reason-${alarm.id}`} aria-label="Reason for shelving" />
          <button type="submit" className="small" data-testid={`alarm-shelve-submit-${alarm.id}`} disabled={reason.trim() === ''}>
            Shelve
          </button>
        </form>
      )}
    </li>
  );
}

/** Every alarm that is not normal, filtered by Thing, severity and state; acknowledge one or all shown. */
export function AlarmPanel() {
  const { client } = useLabContext();
  const canOperate = useLab((state) => state.role === 'operator');
  const snapshot = useLab((state) => state.alarms);
  const things = useLab(useShallow((state) => state.things.map((thing) => thing.name)));
  const close = useLab((state) => state.setAlarmPanelOpen);
  const [thing, setThing] = useState('');
  const [severity, setSeverity] = useState('');
  const [stateFilter, setStateFilter] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);

  const shown = useMemo(
    () =>
      (snapshot?.alarms ?? []).filter(
        (alarm) => (thing === '' || alarm.thing === thing) && (severity === '' || alarm.severity === severity) && (stateFilter === '' || alarm.state === stateFilter),
      ),
    [snapshot, thing, severity, stateFilter],
  );
  const ackable = shown.filter((alarm) => needsAck(alarm.state)).map((alarm) => alarm.id);

  const call: Call = async (run) => {
    setError(null);
    const result = await run();
    if (!result.ok) setError(result.error?.message ?? 'failed');
  };

  return (
    <section className="alarm-panel" data-testid="alarm-panel" aria-label="Alarms">
      <div className="popover-head">
        <h2>Alarms</h2>
        <button type="button" className="small" data-testid="alarm-panel-close" onClick={() => close(false)}>
          Close
        </button>
      </div>
      {snapshot?.notices.map((notice) => (
        <div key={`${notice.thing}-${notice.time}`} className="banner banner-warn" role="alert" data-testid="alarm-notice">
          {notice.text}
        </div>
      ))}
      <div className="alarm-filters">
        <select value={thing} onChange={(event) => setThing(event.target.value)} data-testid="alarm-filter-thing" aria-label="Thing">
          <option value="">all Things</option>
          {things.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <select value={severity} onChange={(event) => setSeverity(event.target.value)} data-testid="alarm-filter-severity" aria-label="Severity">
          <option value="">all severities</option>
          {SEVERITIES.map((each) => (
            <option key={each} value={each}>
              {each}
            </option>
          ))}
        </select>
        <select value={stateFilter} onChange={(event) => setStateFilter(event.target.value)} data-testid="alarm-filter-state" aria-label="State">
          <option value="">all states</option>
          {STATES.map((each) => (
            <option key={each} value={each}>
              {ALARM_STATE_LABELS[each]}
            </option>
          ))}
        </select>
      </div>
      {canOperate && <div className="alarm-ack-all">
        <input type="text" placeholder="note (optional)" value={note} maxLength={500} onChange={(event) => setNote(event.target.value)} data-testid="alarm-note" aria-label="Acknowledgement note" />
        <button
          type="button"
          className="primary small"
          data-testid="alarm-ack-all"
          disabled={ackable.length === 0}
          onClick={() =>
            void call(() => client.call('lab:alarms:acknowledge', note.trim() ? { ids: ackable, note: note.trim() } : { ids: ackable })).then(() => setNote(''))
          }
        >
          Acknowledge {ackable.length === shown.length ? 'all' : ackable.length} shown
        </button>
      </div>}
      {error && (
        <p className="field-error" role="alert" data-testid="alarm-error">
          {error}
        </p>
      )}
      {shown.length === 0 ? (
        <p className="muted" data-testid="alarm-empty">
          {snapshot?.alarms.length ? 'No alarm matches these filters.' : 'No alarms: everything is normal.'}
        </p>
      ) : (
        <ul className="alarm-list" data-testid="alarm-list">
          {shown.map((alarm) => (
            <AlarmRow key={alarm.id} alarm={alarm} call={call} />
          ))}
        </ul>
      )}
      {(snapshot?.omitted ?? 0) > 0 && <p className="muted small-text">{snapshot?.omitted} more not shown (least urgent).</p>}
    </section>
  );
}
