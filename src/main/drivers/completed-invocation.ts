import type { Invocation } from '../../shared/model';

/**
 * An invocation that ended when it was requested: what a driver reports when the binding
 * gives no status resource to follow (an MQTT publish, a WoT action answered 200).
 */
export function completedInvocation(fields: {
  id: string;
  thing: string;
  action: string;
  input: unknown;
  output: unknown;
  /** ISO-8601 time of the request, also its start and end. */
  at: string;
}): Invocation {
  const { id, thing, action, input, output, at } = fields;
  return {
    id,
    thing,
    action,
    status: 'completed',
    progress: null,
    timeRequested: at,
    timeStarted: at,
    timeCompleted: at,
    input: input ?? null,
    output,
    log: [],
    error: null,
  };
}
