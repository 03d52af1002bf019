import { describe, expect, it } from 'vitest';
import { markersFromEvents, markersFromInvocations, mergeMarkers, placeMarkers, type ChartMarker } from '../../../src/renderer/charts/markers';

const iso = (ms: number) => new Date(ms).toISOString();
const invocation = (id: string, status: 'running' | 'completed' | 'error' | 'cancelled', started: number, completed: number | null) => ({
  id,
  thing: 'thermo',
  action: 'rampTo',
  status,
  timeStarted: iso(started),
  timeCompleted: completed === null ? null : iso(completed),
  error: status === 'error' ? { title: 'heater fault' } : null,
});

describe('markers', () => {
  it('marks action start, end and failure of the charted Things only', () => {
    const markers = markersFromInvocations(
      [invocation('a', 'completed', 1000, 5000), invocation('b', 'error', 6000, 7000), invocation('c', 'running', 8000, null), { ...invocation('d', 'completed', 1, 2), thing: 'stage' }],
      new Set(['thermo']),
    );
    expect(markers.map((marker) => [marker.id, marker.kind, marker.time])).toEqual([
      ['a:start', 'action-start', 1000],
      ['a:end', 'action-end', 5000],
      ['b:start', 'action-start', 6000],
      ['b:end', 'action-failed', 7000],
      ['c:start', 'action-start', 8000],
    ]);
    expect(markers[3]?.label).toBe('rampTo failed: heater fault');
  });

  it('reads the recorder timeline: actions, writes and alarms; the live copy of the same mark counts once', () => {
    const events = markersFromEvents([
      { id: '1', time: iso(1000), thing: 'thermo', kind: 'action', affordance: 'rampTo', summary: 'rampTo running', detail: { invocation: invocation('a', 'running', 1000, null), newLog: [] } },
      { id: '1b', time: iso(3000), thing: 'thermo', kind: 'action', affordance: 'rampTo', summary: 'rampTo: 50 %', detail: { invocation: invocation('a', 'running', 1000, null), newLog: [] } },
      { id: '2', time: iso(5000), thing: 'thermo', kind: 'action', affordance: 'rampTo', summary: 'rampTo completed', detail: invocation('a', 'completed', 1000, 5000) },
      { id: '3', time: iso(5500), thing: 'thermo', kind: 'write', affordance: 'setpoint', summary: 'setpoint ← 30 °C by operator', detail: { value: 30 } },
      { id: '4', time: iso(6000), thing: 'thermo', kind: 'alarm', affordance: '$alarm', summary: 'alarm', detail: { severity: 'high', state: 'active', message: 'temperature above 150 °C', property: 'temperature' } },
      { id: '5', time: iso(6500), thing: 'thermo', kind: 'property', affordance: 'temperature', summary: 'temperature = 1', detail: 1 },
    ]);
    expect(events.map((marker) => marker.kind)).toEqual(['action-start', 'action-start', 'action-end', 'write', 'alarm']);
    // A log line while running is placed at the start, not at its own time.
    expect(events[1]?.time).toBe(1000);
    expect(events[4]?.label).toBe('high alarm active: temperature above 150 °C');
    const live = markersFromInvocations([invocation('a', 'completed', 1000, 5000)], new Set(['thermo']));
    const localWrite: ChartMarker = { id: 'local', time: 5400, kind: 'write', thing: 'thermo', label: 'setpoint ← 30 °C' };
    const merged = mergeMarkers([events, live, [localWrite]]);
    expect(merged.map((marker) => marker.id)).toEqual(['a:start', 'a:end', 'write:thermo:5500', 'alarm:4']);
  });

  it('places markers at their pixel column inside the window, joining close ones under the most serious kind', () => {
    const at = (id: string, time: number, kind: ChartMarker['kind']): ChartMarker => ({ id, time, kind, thing: 'thermo', label: id });
    const placed = placeMarkers([at('outside', -10, 'write'), at('s', 100, 'action-start'), at('f', 102, 'action-failed'), at('w', 500, 'write'), at('late', 2000, 'write')], 0, 1000, (time) => time / 2);
    expect(placed.map((marker) => [marker.x, marker.kind, marker.markers.length])).toEqual([
      [50, 'action-failed', 2],
      [250, 'write', 1],
    ]);
    expect(placed[0]?.label).toBe('thermo: s\nthermo: f');
  });
});
