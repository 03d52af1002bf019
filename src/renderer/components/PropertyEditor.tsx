import { useState, type FormEvent } from 'react';
import type { DataSchema } from '../../shared/model';
import { liveKey } from '../store/keys';
import { formatValue } from '../ui/format';
import { useLab, useLabContext } from '../ui/lab-context';
import { rememberDrafts, rememberedDrafts } from '../ui/form-memory';
import { checkDraft, fieldKind, initialDraft, range, type Draft } from '../ui/schema-input';
import { FieldInput } from './FieldInput';

/** Inline editor for a writable property: checks the schema first, then shows the host's refusal if any. */
export function PropertyEditor({ thing, name, schema, disabled }: { thing: string; name: string; schema: DataSchema; disabled: boolean }) {
  const { client, store } = useLabContext();
  const kind = fieldKind(schema);
  const discrete = kind === 'boolean' || kind === 'enum';
  // Booleans and enums show the live value until the operator changes the field (a checkbox
  // that lagged the instrument would switch it off on Set); numbers start empty, the value
  // being right beside them. Both change rarely, so following them costs no renders.
  const live = useLab((state) => (discrete ? state.live[liveKey(thing, name)]?.value : undefined));
  // What was typed and not yet set survives switching Things (kept while the app runs).
  const memory = `$property:${name}`;
  const [edited, setEditedState] = useState<Draft | undefined>(() => rememberedDrafts(thing, memory)?.['value']);
  const setEdited = (value: Draft | undefined) => {
    setEditedState(value);
    rememberDrafts(thing, memory, value === undefined ? {} : { value });
  };
  const draft: Draft = edited ?? (discrete ? initialDraft({ ...schema, default: undefined }, live) : '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const checked = checkDraft(schema, draft);
    if (!checked.ok) {
      setError(checked.message);
      return;
    }
    setBusy(true);
    setError(null);
    const result = await client.write(thing, name, checked.value);
    setBusy(false);
    const text = `${name} ← ${formatValue(checked.value, schema)}`;
    if (result.ok) {
      setEdited(undefined);
      store.getState().addEvent({ time: Date.now(), thing, kind: 'write', text, level: 'info' });
    } else {
      setError(result.error.message);
      store.getState().addEvent({ time: Date.now(), thing, kind: 'write', text: `${text} refused: ${result.error.message}`, level: 'error' });
    }
  };

  return (
    <form className="editor" noValidate onSubmit={(event) => void submit(event)} data-testid={`edit-form-${thing}-${name}`}>
      <FieldInput
        schema={schema}
        value={draft}
        onChange={(value) => {
          setEdited(value);
          setError(null);
        }}
        testId={`edit-${thing}-${name}`}
        label={`New value for ${name}`}
        invalid={error !== null}
        placeholder={range(schema, false) || 'value'}
      />
      <button type="submit" data-testid={`edit-submit-${thing}-${name}`} disabled={busy || disabled}>
        Set
      </button>
      {error !== null && (
        <span className="field-error" role="alert" data-testid={`edit-error-${thing}-${name}`}>
          {error}
        </span>
      )}
    </form>
  );
}
