import { describe, expect, it, vi } from 'vitest';
import { makeAlarms, useAlarmTestClock } from './harness';
import { Message } from '../../../../src/main/core/message';

type Harness = Awaited<ReturnType<typeof makeAlarms>>;
let h: Harness | undefined;

useAlarmTestClock();

const threshold = (extra: Record<string, unknown> = {}) => ({ id: 'v', kind: 'threshold' as const, property: 'voltage', hi: 10, hihi: 20, ...extra });

describe('AlarmService: thresholds', () => {
  it('raises at the limit and clears only a deadband inside it', async () => {
    h = await makeAlarms({ rules: { psu: [threshold({ deadband: 1 })] } });
    h.value('psu', 'voltage', 5);
    expect(h.alarm('psu/v').state).toBe('normal');
    h.value('psu', 'voltage', 10);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'unacknowledged', severity: 'minor', value: 10 });
    expect(h.alarm('psu/v').message).toContain('HI 10');
    // Inside the limit but within the deadband: still active, no chatter.
    h.value('psu', 'voltage', 9.5);
    h.value('psu', 'voltage', 10.2);
    h.value('psu', 'voltage', 9.1);
    expect(h.alarm('psu/v').current).toBe('minor');
    expect(h.events()).toEqual(['raised:unacknowledged']);
    h.value('psu', 'voltage', 8.9);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'returned', current: null, severity: 'minor' });
    expect(h.events()).toEqual(['raised:unacknowledged', 'returned:returned']);
  });

  it('low limits work the same way downwards, LOLO is major', async () => {
    h = await makeAlarms({ rules: { psu: [{ id: 'low', kind: 'threshold', property: 'voltage', lo: 2, lolo: 1, deadband: 0.5 }] } });
    h.value('psu', 'voltage', 1.5);
    expect(h.alarm('psu/low')).toMatchObject({ severity: 'minor', state: 'unacknowledged' });
    h.value('psu', 'voltage', 0.5);
    expect(h.alarm('psu/low')).toMatchObject({ severity: 'major', state: 'unacknowledged' });
    expect(h.notifications.map((n) => n.severity)).toEqual(['major']);
    h.value('psu', 'voltage', 1.4); // within LOLO's deadband
    expect(h.alarm('psu/low').current).toBe('major');
    h.value('psu', 'voltage', 1.6);
    expect(h.alarm('psu/low').current).toBe('minor');
  });

  it('waits for the delay before raising; a shorter excursion raises nothing', async () => {
    h = await makeAlarms({ rules: { psu: [threshold({ delaySec: 2 })] } });
    h.value('psu', 'voltage', 12);
    await vi.advanceTimersByTimeAsync(1500);
    h.value('psu', 'voltage', 5);
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.alarm('psu/v').state).toBe('normal');
    expect(h.events()).toEqual([]);

    h.value('psu', 'voltage', 12);
    await vi.advanceTimersByTimeAsync(1000);
    h.value('psu', 'voltage', 13);
    await vi.advanceTimersByTimeAsync(999);
    expect(h.alarm('psu/v').state).toBe('normal');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'unacknowledged', severity: 'minor', value: 12 });
    expect(h.transitions[0]?.time).toBe('2026-03-01T10:00:08.500Z');
    // Escalation waits for the delay too; lowering is at once.
    h.value('psu', 'voltage', 25);
    await vi.advanceTimersByTimeAsync(1999);
    expect(h.alarm('psu/v').severity).toBe('minor');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.alarm('psu/v').severity).toBe('major');
  });

  it('latches to the highest severity until acknowledged; a non-latching alarm follows the value', async () => {
    h = await makeAlarms({ rules: { psu: [threshold(), threshold({ id: 'free', latch: false })] } });
    h.value('psu', 'voltage', 15);
    h.value('psu', 'voltage', 25);
    h.value('psu', 'voltage', 15);
    expect(h.alarm('psu/v')).toMatchObject({ severity: 'major', current: 'minor' });
    expect(h.alarm('psu/free')).toMatchObject({ severity: 'minor', current: 'minor' });
    h.value('psu', 'voltage', 5);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'returned', severity: 'major' });
    expect(h.alarm('psu/free')).toMatchObject({ state: 'normal', severity: null });
    expect(h.service.snapshot().counts).toMatchObject({ major: 1, unacknowledged: 1 });
    expect(h.service.acknowledge(['psu/v'], 'anna', 'checked the load')).toBe(1);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'normal', severity: null });
    expect(h.transitions.at(-1)).toMatchObject({ event: 'acknowledged', state: 'normal', severity: 'major', by: 'anna', note: 'checked the load' });
    expect(h.service.snapshot().counts).toMatchObject({ major: 0, unacknowledged: 0 });
  });
});

