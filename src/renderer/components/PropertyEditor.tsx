import { useState, type FormEvent } from 'react';
import type { DataSchema } from '../../shared/model';
import { liveKey } from '../store/keys';
import { formatValue } from '../ui/format';
import { useLabContext } from '../ui/lab-context';
import { checkDraft, fieldKind, initialDraft, type Draft } from '../ui/schema-input';
import { FieldInput } from './FieldInput';

/** Inline editor for a writable property: checks the schema first, then shows the host's refusal if any. */
export function PropertyEditor({ thing, name, schema, disabled }: { thing: string; name: string; schema: DataSchema; disabled: boolean }) {
  const { client, store } = useLabContext();
  const kind = fieldKind(schema);
  // Booleans and enums start from the current value; numbers start empty with it as placeholder.
  const [draft, setDraft] = useState<Draft>(() =>
    kind === 'boolean' || kind === 'enum' ? initialDraft({ ...schema, default: undefined }, store.getState().live[liveKey(thing, name)]?.value) : '',
  );
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
      if (kind !== 'boolean' && kind !== 'enum') setDraft('');
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
          setDraft(value);
          setError(null);
        }}
        testId={`edit-${thing}-${name}`}
        label={`New value for ${name}`}
        invalid={error !== null}
        placeholder={schema.minimum !== undefined && schema.maximum !== undefined ? `${schema.minimum}–${schema.maximum}` : 'value'}
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
