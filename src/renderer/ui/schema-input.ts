import type { DataSchema } from '../../shared/model';
import { unitSymbol } from './format';

/** What an input holds while the operator edits: text for numbers and strings. */
export type Draft = string | boolean;

export type Checked = { ok: true; value: unknown } | { ok: false; message: string };

export type FieldKind = 'number' | 'integer' | 'boolean' | 'enum' | 'string' | 'json';

export function fieldKind(schema: DataSchema): FieldKind {
  if (schema.enum && schema.enum.length > 0) return 'enum';
  switch (schema.type) {
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    default:
      return 'json';
  }
}

/** The starting draft: the schema's default, else the current value, else empty. */
export function initialDraft(schema: DataSchema, current?: unknown): Draft {
  const seed = schema.default !== undefined ? schema.default : current;
  if (fieldKind(schema) === 'boolean') return seed === true;
  if (seed === undefined || seed === null) return '';
  if (fieldKind(schema) === 'enum') return JSON.stringify(seed);
  return typeof seed === 'string' ? seed : fieldKind(schema) === 'json' ? JSON.stringify(seed) : String(seed);
}

/** The allowed range in words: "0–200 °C", "> 0 mbar", "0 < x ≤ 1000 mbar"; '' when unbounded. */
export function range(schema: DataSchema, withUnit = true): string {
  const unit = withUnit ? unitSymbol(schema.unit) : '';
  const suffix = unit ? ` ${unit}` : '';
  const low = schema.exclusiveMinimum !== undefined ? { value: schema.exclusiveMinimum, sign: '<' } : schema.minimum !== undefined ? { value: schema.minimum, sign: '≤' } : undefined;
  const high = schema.exclusiveMaximum !== undefined ? { value: schema.exclusiveMaximum, sign: '<' } : schema.maximum !== undefined ? { value: schema.maximum, sign: '≤' } : undefined;
  if (low && high) {
    if (low.sign === '≤' && high.sign === '≤') return `${low.value}–${high.value}${suffix}`;
    return `${low.value} ${low.sign} x ${high.sign} ${high.value}${suffix}`;
  }
  if (low) return `${low.sign === '<' ? '>' : '≥'} ${low.value}${suffix}`;
  if (high) return `${high.sign === '<' ? '<' : '≤'} ${high.value}${suffix}`;
  return '';
}

/** A multiple of `step`, allowing for binary fractions (0.3 is a multiple of 0.1). */
function isMultiple(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9 * Math.max(1, Math.abs(ratio));
}

/**
 * What the operator should know before typing: range, step and default, in one short line
 * ("0 < x ≤ 1000 mbar · default 1e-5"); '' when the schema says none of it.
 */
export function constraintHint(schema: DataSchema): string {
  const parts: string[] = [];
  const bounds = range(schema);
  if (bounds) parts.push(bounds);
  if (schema.multipleOf !== undefined) parts.push(`steps of ${schema.multipleOf}`);
  if (schema.default !== undefined && fieldKind(schema) !== 'boolean') {
    parts.push(`default ${typeof schema.default === 'string' ? `“${schema.default}”` : JSON.stringify(schema.default)}`);
  }
  return parts.join(' · ');
}

/** A schema that admits no value but "nothing": null, an object with no properties allowed, or a oneOf/anyOf of those. */
export function takesNoInput(schema: DataSchema | undefined): boolean {
  if (!schema) return true;
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices && choices.length > 0) return choices.every((choice) => takesNoInput(choice));
  if (schema.type === 'null') return true;
  const emptyObject =
    (schema.type === 'object' || schema.properties !== undefined) &&
    Object.keys(schema.properties ?? {}).length === 0 &&
    schema['additionalProperties'] === false;
  return emptyObject;
}

