import type { Draft } from './schema-input';

/**
 * What the operator typed into each action form, kept while the app runs: switching to
 * another Thing and back unmounts the form, and its inputs must still be there. Bounded.
 */
const MAX_FORMS = 200;
const drafts = new Map<string, Record<string, Draft>>();

const formKey = (thing: string, action: string): string => `${thing}\u001f${action}`;

export function rememberedDrafts(thing: string, action: string): Record<string, Draft> | undefined {
  return drafts.get(formKey(thing, action));
}

export function rememberDrafts(thing: string, action: string, values: Record<string, Draft>): void {
  const key = formKey(thing, action);
  drafts.delete(key);
  drafts.set(key, values);
  const oldest = drafts.keys().next().value;
  if (drafts.size > MAX_FORMS && oldest !== undefined) drafts.delete(oldest);
}
