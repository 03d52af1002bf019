import { useEffect, useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ActionAffordance } from '../../shared/model';
import { compareIso } from '../../shared/time';
import { rememberDrafts, rememberedDrafts } from '../ui/form-memory';
import { useLab, useLabContext } from '../ui/lab-context';
import { buildInput, constraintHint, formFields, initialDraft, placeRefusal, range, type Draft } from '../ui/schema-input';
import { FieldInput } from './FieldInput';
import { InvocationRow } from './InvocationRow';

const SHOWN = 4;

export function ActionCard({ thing, name, affordance, disabled }: { thing: string; name: string; affordance: ActionAffordance; disabled: boolean }) {
  const { client, store } = useLabContext();
  const fields = formFields(affordance.input);
  // The inputs survive switching Things: they are remembered per form while the app runs.
  const [drafts, setDrafts] = useState<Record<string, Draft>>(
    () => rememberedDrafts(thing, name) ?? Object.fromEntries(fields.map((field) => [field.name, initialDraft(field.schema)])),
  );
  useEffect(() => rememberDrafts(thing, name, drafts), [thing, name, drafts]);
  // Errors belong to one attempt: they go when an input changes or the action runs again.
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [runError, setRunError] = useState<string | null>(null);
  /** For an "already running" refusal: the runs going on then. It holds only while they do. */
  const [conflictWith, setConflictWith] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const canOperate = useLab((state) => state.role === 'operator');
  const ids = useLab(
    useShallow((state) =>
      Object.values(state.invocations)
        .filter((invocation) => invocation.thing === thing && invocation.action === name)
        .sort((a, b) => compareIso(b.timeRequested, a.timeRequested))
        .map((invocation) => invocation.id),
    ),
  );
  // "Already running" is true only while that run goes on: once it ends, its refusal goes too.
  const active = useLab((state) =>
    Object.values(state.invocations)
      .filter((invocation) => invocation.thing === thing && !['completed', 'cancelled', 'error'].includes(invocation.status))
      .map((invocation) => invocation.id)
      .sort()
      .join(' '),
  );
  const shownRunError = conflictWith !== null && conflictWith !== active ? null : runError;

  const change = (field: string, value: Draft) => {
    setDrafts((current) => ({ ...current, [field]: value }));
    setErrors((current) => {
      if (current[field] === undefined) return current;
      const { [field]: _gone, ...rest } = current;
      return rest;
    });
    setRunError(null);
  };

  const run = async (event: FormEvent) => {
    event.preventDefault();
    setRunError(null);
    const built = buildInput(affordance.input, drafts);
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    const result = await client.invoke(thing, name, built.value);
    setBusy(false);
    if (result.ok) {
      store.getState().putInvocations([result.value]);
      return;
    }
    // A refusal that names inputs is shown next to them; what names none, under the form.
    const placed = placeRefusal(result.error, fields, affordance.title ?? name);
    setErrors(placed.errors);
    setRunError(placed.formError);
    setConflictWith(result.error.code === 'CONFLICT' ? active : null);
  };

  const shown = showAll ? ids : ids.slice(0, SHOWN);
  return (
    <section className="card action" data-testid={`action-${thing}-${name}`}>
      <header>
        <h3>{affordance.title ?? name}</h3>
        {affordance.description && affordance.description !== affordance.title && <p className="muted">{affordance.description}</p>}
        {affordance.problem && (
          <p className="field-error" role="note" data-testid={`problem-${thing}-${name}`}>
            {affordance.problem}
          </p>
        )}
      </header>
      {canOperate && (
        <form noValidate onSubmit={(event) => void run(event)} className="action-form">
          {fields.map((field) => {
            const hint = constraintHint(field.schema);
            const bounds = range(field.schema, false);
            return (
              <label key={field.name} className="field">
                <span className="field-label">
                  {field.schema.title ?? field.name}
                  {field.required ? '' : ' (optional)'}
                </span>
                <FieldInput
                  schema={field.schema}
                  value={drafts[field.name] ?? ''}
                  onChange={(value) => change(field.name, value)}
                  testId={`input-${thing}-${name}-${field.name}`}
                  label={field.schema.title ?? field.name}
                  invalid={errors[field.name] !== undefined}
                  placeholder={bounds || undefined}
                />
                {(field.schema.description || hint) && (
                  <span className="field-help muted" data-testid={`input-help-${thing}-${name}-${field.name}`}>
                    {field.schema.description && <span className="field-description">{field.schema.description}</span>}
                    {hint && <span className="field-hint">{hint}</span>}
                  </span>
                )}
                {errors[field.name] !== undefined && (
                  <span className="field-error" data-testid={`input-error-${thing}-${name}-${field.name}`}>
                    {errors[field.name]}
                  </span>
                )}
              </label>
            );
          })}
          <button type="submit" className="primary" data-testid={`run-${thing}-${name}`} disabled={busy || disabled}>
            Run
          </button>
          {shownRunError !== null && (
            <span className="field-error" role="alert" data-testid={`run-error-${thing}-${name}`}>
              {shownRunError}
            </span>
          )}
        </form>
      )}
      {ids.length > 0 && (
        <ol className="invocations" data-testid={`invocations-${thing}-${name}`}>
          {shown.map((id) => (
            <InvocationRow key={id} id={id} thing={thing} />
          ))}
        </ol>
      )}
      {ids.length > SHOWN && (
        <button type="button" className="link" onClick={() => setShowAll(!showAll)}>
          {showAll ? 'Show fewer' : `Show all ${ids.length}`}
        </button>
      )}
    </section>
  );
}
