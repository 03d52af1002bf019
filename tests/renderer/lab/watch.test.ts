import { describe, expect, it } from 'vitest';
import { findProblems, keyProperties, rangeProblem, sameProblems, type WatchInput } from '../../../src/renderer/lab/watch';
import { liveKey } from '../../../src/renderer/store/keys';
import { SeriesRegistry } from '../../../src/renderer/store/series';
import type { Invocation, ThingDescription } from '../../../src/shared/model';

const td = (properties: ThingDescription['properties']): ThingDescription => ({
  '@context': 'https://www.w3.org/2022/wot/td/v1.1',
  title: 'T',
  properties,
  actions: {},
  securityDefinitions: {},
  security: [],
});
const number = (extra: Record<string, unknown> = {}) => ({ type: 'number' as const, forms: [], ...extra });
const thing = (name: string, status: 'connected' | 'disconnected' | 'connecting' = 'connected', reason?: string) => ({
  name,
  title: name,
  source: 'simulated' as const,
  connection: { status, reason, since: '2026-01-01T00:00:00Z' },
});
const invocation = (id: string, action: string, status: Invocation['status'], requested: string): Invocation => ({
  id,
  thing: 'psu',
  action,
  status,
  progress: null,
  timeRequested: requested,
  timeStarted: requested,
  timeCompleted: status === 'running' ? null : requested,
  input: null,
  output: null,
  log: [],
  error: status === 'error' ? { title: 'overcurrent' } : null,
});

const input = (overrides: Partial<WatchInput>): WatchInput => ({
  things: [],
  tds: {},
  live: {},
  invocations: {},
  acknowledged: {},
  linkUp: true,
  activity: () => ({ lastAt: undefined, interval: undefined }),
  ...overrides,
});

describe('watch: key values and problems', () => {
  it('shows pinned properties, else the first few readable numbers', () => {
    const description = td({ a: number(), b: { type: 'string', forms: [] }, c: number({ writeOnly: true }), d: number(), e: number(), f: number(), g: number() });
    expect(keyProperties(description, undefined)).toEqual(['a', 'd', 'e', 'f']);
    expect(keyProperties(description, ['b', 'c', 'zz'])).toEqual(['b']);
  });

  it('flags a disconnected Thing, a stalled stream, a value out of range and the latest failed run until acknowledged', () => {
    const now = 100_000;
    const tds = { thermo: td({ temperature: number({ readOnly: true, maximum: 200, unit: 'degC' }) }), psu: td({}) };
    const base = input({
      things: [thing('thermo'), thing('stage', 'disconnected', 'link lost'), thing('psu'), thing('quiet')],
      tds,
      live: { [liveKey('thermo', 'temperature')]: { value: 250, time: now, receivedAt: now, seq: 1 } },
      invocations: {
        old: invocation('old', 'sweep', 'error', '2026-01-01T00:00:00Z'),
        last: invocation('last', 'sweep', 'error', '2026-01-01T00:01:00Z'),
        other: invocation('other', 'reset', 'completed', '2026-01-01T00:02:00Z'),
      },
      activity: (name) =>
        name === 'thermo' ? { lastAt: now - 2500, interval: 100 } : name === 'quiet' ? { lastAt: now - 60_000, interval: undefined } : { lastAt: now, interval: 100 },
    });
    const problems = findProblems(base, now);
    expect(Object.keys(problems).sort()).toEqual(['psu', 'stage', 'thermo']);
    expect(problems['stage']?.map((p) => [p.kind, p.text])).toEqual([['disconnected', 'disconnected — link lost']]);
    expect(problems['thermo']?.map((p) => p.kind)).toEqual(['stalled', 'out-of-range']);
    expect(problems['thermo']?.[1]?.text).toBe('temperature above its maximum 200\u00a0°C: 250\u00a0°C');
    expect(problems['psu']?.map((p) => p.id)).toEqual(['psu:failed:last']);

    const acknowledged = findProblems({ ...base, acknowledged: { 'psu:failed:last': true } }, now);
    expect(acknowledged['psu']).toBeUndefined();
    expect(sameProblems(problems, findProblems(base, now))).toBe(true);
    expect(sameProblems(problems, acknowledged)).toBe(false);
    // While the link to Lab Monitor is down nothing is known, so nothing is flagged.
    expect(findProblems({ ...base, linkUp: false }, now)).toEqual({});
  });

  it('range check reads the schema', () => {
    expect(rangeProblem(-1, number({ minimum: 0 }))).toMatch(/below its minimum/);
    expect(rangeProblem(5, number({ minimum: 0, maximum: 10 }))).toBeUndefined();
    expect(rangeProblem('x', number({ maximum: 1 }))).toBeUndefined();
  });
});

describe('series store: rate, listeners, activity', () => {
  it('measures received and offered updates per second from the sequence numbers', () => {
    const series = new SeriesRegistry(100);
    const key = liveKey('psu', 'voltage');
    // 20 arrivals over 1.9 s, each carrying 5 sequence steps: 10/s shown of 50/s published.
    for (let i = 0; i < 20; i += 1) series.record(key, i, 1000 + i * 100, { time: 1000 + i * 100, seq: 1 + i * 5 });
    const rate = series.rate(key, 3000);
    expect(rate?.received).toBeCloseTo(10, 5);
    expect(rate?.offered).toBeCloseTo(50, 5);
    expect(rate?.lost).toBeCloseTo(40, 5);
    expect(series.rate(key, 60_000)).toEqual({ received: 0, offered: 0, lost: 0 });
  });

  it('hands numeric samples and gaps to listeners on the host clock, and knows each Thing\'s activity', () => {
    const series = new SeriesRegistry(100);
    const seen: [number, number][] = [];
    const stop = series.listen(liveKey('thermo', 'temperature'), (time, value) => seen.push([time, value]));
    series.record(liveKey('thermo', 'temperature'), 21, 1050, { time: 1000, seq: 1 });
    series.record(liveKey('thermo', 'temperature'), 'not a number', 1150, { time: 1100, seq: 2 });
    series.markGap('thermo', 1250);
    stop();
    series.record(liveKey('thermo', 'temperature'), 22, 1350, { time: 1300, seq: 3 });
    expect(seen).toEqual([
      [1000, 21],
      [1200, Number.NaN],
    ]);
    expect(series.hostTime(2050)).toBe(2000);
    expect(series.thingActivity('thermo').lastAt).toBe(1350);
  });
});
