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

/** Why a form's href cannot be used by an HTTP driver, or undefined when it can. */
export function hrefProblem(href: string, base: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return `"${href.slice(0, 60)}" is not a valid URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} hrefs are refused`;
  return undefined;
}

/**
 * The TD with the forms an HTTP driver must not follow taken out: hrefs that are not valid
 * URLs or not http(s) (`data:`, `javascript:`, `file:`…). Each affordance that lost a form
 * says why in `problem`, so the reason shows there and the rest of the Thing keeps working.
 * The TD given is not changed.
 */
export function withSafeForms(td: ThingDescription, base: string): { td: ThingDescription; refused: string[] } {
  const refused: string[] = [];
  const vet = <A extends { forms: Form[]; problem?: string }>(name: string, affordance: A): A => {
    const reasons: string[] = [];
    const forms = affordance.forms.filter((form) => {
      const problem = hrefProblem(form.href, base);
      if (problem !== undefined) reasons.push(problem);
      return problem === undefined;
    });
    if (reasons.length === 0) return affordance;
    const problem = `${reasons.length === 1 ? 'a form was' : `${reasons.length} forms were`} refused: ${[...new Set(reasons)].join('; ')}`;
    refused.push(`${name}: ${problem}`);
    return { ...affordance, forms, problem };
  };
  const properties = Object.fromEntries(Object.entries(td.properties).map(([name, affordance]) => [name, vet(name, affordance)]));
  const actions = Object.fromEntries(Object.entries(td.actions).map(([name, affordance]) => [name, vet(name, affordance)]));
  const forms = td.forms?.filter((form) => {
    const problem = hrefProblem(form.href, base);
    if (problem !== undefined) refused.push(`Thing-level form: ${problem}`);
    return problem === undefined;
  });
  return { td: { ...td, properties, actions, ...(forms ? { forms } : {}) }, refused };
}