describe('AlarmService: acknowledge, shelve, disable', () => {
  it('acknowledging keeps who, when and the note; the alarm clears when the value does; worse makes it unacknowledged again', async () => {
    h = await makeAlarms({ rules: { psu: [threshold()] } });
    h.value('psu', 'voltage', 15);
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.service.acknowledge(['psu/v'], 'ben', 'known')).toBe(1);
    expect(h.service.acknowledge(['psu/v'], 'ben')).toBe(0);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'acknowledged', acknowledged: { by: 'ben', at: '2026-03-01T10:00:03.000Z', note: 'known' } });
    const transition = h.transitions.at(-1);
    expect(transition).toMatchObject({ id: 'psu/v', rule: 'v', property: 'voltage', severity: 'minor', state: 'acknowledged', by: 'ben', note: 'known' });
    expect(Date.parse(transition?.time ?? '')).toBe(Date.parse('2026-03-01T10:00:03Z'));
    h.value('psu', 'voltage', 21);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'unacknowledged', severity: 'major', acknowledged: null });
    h.service.acknowledge(['psu/v'], 'ben');
    h.value('psu', 'voltage', 1);
    expect(h.alarm('psu/v').state).toBe('normal');
    expect(h.events()).toEqual(['raised:unacknowledged', 'acknowledged:acknowledged', 'escalated:unacknowledged', 'acknowledged:acknowledged', 'cleared:normal']);
    expect(() => h?.service.acknowledge(['psu/nope'], 'ben')).toThrow(/no alarm/);
  });

  it('a shelved alarm is not annunciated and comes back by itself when its time is up', async () => {
    h = await makeAlarms({ rules: { psu: [threshold()] } });
    h.value('psu', 'voltage', 25);
    expect(h.notifications).toHaveLength(1);
    h.service.shelve('psu/v', 60, 'maintenance on the load', 'carla');
    expect(h.alarm('psu/v')).toMatchObject({ state: 'shelved', shelved: { by: 'carla', reason: 'maintenance on the load', until: '2026-03-01T10:01:00.000Z' } });
    expect(h.service.snapshot().counts).toMatchObject({ major: 0, unacknowledged: 0, shelved: 1 });
    h.value('psu', 'voltage', 5);
    h.value('psu', 'voltage', 30);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(h.alarm('psu/v').state).toBe('shelved');
    expect(h.notifications).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'unacknowledged', severity: 'major', shelved: null });
    expect(h.transitions.at(-1)).toMatchObject({ event: 'unshelved', by: 'system' });
    expect(h.notifications).toHaveLength(2);

    // Shelved while active, back after the condition cleared: normal.
    h.service.shelve('psu/v', 10, 'again', 'carla');
    h.value('psu', 'voltage', 5);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.alarm('psu/v').state).toBe('normal');
  });

  it('a disabled rule is not evaluated until enabled, and enabling looks at the current value', async () => {
    h = await makeAlarms({ rules: { psu: [threshold()] } });
    await h.service.disable('psu/v', 'dora', 'sensor replaced');
    h.value('psu', 'voltage', 25);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'disabled', disabled: { by: 'dora', reason: 'sensor replaced' } });
    expect(h.service.getRules('psu').rules[0]?.enabled).toBe(false);
    await h.service.enable('psu/v', 'dora');
    expect(h.alarm('psu/v')).toMatchObject({ state: 'unacknowledged', severity: 'major' });
    expect(h.events()).toEqual(['disabled:disabled', 'enabled:normal', 'raised:unacknowledged']);
  });
});

