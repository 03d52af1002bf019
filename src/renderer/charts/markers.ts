import type { HistoryEvent } from '../../shared/history';
import type { Invocation } from '../../shared/model';

export type MarkerKind = 'action-start' | 'action-end' | 'action-failed' | 'action-cancelled' | 'write' | 'alarm';

/** Something that happened at one instant, drawn on a chart as a vertical mark with a label. */
export interface ChartMarker {
  /** Stable across sources, so the recorder's copy and the live one count once. */
  id: string;
  /** ms since the epoch, on the host's clock. */
  time: number;
  kind: MarkerKind;
  thing: string;
  label: string;
}

/** Which kind wins when several markers share one spot (the most serious is shown). */
const RANK: Record<MarkerKind, number> = {
  'action-failed': 5,
  alarm: 4,
  'action-cancelled': 3,
  write: 2,
  'action-end': 1,
  'action-start': 0,
};

type InvocationLike = Pick<Invocation, 'id' | 'thing' | 'action' | 'status' | 'timeStarted' | 'timeCompleted'> & {
  error?: { title: string } | null;
};

const endKind = (status: Invocation['status']): MarkerKind | undefined =>
  status === 'completed' ? 'action-end' : status === 'error' ? 'action-failed' : status === 'cancelled' ? 'action-cancelled' : undefined;

const endLabel = (invocation: InvocationLike): string => {
  if (invocation.status === 'error') return `${invocation.action} failed${invocation.error?.title ? `: ${invocation.error.title}` : ''}`;
  return `${invocation.action} ${invocation.status}`;
};

/** Start and end marks of invocations (as the store holds them). */
export function markersFromInvocations(invocations: Iterable<InvocationLike>, things: ReadonlySet<string>): ChartMarker[] {
  const markers: ChartMarker[] = [];
  for (const invocation of invocations) {
    if (!things.has(invocation.thing)) continue;
    const started = invocation.timeStarted === null ? Number.NaN : Date.parse(invocation.timeStarted);
    if (Number.isFinite(started)) {
      markers.push({ id: `${invocation.id}:start`, time: started, kind: 'action-start', thing: invocation.thing, label: `${invocation.action} started` });
    }
    const kind = endKind(invocation.status);
    const completed = invocation.timeCompleted === null ? Number.NaN : Date.parse(invocation.timeCompleted);
    if (kind && Number.isFinite(completed)) {
      markers.push({ id: `${invocation.id}:end`, time: completed, kind, thing: invocation.thing, label: endLabel(invocation) });
    }
  }
  return markers;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The invocation an action event's payload carries, in the live form ({invocation, newLog}) or bare. */
function invocationOf(detail: unknown): InvocationLike | undefined {
  const outer = record(detail);
  const inner = record(outer?.['invocation']) ?? outer;
  if (!inner) return undefined;
  const id = text(inner['id']);
  const action = text(inner['action']);
  const status = text(inner['status']);
  if (!id || !action || !status) return undefined;
  const error = record(inner['error']);
  return {
    id,
    thing: text(inner['thing']) ?? '',
    action,
    status: status as Invocation['status'],
    timeStarted: text(inner['timeStarted']) ?? null,
    timeCompleted: text(inner['timeCompleted']) ?? null,
    error: error && text(error['title']) ? { title: text(error['title']) ?? '' } : null,
  };
}

/** An alarm transition's one line: "high alarm active: temperature above 150 °C". */
export function alarmLabel(detail: unknown, fallback: string): string {
  const payload = record(detail);
  if (!payload) return fallback;
  const severity = text(payload['severity']);
  const state = text(payload['state']);
  const message = text(payload['message']);
  const property = text(payload['property']);
  const head = [severity, 'alarm', state].filter(Boolean).join(' ');
  const body = message ?? property;
  return body ? `${head}: ${body}` : head || fallback;
}

/** Marks from the recorder's timeline: action transitions, operator writes, alarm transitions. */
export function markersFromEvents(events: readonly HistoryEvent[]): ChartMarker[] {
  const markers: ChartMarker[] = [];
  for (const event of events) {
    const time = Date.parse(event.time);
    if (!Number.isFinite(time)) continue;
    if (event.kind === 'action') {
      const invocation = invocationOf(event.detail);
      if (!invocation) continue;
      const kind = invocation.status === 'running' ? 'action-start' : endKind(invocation.status);
      if (!kind) continue;
      const label = kind === 'action-start' ? `${invocation.action} started` : endLabel(invocation);
      // Log lines of a running invocation are events too: the invocation's own times place the marks.
      const own = Date.parse((kind === 'action-start' ? invocation.timeStarted : invocation.timeCompleted) ?? '');
      markers.push({ id: `${invocation.id}:${kind === 'action-start' ? 'start' : 'end'}`, time: Number.isFinite(own) ? own : time, kind, thing: event.thing, label });
    } else if (event.kind === 'write') {
      markers.push({ id: `write:${event.thing}:${time}`, time, kind: 'write', thing: event.thing, label: event.summary });
    } else if (event.kind === 'alarm') {
      markers.push({ id: `alarm:${event.id}`, time, kind: 'alarm', thing: event.thing, label: alarmLabel(event.detail, event.summary) });
    }
  }
  return markers;
}

/**
 * Several sources, each marker once: by id; and a write or alarm seen live counts once when
 * the recorder also holds one of the same kind on the same Thing within `slackMs`.
 */
export function mergeMarkers(sources: readonly (readonly ChartMarker[])[], slackMs = 3000): ChartMarker[] {
  const byId = new Map<string, ChartMarker>();
  const loose: ChartMarker[] = [];
  for (const source of sources) {
    for (const marker of source) {
      if (byId.has(marker.id)) continue;
      const matchedByTime = marker.kind === 'write' || marker.kind === 'alarm';
      if (matchedByTime && loose.some((seen) => seen.kind === marker.kind && seen.thing === marker.thing && Math.abs(seen.time - marker.time) <= slackMs)) continue;
      byId.set(marker.id, marker);
      if (matchedByTime) loose.push(marker);
    }
  }
  return [...byId.values()].sort((a, b) => a.time - b.time);
}

/** Markers that share a spot on screen: drawn as one, labelled with all. */
export interface PlacedMarker {
  /** Pixel position (CSS px from the plot's left edge). */
  x: number;
  kind: MarkerKind;
  markers: ChartMarker[];
  label: string;
}

/**
 * Places the markers inside [from, to] at their pixel column; markers closer than `minGapPx`
 * join the group before them (its kind is the most serious of the group).
 */
export function placeMarkers(
  markers: readonly ChartMarker[],
  from: number,
  to: number,
  toPx: (time: number) => number,
  minGapPx = 6,
): PlacedMarker[] {
  const placed: PlacedMarker[] = [];
  const inside = markers.filter((marker) => marker.time >= from && marker.time <= to).sort((a, b) => a.time - b.time);
  for (const marker of inside) {
    const x = toPx(marker.time);
    const previous = placed[placed.length - 1];
    if (previous && x - previous.x < minGapPx) {
      previous.markers.push(marker);
      if (RANK[marker.kind] > RANK[previous.kind]) previous.kind = marker.kind;
      previous.label = previous.markers.map(describe).join('\n');
      continue;
    }
    placed.push({ x, kind: marker.kind, markers: [marker], label: describe(marker) });
  }
  return placed;
}

const describe = (marker: ChartMarker): string => `${marker.thing}: ${marker.label}`;
