import { useEffect, useState, type FormEvent } from 'react';
import { ALARM_STATE_LABELS, ruleTarget, type Alarm, type AlarmRule, type AlarmRuleInput, type RuleSuggestion } from '../../shared/alarms';
import { useLab, useLabContext } from '../ui/lab-context';

type Kind = AlarmRule['kind'];

const KIND_LABELS: Record<Kind, string> = {
  threshold: 'limits (HIHI / HI / LO / LOLO)',
  equals: 'equals a value',
  stale: 'no update for a while',
  disconnected: 'Thing disconnected',
  'action-failed': 'action failed',
};

/** What a rule says, in a few words. */
export function describeRule(rule: AlarmRule): string {
  switch (rule.kind) {
    case 'threshold': {
      const limits = (['lolo', 'lo', 'hi', 'hihi'] as const).flatMap((key) => (rule[key] === undefined ? [] : [`${key.toUpperCase()} ${rule[key]}`]));
      return `${rule.property}: ${limits.join(', ')}${rule.deadband ? `, deadband ${rule.deadband}` : ''}`;
    }
    case 'equals':
      return `${rule.property} == ${JSON.stringify(rule.value)} (${rule.severity})`;
    case 'stale':
      return `${rule.property === '*' ? 'any property' : rule.property}: no update for ${rule.afterSec} s (invalid)`;
    case 'disconnected':
      return 'disconnected (invalid)';
    case 'action-failed':
      return `${rule.action === '*' ? 'any action' : rule.action} failed (${rule.severity})`;
  }
}

const num = (text: string): number | undefined => {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
};
const text = (value: number | undefined): string => (value === undefined ? '' : String(value));

function kindsFor(property: string | undefined, type: string | undefined): Kind[] {
  if (property === undefined) return ['disconnected', 'action-failed', 'stale'];
  if (type === 'number' || type === 'integer') return ['threshold', 'stale', 'equals'];
  if (type === 'array' || type === 'object') return ['stale'];
  return ['equals', 'stale'];
}

/**
 * The alarm rules of one property (or, without `property`, of the whole Thing): the ones in
 * place with their state, and a form for a new one, prefilled with suggestions from the
 * property's schema (minimum/maximum) and its observed update rate.
 */
