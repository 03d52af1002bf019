import { useState, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ActionAffordance } from '../../shared/model';
import { compareIso } from '../../shared/time';
import { useLab, useLabContext } from '../ui/lab-context';
import { buildInput, formFields, initialDraft, type Draft } from '../ui/schema-input';
import { FieldInput } from './FieldInput';
import { InvocationRow } from './InvocationRow';

const SHOWN = 4;

export function ActionCard({ thing, name, affordance, disabled }: { thing: string; name: string; affordance: ActionAffordance; disabled: boolean }) {
  const { client, store } = useLabContext();
  const fields = formFields(affordance.input);
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() => Object.fromEntries(fields.map((field) => [field.name, initialDraft(field.schema)])));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [runError, setRunError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const ids = useLab(
    useShallow((state) =>
      Object.values(state.invocations)
        .filter((invocation) => invocation.thing === thing && invocation.action === name)
        .sort((a, b) => compareIso(b.timeRequested, a.timeRequested))
        .map((invocation) => invocation.id),
    ),
  );

  const run = async (event: FormEvent) => {
    event.preventDefault();
    const built = buildInput(affordance.input, drafts);
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setRunError(null);
    setBusy(true);
    const result = await client.invoke(thing, name, built.value);
    setBusy(false);
    if (result.ok) store.getState().putInvocations([result.value]);
    else setRunError(result.error.message);
  };

  const shown = showAll ? ids : ids.slice(0, SHOWN);
  return (
    <section className="card action" data-testid={`action-${thing}-${name}`}>
      <header>
        <h3>{affordance.title ?? name}</h3>
        {affordance.description && <p className="muted">{affordance.description}</p>}
      </header>
      <form noValidate onSubmit={(event) => void run(event)} className="action-form">
        {fields.map((field) => (
          <label key={field.name} className="field">
            <span className="field-label">
              {field.schema.title ?? field.name}
              {field.required ? '' : ' (optional)'}
            </span>
            <FieldInput
              schema={field.schema}
              value={drafts[field.name] ?? ''}
              onChange={(value) => setDrafts((current) => ({ ...current, [field.name]: value }))}
              testId={`input-${thing}-${name}-${field.name}`}
              label={field.schema.title ?? field.name}
              invalid={errors[field.name] !== undefined}
              placeholder={field.schema.minimum !== undefined && field.schema.maximum !== undefined ? `${field.schema.minimum}–${field.schema.maximum}` : undefined}
            />
            {errors[field.name] !== undefined && (
              <span className="field-error" data-testid={`input-error-${thing}-${name}-${field.name}`}>
                {errors[field.name]}
              </span>
            )}
          </label>
        ))}
        <button type="submit" className="primary" data-testid={`run-${thing}-${name}`} disabled={busy || disabled}>
          Run
        </button>
        {runError !== null && (
          <span className="field-error" role="alert" data-testid={`run-error-${thing}-${name}`}>
            {runError}
          </span>
        )}
      </form>
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