describe('AlarmService: stale, disconnected, failed actions, equality', () => {
  it('raises an invalid alarm when a property stops updating, and returns when it updates again', async () => {
    h = await makeAlarms({ rules: { spectrometer: [{ id: 'stale', kind: 'stale', property: 'spectrum', afterSec: 2 }] } });
    for (let i = 0; i < 10; i++) {
      h.value('spectrometer', 'spectrum', [i]);
      await vi.advanceTimersByTimeAsync(100);
    }
    const lastUpdate = Date.now() - 100;
    await vi.advanceTimersByTimeAsync(1899);
    expect(h.alarm('spectrometer/stale').state).toBe('normal');
    await vi.advanceTimersByTimeAsync(1);
    const alarm = h.alarm('spectrometer/stale');
    expect(alarm).toMatchObject({ state: 'unacknowledged', severity: 'invalid' });
    expect(Date.parse(String(alarm.value))).toBe(lastUpdate);
    expect(Date.parse(alarm.raisedAt ?? '') - lastUpdate).toBe(2000);
    expect(alarm.message).toContain('no update of spectrum for 2 s');
    expect(h.notifications[0]).toMatchObject({ id: 'spectrometer/stale', severity: 'invalid' });
    h.value('spectrometer', 'spectrum', [99]);
    expect(h.alarm('spectrometer/stale')).toMatchObject({ state: 'returned', current: null });
    // And again, after another silence.
    h.service.acknowledge(['spectrometer/stale'], 'ed');
    await vi.advanceTimersByTimeAsync(2000);
    expect(h.alarm('spectrometer/stale').state).toBe('unacknowledged');
  });

  it('stale rules wait while the Thing is disconnected (that is its own alarm)', async () => {
    h = await makeAlarms({ rules: { thermo: [{ id: 'stale', kind: 'stale', property: '*', afterSec: 1 }, { id: 'disconnected', kind: 'disconnected' }] } });
    h.connection('thermo', 'connected');
    h.value('thermo', 'temperature', 20);
    h.connection('thermo', 'disconnected', 'simulated link drop');
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.alarm('thermo/stale').state).toBe('normal');
    expect(h.alarm('thermo/disconnected')).toMatchObject({ state: 'unacknowledged', severity: 'invalid' });
    expect(h.alarm('thermo/disconnected').message).toContain('simulated link drop');
    h.connection('thermo', 'connecting');
    expect(h.alarm('thermo/disconnected').current).toBe('invalid');
    h.connection('thermo', 'connected');
    expect(h.alarm('thermo/disconnected')).toMatchObject({ state: 'returned' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.alarm('thermo/stale').state).toBe('unacknowledged');
  });

  it('a failed action raises its alarm; a later success of the same action clears it', async () => {
    h = await makeAlarms({ rules: { psu: [{ id: 'sweep', kind: 'action-failed', action: 'sweep', severity: 'major' }] } });
    const invocation = (status: string) => ({
      invocation: { id: 'i1', thing: 'psu', action: 'sweep', status, progress: null, timeRequested: '', timeStarted: null, timeCompleted: null, input: null, output: null, error: status === 'error' ? { title: 'simulated instrument fault' } : null },
      newLog: [],
    });
    h.broker.publish(new Message({ thing: 'psu', affordance: 'other', messageType: 'action', payload: invocation('error') }));
    expect(h.alarm('psu/sweep').state).toBe('normal');
    h.broker.publish(new Message({ thing: 'psu', affordance: 'sweep', messageType: 'action', payload: invocation('running') }));
    h.broker.publish(new Message({ thing: 'psu', affordance: 'sweep', messageType: 'action', payload: invocation('error') }));
    expect(h.alarm('psu/sweep')).toMatchObject({ state: 'unacknowledged', severity: 'major', message: 'sweep failed: simulated instrument fault' });
    expect(h.notifications[0]?.body).toBe('sweep failed: simulated instrument fault');
    h.broker.publish(new Message({ thing: 'psu', affordance: 'sweep', messageType: 'action', payload: invocation('completed') }));
    expect(h.alarm('psu/sweep').state).toBe('returned');
  });

  it('equality rules on booleans and enums', async () => {
    h = await makeAlarms({ rules: { spectrometer: [{ id: 'sat', kind: 'equals', property: 'saturated', value: true, severity: 'minor' }] } });
    h.value('spectrometer', 'saturated', false);
    expect(h.alarm('spectrometer/sat').state).toBe('normal');
    h.value('spectrometer', 'saturated', true);
    h.value('spectrometer', 'saturated', true);
    expect(h.alarm('spectrometer/sat')).toMatchObject({ state: 'unacknowledged', severity: 'minor', message: 'saturated is true' });
    h.value('spectrometer', 'saturated', false);
    expect(h.events()).toEqual(['raised:unacknowledged', 'returned:returned']);
  });

  it('every Thing has the default rules until rules are saved; the snapshot ranks unacknowledged and severe first', async () => {
    h = await makeAlarms({ rules: { psu: [threshold()] } });
    h.value('psu', 'voltage', 15);
    h.connection('thermo', 'disconnected');
    expect(h.service.getRules('thermo')).toMatchObject({ source: 'default', rules: [{ kind: 'disconnected' }, { kind: 'action-failed', action: '*' }] });
    await vi.advanceTimersByTimeAsync(0);
    const snapshot = h.service.snapshot();
    expect(snapshot.alarms.map((alarm) => alarm.id)).toEqual(['thermo/disconnected', 'psu/v']);
    expect(snapshot.things).toEqual({ thermo: 'invalid', psu: 'minor' });
    expect(snapshot.counts).toMatchObject({ invalid: 1, minor: 1, unacknowledged: 2 });
  });

  it('refuses bad rules with a clear error and keeps the old ones', async () => {
    h = await makeAlarms({ rules: { psu: [threshold()] } });
    await expect(h.service.setRules('psu', [{ id: 'x', kind: 'threshold', property: 'voltage', hi: 5, hihi: 1 }], 'me')).rejects.toThrow(/ordered/);
    await expect(h.service.setRules('psu', [threshold(), threshold()], 'me')).rejects.toThrow(/unique/);
    expect(h.service.getRules('psu').rules).toHaveLength(1);
  });

  it('suggests limits from the schema and a stale limit from the observed rate', async () => {
    h = await makeAlarms();
    for (let i = 0; i < 20; i++) {
      h.value('psu', 'voltage', 5);
      await vi.advanceTimersByTimeAsync(200);
    }
    const suggestion = h.service.suggest('psu', 'voltage');
    expect(suggestion).toMatchObject({ observedHz: 5, staleAfterSec: 2, hi: 5.5, lo: 4.5, hihi: 6, lolo: 4, lastValue: 5 });
    expect(h.service.suggest('psu', 'unknown')).toMatchObject({ staleAfterSec: 10 });
  });
});

describe('AlarmService: Things coming and going', () => {
  it('a removed instrument takes its alarms along and gets its rules back when added again', async () => {
    h = await makeAlarms();
    const list = (names: string[]) =>
      h?.broker.publish(
        new Message({
          thing: '$lab',
          affordance: 'things',
          messageType: 'property',
          payload: names.map((name) => ({ name, title: name, source: 'wot', connection: { status: 'connected', since: '2026-03-01T10:00:00Z' } })),
        }),
      );
    list(['remote']);
    await h.service.setRules('remote', [{ id: 'v', kind: 'threshold', property: 'voltage', hi: 1 }], 'op');
    h.value('remote', 'voltage', 2);
    expect(h.service.snapshot().counts.minor).toBe(1);
    list([]);
    expect(h.service.snapshot().counts.minor).toBe(0);
    expect(() => h?.service.list('remote')).toThrow(/no Thing/);
    list(['remote']);
    expect(h.service.getRules('remote').rules.map((rule) => rule.id)).toEqual(['v']);
    expect(h.alarm('remote/v').state).toBe('normal');
  });
});