/** What to send for an action that takes no input: null where the schema allows it, else {}. */
export function noInputValue(schema: DataSchema | undefined): unknown {
  if (!schema) return null;
  const choices = schema.oneOf ?? schema.anyOf;
  if (choices && choices.length > 0) return choices.some((choice) => choice.type === 'null') ? null : {};
  return schema.type === 'null' ? null : {};
}

/** Client-side check against the schema; the host checks again and may still refuse. */
export function checkDraft(schema: DataSchema, draft: Draft, required = true): Checked {
  const kind = fieldKind(schema);
  if (kind === 'boolean') return { ok: true, value: draft === true };
  const text = typeof draft === 'string' ? draft.trim() : '';
  if (text === '') {
    return required ? { ok: false, message: 'required' } : { ok: true, value: undefined };
  }
  if (kind === 'enum') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    return (schema.enum ?? []).some((option) => Object.is(option, value)) ? { ok: true, value } : { ok: false, message: 'not one of the choices' };
  }
  if (kind === 'number' || kind === 'integer') {
    const value = Number(text);
    if (!Number.isFinite(value)) return { ok: false, message: 'not a number' };
    if (kind === 'integer' && !Number.isInteger(value)) return { ok: false, message: 'must be a whole number' };
    const outside =
      (schema.minimum !== undefined && value < schema.minimum) ||
      (schema.maximum !== undefined && value > schema.maximum) ||
      (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) ||
      (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum);
    if (outside) return { ok: false, message: `out of range (${range(schema)})` };
    if (schema.multipleOf !== undefined && !isMultiple(value, schema.multipleOf)) {
      return { ok: false, message: `must be a multiple of ${schema.multipleOf}` };
    }
    return { ok: true, value };
  }
  if (kind === 'string') return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, message: 'not valid JSON' };
  }
}

export interface FormField {
  name: string;
  schema: DataSchema;
  required: boolean;
}

/**
 * An action's input as form fields: an object's properties, a single value as one field
 * named "value", nothing for no input.
 */
export function formFields(input: DataSchema | undefined): FormField[] {
  if (takesNoInput(input) || !input) return [];
  if (input.type === 'object' || input.properties) {
    const required = new Set(input.required ?? []);
    return Object.keys(input.properties ?? {}).flatMap((name) => {
      const schema = input.properties?.[name];
      return schema ? [{ name, schema, required: required.has(name) }] : [];
    });
  }
  if (input.type === 'null') return [];
  return [{ name: 'value', schema: input, required: true }];
}

/**
 * Where a refusal is shown: messages for the inputs it names go next to them (with a short
 * line under the form); one that names none of the form's inputs goes under the form whole.
 */
export function placeRefusal(
  error: { message: string; fields?: Record<string, string> },
  fields: readonly FormField[],
  what: string,
): { errors: Record<string, string>; formError: string } {
  const named = Object.entries(error.fields ?? {}).filter(([name]) => fields.some((field) => field.name === name));
  if (named.length === 0) return { errors: {}, formError: error.message };
  return { errors: Object.fromEntries(named), formError: `${what} refused the ${named.length === 1 ? 'input' : 'inputs'} marked above.` };
}

/** Builds the invoke input from the drafts, or the per-field errors. */
export function buildInput(
  input: DataSchema | undefined,
  drafts: Record<string, Draft>,
): { ok: true; value: unknown } | { ok: false; errors: Record<string, string> } {
  const fields = formFields(input);
  if (!input) return { ok: true, value: null };
  if (fields.length === 0) return { ok: true, value: takesNoInput(input) ? noInputValue(input) : input.type === 'object' ? {} : null };
  const errors: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    const checked = checkDraft(field.schema, drafts[field.name] ?? initialDraft(field.schema), field.required);
    if (!checked.ok) errors[field.name] = checked.message;
    else if (checked.value !== undefined) values[field.name] = checked.value;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const single = fields.length === 1 && fields[0]?.name === 'value' && input.type !== 'object' && !input.properties;
  return { ok: true, value: single ? values['value'] : values };
}
