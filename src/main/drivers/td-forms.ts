import type { DataSchema, Form, ThingDescription } from '../../shared/model';

const opsOf = (form: Form): string[] => (form.op === undefined ? [] : Array.isArray(form.op) ? form.op : [form.op]);

/** The first form for an operation; forms without `op` count as the affordance's default. */
export function findForm(forms: readonly Form[], op: string, accept: (form: Form) => boolean = () => true): Form | undefined {
  return forms.find((form) => opsOf(form).includes(op) && accept(form)) ?? forms.find((form) => form.op === undefined && accept(form));
}

/** A light check of JSON types against the TD, enough to refuse garbage from a server. */
export function matchesSchemaType(schema: DataSchema | undefined, value: unknown): boolean {
  if (!schema?.type || value === null) return true;
  switch (schema.type) {
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    case 'null':
      return true;
  }
}

/**
 * labthings-fastapi TDs: every form href is a `/<thing>/<affordance>` path relative to an
 * http `base`, with no subprotocol or method hints.
 */
export function looksLikeLabThings(td: ThingDescription): boolean {
  const forms = [...Object.values(td.properties), ...Object.values(td.actions)].flatMap((affordance) => affordance.forms);
  if (!td.base || !/^https?:/.test(td.base) || forms.length === 0) return false;
  return forms.every(
    (form) => /^\/[^/]+\/[^/]+$/.test(form.href) && form.subprotocol === undefined && form['htv:methodName'] === undefined,
  );
}
