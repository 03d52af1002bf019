import type { Invocation, PropertyAffordance, ThingDescription, ThingSummary } from '../../shared/model';
import { liveKey } from '../store/keys';
import type { LiveValue } from '../store/live-slice';
import type { ThingProblem } from '../store/watch-slice';
import { formatNumber, unitSymbol } from '../ui/format';

/** Tiles show this many values unless the operator pins more. */
export const KEY_PROPERTIES = 4;

export const isNumeric = (affordance: PropertyAffordance | undefined): boolean => affordance?.type === 'number' || affordance?.type === 'integer';
export const isReadable = (affordance: PropertyAffordance | undefined): boolean => affordance !== undefined && affordance.writeOnly !== true;

/** A Thing's key values: the ones pinned, else its first few readable numeric properties. */
export function keyProperties(td: ThingDescription | undefined, pinned: readonly string[] | undefined): string[] {
  if (!td) return [];
  const known = (name: string) => isReadable(td.properties[name]);
  if (pinned && pinned.length > 0) return pinned.filter(known);
  return Object.keys(td.properties)
    .filter((name) => known(name) && isNumeric(td.properties[name]))
    .slice(0, KEY_PROPERTIES);
}

/** What problem detection reads; a subset of the store plus the series registry. */
export interface WatchInput {
  things: readonly ThingSummary[];
  tds: Readonly<Record<string, ThingDescription>>;
  live: Readonly<Record<string, LiveValue>>;
  invocations: Readonly<Record<string, Invocation>>;
  acknowledged: Readonly<Record<string, true>>;
  /** False while this window's link to Lab Monitor is down: nothing is known, nothing is flagged. */
  linkUp: boolean;
  /** When anything of the Thing last arrived, and its fastest usual update interval. */
  activity: (thing: string) => { lastAt: number | undefined; interval: number | undefined };
}

/** A Thing whose stream went quiet for this many of its usual intervals (and at least STALL_MIN_MS) is stalled. */
export const STALL_INTERVALS = 5;
export const STALL_MIN_MS = 2000;

/** Out of the schema's range: the text saying so, or undefined. */
export function rangeProblem(value: unknown, affordance: PropertyAffordance): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const unit = unitSymbol(affordance.unit);
  const shown = (n: number) => `${formatNumber(n, affordance)}${unit ? `\u00a0${unit}` : ''}`;
  if (affordance.minimum !== undefined && value < affordance.minimum) return `below its minimum ${shown(affordance.minimum)}: ${shown(value)}`;
  if (affordance.maximum !== undefined && value > affordance.maximum) return `above its maximum ${shown(affordance.maximum)}: ${shown(value)}`;
  return undefined;
}

/**
 * Everything wrong, by Thing: not connected, stalled (a value that updates regularly stopped
 * while the Thing says it is connected), the latest run of an action failed (until
 * acknowledged or run again), a value outside its schema's range.
 */
export function findProblems(input: WatchInput, now: number): Record<string, ThingProblem[]> {
  const result: Record<string, ThingProblem[]> = {};
  if (!input.linkUp) return result;
  const latest = new Map<string, Invocation>();
  for (const invocation of Object.values(input.invocations)) {
    const key = `${invocation.thing}/${invocation.action}`;
    const seen = latest.get(key);
    if (!seen || Date.parse(invocation.timeRequested) >= Date.parse(seen.timeRequested)) latest.set(key, invocation);
  }
  for (const thing of input.things) {
    const problems: ThingProblem[] = [];
    const status = thing.connection.status;
    if (status !== 'connected') {
      problems.push({
        id: `${thing.name}:connection`,
        kind: status === 'disconnected' ? 'disconnected' : 'connecting',
        text: `${status}${thing.connection.reason ? ` — ${thing.connection.reason}` : ''}`,
      });
    }
    // Stalled: the Thing says it is connected but its whole stream went quiet (a value that
    // merely holds still, published on change only, is not a stall: the others still move).
    const { lastAt, interval } = input.activity(thing.name);
    if (status === 'connected' && lastAt !== undefined && interval !== undefined) {
      const silent = now - lastAt;
      if (silent > Math.max(STALL_MIN_MS, STALL_INTERVALS * interval)) {
        problems.push({ id: `${thing.name}:stalled`, kind: 'stalled', text: `stalled — no update for ${Math.round(silent / 1000)} s` });
      }
    }
    const td = input.tds[thing.name];
    if (td) {
      for (const [name, affordance] of Object.entries(td.properties)) {
        const key = liveKey(thing.name, name);
        const live = input.live[key];
        const range = live ? rangeProblem(live.value, affordance) : undefined;
        if (range) problems.push({ id: `${thing.name}:range:${name}`, kind: 'out-of-range', affordance: name, text: `${affordance.title ?? name} ${range}` });
      }
    }
    for (const invocation of latest.values()) {
      if (invocation.thing !== thing.name || invocation.status !== 'error') continue;
      const id = `${thing.name}:failed:${invocation.id}`;
      if (input.acknowledged[id]) continue;
      problems.push({
        id,
        kind: 'action-failed',
        affordance: invocation.action,
        text: `${invocation.action} failed${invocation.error ? `: ${invocation.error.title}` : ''}`,
      });
    }
    if (problems.length > 0) result[thing.name] = problems;
  }
  return result;
}

/** Same problems (ids and texts), so an unchanged state causes no store update. */
export function sameProblems(a: Record<string, ThingProblem[]>, b: Record<string, ThingProblem[]>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const left = a[key] ?? [];
    const right = b[key] ?? [];
    return left.length === right.length && left.every((problem, index) => problem.id === right[index]?.id && problem.text === right[index]?.text);
  });
}
