import type { DataSchema } from '../../shared/model';
import { unitSymbol } from '../ui/format';
import { fieldKind, type Draft } from '../ui/schema-input';

/** One input generated from a data schema: number with min/max, checkbox, select, text. */
export function FieldInput({
  schema,
  value,
  onChange,
  testId,
  label,
  invalid,
  placeholder,
}: {
  schema: DataSchema;
  value: Draft;
  onChange: (value: Draft) => void;
  testId: string;
  label: string;
  invalid: boolean;
  placeholder?: string;
}) {
  const kind = fieldKind(schema);
  if (kind === 'boolean') {
    return <input type="checkbox" data-testid={testId} aria-label={label} checked={value === true} onChange={(event) => onChange(event.target.checked)} />;
  }
  if (kind === 'enum') {
    return (
      <select data-testid={testId} aria-label={label} aria-invalid={invalid} value={typeof value === 'string' ? value : ''} onChange={(event) => onChange(event.target.value)}>
        {value === '' && <option value="">choose…</option>}
        {(schema.enum ?? []).map((option) => (
          <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
            {typeof option === 'string' ? option : JSON.stringify(option)}
          </option>
        ))}
      </select>
    );
  }
  const numeric = kind === 'number' || kind === 'integer';
  const unit = unitSymbol(schema.unit);
  return (
    <span className="field-input">
      <input
        type={numeric ? 'number' : 'text'}
        data-testid={testId}
        aria-label={label}
        aria-invalid={invalid}
        min={schema.minimum}
        max={schema.maximum}
        step={kind === 'integer' ? 1 : 'any'}
        placeholder={placeholder}
        value={typeof value === 'string' ? value : ''}
        onChange={(event) => onChange(event.target.value)}
      />
      {unit && <span className="unit">{unit}</span>}
    </span>
  );
}
