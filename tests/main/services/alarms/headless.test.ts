import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveBatch } from '../../../../src/shared/contract';
import { ALARMS_STATE_AFFORDANCE, ALARMS_THING, type AlarmSnapshot, type AlarmTransition } from '../../../../src/shared/alarms';
import { ALARM_AFFORDANCE } from '../../../../src/shared/model';
import { createLabCore, type LabCore } from '../../../../src/main/app/lab-core';
import { silentLogger } from '../../../../src/main/core/logger';
import { AlarmService, type AlarmNotification } from '../../../../src/main/services/alarms';
import type { MessageSendStream } from '../../../../src/main/core/streams';
import { tempDir } from './harness';

let core: LabCore | undefined;
afterEach(async () => {
  await core?.dispose();
  core = undefined;
});

const until = async (check: () => boolean, ms = 8000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

async function start(rules: object[]) {
  const dataDir = tempDir();
  mkdirSync(join(dataDir, 'alarms'));
  writeFileSync(join(dataDir, 'alarms', 'psu.json'), JSON.stringify({ version: 1, thing: 'psu', rules }));
  const notifications: AlarmNotification[] = [];
  let alarms: AlarmService | undefined;
  core = await createLabCore({
    logger: silentLogger,
    instruments: false,
    dataDir,
    instrumentConfig: { seed: 3, instruments: [{ kind: 'psu', updateHz: 20, faults: { spikes: { probability: 0.2 }, actionFailure: { probability: 1 } } }] },
    services: (context) => {
      alarms = new AlarmService(context);
      alarms.onNotify((notification) => notifications.push(notification));
      return [alarms];
    },
  });
  const transitions: AlarmTransition[] = [];
  const sink: MessageSendStream = { sendNowait: (message) => void (message.affordance === ALARM_AFFORDANCE && transitions.push(message.payload as AlarmTransition)) };
  const stop = core.broker.subscribe('psu', ALARM_AFFORDANCE, sink);
  return { core, notifications, transitions, alarms: alarms as AlarmService, sink, stop };
}

describe('the alarm service in the main process', () => {
  it('evaluates rules from the data folder with no window open, publishes transitions and asks for notifications', async () => {
    const lab = await start([
      { id: 'voltage', kind: 'threshold', property: 'voltage', hihi: 5.5, lolo: 4.5 },
      { id: 'action-failed', kind: 'action-failed', action: 'sweep' },
    ]);
    // No client was ever opened: the spikes of the simulated supply still raise the alarm.
    await until(() => lab.transitions.some((each) => each.event === 'raised'));
    const raised = lab.transitions.find((each) => each.event === 'raised');
    expect(raised).toMatchObject({ id: 'psu/voltage', rule: 'voltage', property: 'voltage', severity: 'major', state: 'unacknowledged', by: 'system' });
    expect(raised?.time).toMatch(/Z$/);
    expect(typeof raised?.value).toBe('number');
    expect(lab.notifications[0]).toMatchObject({ id: 'psu/voltage', severity: 'major' });
    expect(lab.notifications[0]?.title).toContain('Bench power supply');
    // A failing action raises its alarm.
    await lab.core.handleCall('lab:action:invoke', { thing: 'psu', action: 'sweep', input: { start: 0, stop: 1, steps: 2, dwellMs: 10 } });
    await until(() => lab.transitions.some((each) => each.id === 'psu/action-failed'));
    const listed = await lab.core.handleCall('lab:alarms:list', { thing: 'psu' });
    expect(listed.ok && listed.value).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'psu/action-failed', state: 'unacknowledged' })]));
    lab.stop();
  });

  it('viewers see alarms but cannot acknowledge, shelve or edit rules', async () => {
    const lab = await start([{ id: 'voltage', kind: 'threshold', property: 'voltage', hihi: 5.5, lolo: 4.5 }]);
    await until(() => lab.transitions.some((each) => each.event === 'raised'));
    const viewer = lab.core.openClient({ send: () => {}, role: 'viewer', label: 'viewer-1' });
    expect((await viewer.call('lab:alarms:list', {})).ok).toBe(true);
    for (const [channel, request] of [
      ['lab:alarms:acknowledge', { ids: ['psu/voltage'] }],
      ['lab:alarms:shelve', { id: 'psu/voltage', durationSec: 60, reason: 'x' }],
      ['lab:alarms:disable', { id: 'psu/voltage' }],
      ['lab:alarms:rules:set', { thing: 'psu', rules: [] }],
    ] as const) {
      const result = await viewer.call(channel, request);
      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    const operator = lab.core.openClient({ send: () => {}, label: 'bench-pc' });
    const acked = await operator.call('lab:alarms:acknowledge', { ids: ['psu/voltage'], note: 'spike, known' });
    expect(acked).toEqual({ ok: true, value: { acknowledged: 1 } });
    expect(lab.transitions.find((each) => each.event === 'acknowledged')).toMatchObject({ by: 'bench-pc', note: 'spike, known' });
    const bad = await operator.call('lab:alarms:rules:set', { thing: 'psu', rules: [{ id: 'x', kind: 'threshold', property: 'voltage' }] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    lab.stop();
  });

  it('every client gets the same alarm snapshot live on ($alarms, state), at once on subscribe', async () => {
    const lab = await start([{ id: 'voltage', kind: 'threshold', property: 'voltage', hihi: 5.5, lolo: 4.5, latch: true }]);
    const batches: [LiveBatch[], LiveBatch[]] = [[], []];
    const clients = batches.map((list) => lab.core.openClient({ send: (batch) => list.push(batch) }));
    for (const client of clients) await client.call('lab:live:subscribe', { thing: ALARMS_THING, affordance: ALARMS_STATE_AFFORDANCE });
    const snapshots = (list: LiveBatch[]) =>
      list.flatMap((batch) => batch.items).filter((item) => item.thing === ALARMS_THING).map((item) => item.payload as AlarmSnapshot);
    await until(() => snapshots(batches[0]).length > 0 && snapshots(batches[1]).length > 0);
    await until(() => snapshots(batches[0]).some((snapshot) => snapshot.counts.major > 0));
    await until(() => snapshots(batches[1]).some((snapshot) => snapshot.counts.major > 0));
    const first = snapshots(batches[0]).find((snapshot) => snapshot.counts.major > 0);
    expect(first?.alarms[0]).toMatchObject({ id: 'psu/voltage', severity: 'major' });
    expect(first?.things).toMatchObject({ psu: 'major' });
    // Nothing of the snapshots goes to the main broker (the recorder records transitions only).
    const onMain: unknown[] = [];
    const sink: MessageSendStream = { sendNowait: (message) => void onMain.push(message) };
    const stop = lab.core.broker.subscribe(ALARMS_THING, '*', sink);
    await clients[0]?.call('lab:alarms:acknowledge', { ids: ['psu/voltage'] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(onMain).toEqual([]);
    stop();
    lab.stop();
  });
});
