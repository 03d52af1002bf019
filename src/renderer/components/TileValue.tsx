import { isNumeric } from '../lab/watch';
import { isLogScale, unitSymbol } from '../ui/format';
import { useLab } from '../ui/lab-context';
import { useThingStatus } from '../ui/thing-status';
import { LiveAge, LiveRate, LiveValueText, usePropertyAlarm, useStale } from './LiveText';
import { Sparkline } from './Sparkline';
import { SERIES_DRAG_TYPE } from './drag';

/**
 * One value as the overview's tiles show it, also in a layout's value panel: its name, the
 * number with its unit (never split), age and rate, a trend; stale when it stopped arriving or
 * its Thing is gone, in the colour of an alarm on it, red when the overview counts a problem on
 * it. `tools` adds the overview's "+ chart" and pin buttons; `showThing` names the Thing (a
 * layout panel, where no Thing tile around it does).
 */
export function TileValue({ thing, name, tools = false, showThing = false }: { thing: string; name: string; tools?: boolean; showThing?: boolean }) {
  const affordance = useLab((state) => state.tds[thing]?.properties[name]);
  const pinned = useLab((state) => (state.pinned[thing] ?? []).includes(name));
  const togglePin = useLab((state) => state.togglePin);
  const addToChart = useLab((state) => state.addToChart);
  const problem = useLab((state) => state.problems[thing]?.some((each) => each.affordance === name && each.kind !== 'action-failed') ?? false);
  const { status } = useThingStatus(thing);
  const alarm = usePropertyAlarm(thing, name);
  const silent = useStale(thing, name);
  if (!affordance) return null;
  const numeric = isNumeric(affordance);
  const writable = affordance.readOnly !== true;
  // A setpoint holds between changes: silence is not staleness. A Thing that is not connected is.
  const stale = (silent && !writable) || (status !== 'connected' && status !== 'stale');
  // On the overview the tile already says its Thing is not connected: the value is only greyed there.
  const staleTag = stale && (showThing || status === 'connected');
  const classes = ['tile-value', problem ? 'problem' : '', stale ? 'stale' : ''].filter(Boolean).join(' ');
  return (
    <li
      className={classes}
      data-testid={`tile-value-${thing}-${name}`}
      data-stale={stale}
      data-alarm={alarm ?? undefined}
      draggable={numeric}
      onDragStart={(event) => {
        event.dataTransfer.setData(SERIES_DRAG_TYPE, JSON.stringify({ thing, property: name }));
        event.dataTransfer.effectAllowed = 'copy';
      }}
    >
      <span className="tile-value-name" title={affordance.description ?? name}>
        {/* The title gives way (an ellipsis); the marks after it keep their size. */}
        <span className="tile-value-title">
          {showThing && <span className="tile-value-thing">{thing} · </span>}
          {affordance.title ?? name}
        </span>
        {alarm && (
          <span className={`sev-badge sev-${alarm}`} data-testid={`tile-alarm-${thing}-${name}`} data-severity={alarm}>
            {alarm}
          </span>
        )}
        {staleTag && (
          <span className="tag stale-tag" data-testid={`tile-stale-${thing}-${name}`}>
            stale
          </span>
        )}
      </span>
      <LiveValueText thing={thing} name={name} affordance={affordance} testId={`tile-${thing}-${name}`} className="live-value value-text" />
      <span className="tile-value-meta muted">
        <LiveAge thing={thing} name={name} testId={`tile-age-${thing}-${name}`} />
        <span className="meta-sep"> · </span>
        <LiveRate thing={thing} name={name} testId={`rate-${thing}-${name}`} />
      </span>
      <span className="tile-trend">{numeric && <Sparkline thing={thing} property={name} logScale={isLogScale(affordance)} holdsValue={writable} />}</span>
      {tools && (
        <span className="tile-value-actions">
          {numeric && (
            <button
              type="button"
              className="icon"
              data-testid={`chart-add-${thing}-${name}`}
              title={`Chart ${affordance.title ?? name}${unitSymbol(affordance.unit) ? ` (${unitSymbol(affordance.unit)})` : ''}`}
              onClick={() => addToChart({ thing, property: name })}
            >
              + chart
            </button>
          )}
          <button
            type="button"
            className={pinned ? 'icon pinned' : 'icon'}
            aria-pressed={pinned}
            data-testid={`pin-toggle-${thing}-${name}`}
            title={pinned ? 'Unpin from the tile' : 'Pinned values replace the default ones'}
            onClick={() => togglePin(thing, name)}
          >
            {pinned ? 'unpin' : 'pin'}
          </button>
        </span>
      )}
    </li>
  );
}