export function RuleEditor({ thing, property, onClose }: { thing: string; property?: string; onClose: () => void }) {
  const { client } = useLabContext();
  const td = useLab((state) => state.tds[thing]);
  const [rules, setRules] = useState<AlarmRule[] | null>(null);
  const [alarms, setAlarms] = useState<Alarm[]>([]);
  const [suggestion, setSuggestion] = useState<RuleSuggestion | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const schemaType = property === undefined ? undefined : td?.properties[property]?.type;
  const kinds = kindsFor(property, schemaType ?? suggestion?.type);
  const [kind, setKind] = useState<Kind | null>(null);
  const chosen: Kind = kind !== null && kinds.includes(kind) ? kind : (kinds[0] ?? 'stale');
  const [form, setForm] = useState<Record<string, string>>({});
  const [latch, setLatch] = useState(true);
  /** The rule being changed (its id is kept), or null when adding a new one. */
  const [editing, setEditing] = useState<string | null>(null);
  const field = (name: string): string => form[name] ?? '';
  const setField = (name: string, value: string) => setForm((previous) => ({ ...previous, [name]: value }));

  useEffect(() => {
    let live = true;
    void (async () => {
      const [got, listed, suggested] = await Promise.all([
        client.call('lab:alarms:rules:get', { thing }),
        client.call('lab:alarms:list', { thing }),
        client.call('lab:alarms:suggest', { thing, property: property ?? '*' }),
      ]);
      if (!live) return;
      if (got.ok) setRules(got.value.rules);
      else setError(got.error.message);
      if (listed.ok) setAlarms(listed.value);
      if (suggested.ok) {
        const s = suggested.value;
        setSuggestion(s);
        setForm({
          hihi: text(s.hihi),
          hi: text(s.hi),
          lo: text(s.lo),
          lolo: text(s.lolo),
          deadband: text(s.deadband),
          delaySec: '0',
          afterSec: String(s.staleAfterSec),
          value: s.values?.[0] === undefined ? (s.lastValue === undefined ? '' : String(s.lastValue)) : JSON.stringify(s.values[0]),
          severity: 'major',
          action: '*',
          guidance: '',
        });
      }
    })();
    return () => {
      live = false;
    };
  }, [client, thing, property]);

  const mine = (rules ?? []).filter((rule) => property === undefined || ruleTarget(rule) === property);

  const save = async (next: AlarmRuleInput[], what: string) => {
    setError(null);
    setSaved(null);
    const result = await client.call('lab:alarms:rules:set', { thing, rules: next as AlarmRule[] });
    if (!result.ok) {
      setError(result.error.message);
      return false;
    }
    setRules(result.value.rules);
    setSaved(what);
    const listed = await client.call('lab:alarms:list', { thing });
    if (listed.ok) setAlarms(listed.value);
    return true;
  };

  const newRule = (): AlarmRuleInput | string => {
    const target = property ?? '*';
    const id = editing ?? uniqueId(rules ?? [], `${chosen}-${property ?? (chosen === 'action-failed' ? field('action') : 'thing')}`);
    const enabled = (rules ?? []).find((rule) => rule.id === editing)?.enabled ?? true;
    const base = { id, enabled, delaySec: num(field('delaySec')) ?? 0, latch, ...(field('guidance').trim() ? { guidance: field('guidance').trim() } : {}) };
    switch (chosen) {
      case 'threshold': {
        const limits = { hihi: num(field('hihi')), hi: num(field('hi')), lo: num(field('lo')), lolo: num(field('lolo')) };
        const given = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
        if (Object.keys(given).length === 0) return 'Give at least one limit.';
        return { ...base, kind: 'threshold', property: target, ...given, deadband: num(field('deadband')) ?? 0 };
      }
      case 'equals': {
        const raw = field('value').trim();
        let value: string | number | boolean = raw;
        try {
          const parsed: unknown = JSON.parse(raw);
          if (typeof parsed === 'string' || typeof parsed === 'number' || typeof parsed === 'boolean') value = parsed;
        } catch {
          // Plain text: compared as a string.
        }
        if (raw === '') return 'Give the value that raises the alarm.';
        return { ...base, kind: 'equals', property: target, value, severity: field('severity') === 'minor' ? 'minor' : 'major' };
      }
      case 'stale': {
        const afterSec = num(field('afterSec'));
        if (afterSec === undefined || afterSec <= 0) return 'Give the number of seconds without an update.';
        return { ...base, kind: 'stale', property: target, afterSec };
      }
      case 'disconnected':
        return { ...base, kind: 'disconnected' };
      case 'action-failed':
        return { ...base, kind: 'action-failed', action: field('action') || '*', severity: field('severity') === 'minor' ? 'minor' : 'major' };
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const rule = newRule();
    if (typeof rule === 'string') {
      setError(rule);
      return;
    }
    if (editing !== null) {
      if (await save((rules ?? []).map((each) => (each.id === editing ? (rule as AlarmRule) : each)), `Rule "${rule.id}" changed.`)) setEditing(null);
      return;
    }
    await save([...(rules ?? []), rule], `Rule "${rule.id}" added.`);
  };

  /** Loads a rule into the form to change it. */
  const edit = (rule: AlarmRule) => {
    setEditing(rule.id);
    setKind(rule.kind);
    setLatch(rule.latch);
    const values: Record<string, string> = { delaySec: String(rule.delaySec), guidance: rule.guidance ?? '' };
    if (rule.kind === 'threshold') Object.assign(values, { hihi: text(rule.hihi), hi: text(rule.hi), lo: text(rule.lo), lolo: text(rule.lolo), deadband: String(rule.deadband) });
    if (rule.kind === 'equals') Object.assign(values, { value: JSON.stringify(rule.value), severity: rule.severity });
    if (rule.kind === 'stale') values['afterSec'] = String(rule.afterSec);
    if (rule.kind === 'action-failed') Object.assign(values, { action: rule.action, severity: rule.severity });
    setForm((previous) => ({ ...previous, ...values }));
  };

  const title = property === undefined ? td?.title ?? thing : td?.properties[property]?.title ?? property;
  const unit = suggestion?.unit ? ` ${suggestion.unit}` : '';
  const actions = Object.keys(td?.actions ?? {});

  return (
    <div className="rule-editor" role="dialog" aria-label={`Alarm rules of ${title}`} data-testid="rule-editor">
      <div className="popover-head">
        <h3>Alarm rules: {title}</h3>
        <button type="button" className="small" onClick={onClose} data-testid="rule-close">
          Close
        </button>
      </div>
      {rules === null ? (
        <p className="muted">Loading…</p>
      ) : mine.length === 0 ? (
        <p className="muted">No rule yet.</p>
      ) : (
        <ul className="rule-list" data-testid="rule-list">
          {mine.map((rule) => {
            const alarm = alarms.find((each) => each.rule === rule.id);
            return (
              <li key={rule.id} data-testid={`rule-item-${rule.id}`}>
                <span className="rule-text">{describeRule(rule)}</span>
                {rule.delaySec > 0 && <span className="muted"> after {rule.delaySec} s</span>}
                {!rule.latch && <span className="muted"> · not latching</span>}
                {alarm && <span className={`sev-badge sev-${alarm.severity ?? 'none'}`}>{ALARM_STATE_LABELS[alarm.state]}</span>}
                <button type="button" className="small" data-testid={`rule-edit-${rule.id}`} aria-pressed={editing === rule.id} onClick={() => edit(rule)}>
                  Change
                </button>
                <button type="button" className="small danger" data-testid={`rule-remove-${rule.id}`} onClick={() => void save((rules ?? []).filter((each) => each.id !== rule.id), `Rule "${rule.id}" removed.`)}>
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <form className="rule-form" onSubmit={(event) => void submit(event)}>
        <label className="field">
          <span className="field-label">{editing === null ? 'New rule' : `Changing "${editing}"`}</span>
          <select value={chosen} disabled={editing !== null} onChange={(event) => setKind(event.target.value as Kind)} data-testid="rule-kind">
            {kinds.map((each) => (
              <option key={each} value={each}>
                {KIND_LABELS[each]}
              </option>
            ))}
          </select>
        </label>
        {chosen === 'threshold' && (
          <div className="rule-fields">
            {(['hihi', 'hi', 'lo', 'lolo', 'deadband'] as const).map((name) => (
              <label key={name} className="field">
                <span className="field-label">
                  {name === 'deadband' ? 'deadband' : `${name.toUpperCase()} (${name === 'hihi' || name === 'lolo' ? 'major' : 'minor'})`}
                  {unit}
                </span>
                <input type="number" step="any" value={field(name)} onChange={(event) => setField(name, event.target.value)} data-testid={`rule-${name}`} />
              </label>
            ))}
          </div>
        )}
        {chosen === 'equals' && (
          <div className="rule-fields">
            <label className="field">
              <span className="field-label">value</span>
              {suggestion?.values && suggestion.values.length > 0 ? (
                <select value={field('value')} onChange={(event) => setField('value', event.target.value)} data-testid="rule-value">
                  {suggestion.values.map((value) => (
                    <option key={JSON.stringify(value)} value={JSON.stringify(value)}>
                      {String(value)}
                    </option>
                  ))}
                </select>
              ) : (
                <input type="text" value={field('value')} onChange={(event) => setField('value', event.target.value)} data-testid="rule-value" />
              )}
            </label>
          </div>
        )}
        {chosen === 'stale' && (
          <div className="rule-fields">
            <label className="field">
              <span className="field-label">seconds without update</span>
              <input type="number" min="0.1" step="any" value={field('afterSec')} onChange={(event) => setField('afterSec', event.target.value)} data-testid="rule-after" />
            </label>
            <span className="muted small-text">{suggestion?.observedHz ? `updates about ${suggestion.observedHz} times a second` : 'no updates seen yet'}</span>
          </div>
        )}
        {chosen === 'action-failed' && (
          <label className="field">
            <span className="field-label">action</span>
            <select value={field('action') || '*'} onChange={(event) => setField('action', event.target.value)} data-testid="rule-action">
              <option value="*">any action</option>
              {actions.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
        )}
        {(chosen === 'equals' || chosen === 'action-failed') && (
          <label className="field">
            <span className="field-label">severity</span>
            <select value={field('severity') || 'major'} onChange={(event) => setField('severity', event.target.value)} data-testid="rule-severity">
              <option value="major">major</option>
              <option value="minor">minor</option>
            </select>
          </label>
        )}
        {chosen !== 'action-failed' && (
          <label className="field">
            <span className="field-label">delay (s)</span>
            <input type="number" min="0" step="any" value={field('delaySec')} onChange={(event) => setField('delaySec', event.target.value)} data-testid="rule-delay" />
          </label>
        )}
        <label className="field">
          <span className="field-label">guidance</span>
          <input type="text" value={field('guidance')} maxLength={2000} placeholder="what to do" onChange={(event) => setField('guidance', event.target.value)} data-testid="rule-guidance" />
        </label>
        <label className="field checkbox-field">
          <span className="field-label">latch</span>
          <input type="checkbox" checked={latch} onChange={(event) => setLatch(event.target.checked)} data-testid="rule-latch" title="Keep the alarm until acknowledged, even after the value is back to normal" />
        </label>
        <button type="submit" className="primary" data-testid="rule-save">
          {editing === null ? 'Add rule' : 'Save rule'}
        </button>
        {editing !== null && (
          <button type="button" data-testid="rule-edit-cancel" onClick={() => setEditing(null)}>
            Cancel
          </button>
        )}
      </form>
      {error && (
        <p className="field-error" role="alert" data-testid="rule-error">
          {error}
        </p>
      )}
      {saved && (
        <p className="muted" role="status" data-testid="rule-saved">
          {saved}
        </p>
      )}
    </div>
  );
}

function uniqueId(rules: readonly AlarmRule[], wanted: string): string {
  const base = wanted.replace(/[^\w.:-]/g, '_').slice(0, 90) || 'rule';
  const ids = new Set(rules.map((rule) => rule.id));
  if (!ids.has(base)) return base;
  for (let n = 2; ; n++) if (!ids.has(`${base}-${n}`)) return `${base}-${n}`;
}
