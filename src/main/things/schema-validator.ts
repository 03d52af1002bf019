import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { DataSchema } from '../../shared/model';

/**
 * One Ajv instance for every Thing: schemas are compiled once, when an affordance is
 * defined. Strict mode stays on so a typo in an instrument's schema fails at start-up;
 * TD-only annotations are registered as known keywords.
 */
// useDefaults fills action inputs' schema defaults (callers pass a copy).
const ajv = new Ajv({ strict: true, allErrors: false, useDefaults: true });
ajv.addVocabulary(['unit', 'observable', 'forms']);

export type Validator<T> = ValidateFunction<T>;

export function compileSchema<T>(schema: DataSchema): Validator<T> {
  return ajv.compile<T>(schema);
}

/** `setpoint: must be <= 200 (maximum)`; nested paths read `moveTo input.x: ...`. */
export function describeValidationError(subject: string, errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return `${subject}: invalid value`;
  const path = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '';
  const where = path ? `${subject}.${path}` : subject;
  let message = first.message ?? 'is invalid';
  const allowed: unknown = first.params['allowedValues'];
  const limit: unknown = first.params['limit'];
  const property: unknown = first.params['additionalProperty'] ?? first.params['missingProperty'];
  // Ajv's wording for these reads like a spec; say what the operator has to change.
  if (first.keyword === 'enum' && Array.isArray(allowed)) {
    message = `must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
  } else if (first.keyword === 'minProperties' && typeof limit === 'number') {
    message = `give at least ${limit} ${limit === 1 ? 'value' : 'values'}`;
  } else if (first.keyword === 'additionalProperties' && typeof property === 'string') {
    message = `has no field "${property}"`;
  } else if (first.keyword === 'required' && typeof property === 'string') {
    message = `"${property}" is required`;
  }
  return `${where}: ${message} (${first.keyword})`;
}

/** The top-level inputs the errors name (`/x` → x, a missing "x" → x), for showing next to each input. */
export function fieldsOfErrors(errors: ErrorObject[] | null | undefined): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const error of errors ?? []) {
    const missing: unknown = error.params['missingProperty'];
    const name = error.instancePath ? error.instancePath.split('/')[1] : typeof missing === 'string' ? missing : undefined;
    if (!name || fields[name]) continue;
    fields[name] = describeValidationError(name, [error]).replace(/^[^:]*: /, '');
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}
