import type { PropertyAffordance } from '../../shared/model';
import { liveKey } from '../store/keys';
import { isLogScale } from '../ui/format';
import { useLab } from '../ui/lab-context';
import { LiveAge, LiveValueText, usePropertyAlarm, useStale } from './LiveText';
import { PropertyEditor } from './PropertyEditor';
import { SERIES_DRAG_TYPE } from './drag';
import { Sparkline } from './Sparkline';
import { SpectrumPlot } from './SpectrumPlot';
import { useState } from 'react';
import { RuleEditor } from './RuleEditor';

/** How the value is kept fresh, in words: "pushed", "polled every 1 s", "read once". */
export function freshnessText(mode: 'pushed' | 'polled' | 'on-demand' | undefined, periodMs?: number): string {
  if (mode === 'polled') return periodMs === undefined ? 'polled' : `polled every ${periodMs >= 1000 ? `${+(periodMs / 1000).toFixed(1)} s` : `${periodMs} ms`}`;
  if (mode === 'on-demand') return 'read on demand';
  return mode === 'pushed' ? 'pushed' : '';
}

function FreshnessNote({ thing, name }: { thing: string; name: string }) {
  const mode = useLab((state) => state.freshness[thing]?.[name]?.mode);
  const period = useLab((state) => state.freshness[thing]?.[name]?.periodMs);
  const text = freshnessText(mode, period);
  if (!text) return null;
  const title =
    mode === 'polled'
      ? 'The instrument does not push changes of this value: Lab Monitor reads it regularly; the age is the time since the last read.'
      : mode === 'on-demand'
        ? 'Read when Lab Monitor connects or the Thing is opened; the age is the time since that read.'
        : 'The instrument sends every change; the age is the time since the last one.';
  return (
    <span className={`freshness freshness-${mode}`} data-testid={`freshness-${thing}-${name}`} title={title}>
      {text}
    </span>
  );
}

/** Adds the property to the active chart (or a new one) and shows the charts. */
function ChartButton({ thing, name }: { thing: string; name: string }) {
  const addToChart = useLab((state) => state.addToChart);
  const setView = useLab((state) => state.setView);
  return (
    <button
      type="button"
      className="icon"
      title="Show on a chart (with history)"
      data-testid={`chart-prop-${thing}-${name}`}
      onClick={() => {
        addToChart({ thing, property: name });
        setView('charts');
      }}
    >
      chart
    </button>
  );
}

export function PropertyRow({
  thing,
  name,
  affordance,
  disconnected,
}: {
  thing: string;
  name: string;
  affordance: PropertyAffordance;
  disconnected: boolean;
}) {
  const key = liveKey(thing, name);
  const kind = useLab((state) => {
    const value = state.live[key]?.value;
    return Array.isArray(value) ? 'array' : typeof value;
  });
  const writable = affordance.readOnly !== true;
  const canOperate = useLab((state) => state.role === 'operator');
  // Writable properties (setpoints) change on demand: a pause after a ramp is not staleness.
  const stale = (useStale(thing, name) && !writable) || disconnected;
  const isArray = affordance.type === 'array' || kind === 'array';
  const isNumber = affordance.type === 'number' || affordance.type === 'integer' || kind === 'number';
  const [editingRules, setEditingRules] = useState(false);
  // The highest annunciated alarm on this property (a primitive: re-renders only when it changes).
  const alarm = usePropertyAlarm(thing, name);

  return (
    <>
    <tr
      className={stale ? 'prop stale' : 'prop'}
      data-testid={`prop-${thing}-${name}`}
      data-stale={stale}
      data-alarm={alarm ?? undefined}
      draggable={isNumber && !isArray}
      onDragStart={(event) => {
        event.dataTransfer.setData(SERIES_DRAG_TYPE, JSON.stringify({ thing, property: name }));
        event.dataTransfer.effectAllowed = 'copy';
      }}
    >
      <th scope="row" title={affordance.description ?? name}>
        <span className="prop-title">{affordance.title ?? name}</span>
        {affordance.title && affordance.title !== name && <span className="prop-name">{name}</span>}
        {affordance.problem && (
          <span className="prop-problem" role="note" data-testid={`problem-${thing}-${name}`}>
            {affordance.problem}
          </span>
        )}
        <span className="prop-alarm">
          {alarm && (
            <span className={`sev-badge sev-${alarm}`} data-testid={`prop-alarm-${thing}-${name}`} data-severity={alarm}>
              {alarm}
            </span>
          )}
          {canOperate && (
            <button type="button" className="link small-text" data-testid={`alarm-rules-${thing}-${name}`} aria-expanded={editingRules} onClick={() => setEditingRules(!editingRules)}>
              alarm rules
            </button>
          )}
        </span>
      </th>
      <td className="value">
        <LiveValueText thing={thing} name={name} affordance={affordance} testId={`value-${thing}-${name}`} />
        {stale && (
          <span className="tag stale-tag" data-testid={`stale-${thing}-${name}`}>
            stale
          </span>
        )}
      </td>
      <td className="age-cell">
        <LiveAge thing={thing} name={name} testId={`age-${thing}-${name}`} />
        <FreshnessNote thing={thing} name={name} />
      </td>
      {isArray && !writable ? (
        // A spectrum needs the width more than a "read-only" note does.
        <td className="plot-cell wide" colSpan={2}>
          <SpectrumPlot thing={thing} property={name} />
        </td>
      ) : (
        <td className="plot-cell">
          {isArray ? (
            <SpectrumPlot thing={thing} property={name} />
          ) : isNumber ? (
            <span className="trend-with-chart">
              <Sparkline thing={thing} property={name} logScale={isLogScale(affordance)} holdsValue={writable} />
              <ChartButton thing={thing} name={name} />
            </span>
          ) : null}
        </td>
      )}
      {(!isArray || writable) && (
        <td className="edit-cell">
          {writable && canOperate ? (
            <PropertyEditor thing={thing} name={name} schema={affordance} disabled={disconnected} />
          ) : (
            <span className="muted">{writable ? 'view only' : 'read-only'}</span>
          )}
        </td>
      )}
    </tr>
    {editingRules && (
      <tr className="rule-row">
        <td colSpan={5}>
          <RuleEditor thing={thing} property={name} onClose={() => setEditingRules(false)} />
        </td>
      </tr>
    )}
    </>
  );
}
