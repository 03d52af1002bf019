import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { makeAlarms, tempDir, useAlarmTestClock } from './harness';
import { SHELVES_FILE } from '../../../../src/main/services/alarms/shelf-store';

type Harness = Awaited<ReturnType<typeof makeAlarms>>;
let h: Harness | undefined;

useAlarmTestClock();

const major = { id: 'v', kind: 'threshold' as const, property: 'voltage', hihi: 20 };
const minor = { id: 'm', kind: 'threshold' as const, property: 'current', hi: 2 };

/** Lets the atomic file writes (real I/O under fake timers) finish. */
const settle = async (harness: Harness): Promise<void> => {
  await vi.advanceTimersByTimeAsync(0);
  await harness.stop();
};

describe('shelved alarms across a restart', () => {
  it('a shelved alarm stays shelved after a restart, for the time it has left, then comes back', async () => {
    const dir = tempDir();
    h = await makeAlarms({ dataDir: dir, rules: { psu: [major] } });
    h.value('psu', 'voltage', 25);
    h.service.shelve('psu/v', 600, 'load bank maintenance', 'carla');
    await settle(h);
    const file = join(dir, SHELVES_FILE);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      version: 1,
      shelves: [{ id: 'psu/v', by: 'carla', reason: 'load bank maintenance', until: '2026-03-01T10:10:00.000Z' }],
    });
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    vi.setSystemTime(new Date('2026-03-01T10:04:00Z'));
    h = await makeAlarms({ dataDir: dir });
    // The value that raised it is still there when the instrument reports again: no announcement.
    h.value('psu', 'voltage', 25);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'shelved', shelved: { by: 'carla', until: '2026-03-01T10:10:00.000Z' } });
    expect(h.service.snapshot().counts).toMatchObject({ major: 0, unacknowledged: 0, shelved: 1 });
    expect(h.notifications).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(6 * 60_000 - 1);
    expect(h.alarm('psu/v').state).toBe('shelved');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'unacknowledged', severity: 'major', shelved: null });
    expect(h.notifications).toHaveLength(1);
    await settle(h);
    expect(JSON.parse(readFileSync(file, 'utf8')).shelves).toEqual([]);
  });

  it('a shelf whose time ended while Lab Monitor was stopped is not restored', async () => {
    const dir = tempDir();
    h = await makeAlarms({ dataDir: dir, rules: { psu: [major] } });
    h.service.shelve('psu/v', 60, 'short', 'carla');
    await settle(h);
    vi.setSystemTime(new Date('2026-03-01T11:00:00Z'));
    h = await makeAlarms({ dataDir: dir });
    h.value('psu', 'voltage', 25);
    expect(h.alarm('psu/v').state).toBe('unacknowledged');
  });

  it('unshelving and disabling remove the shelf from the file; other shelves stay', async () => {
    const dir = tempDir();
    h = await makeAlarms({ dataDir: dir, rules: { psu: [major, minor] } });
    h.service.shelve('psu/v', 600, 'a', 'carla');
    h.service.shelve('psu/m', 600, 'b', 'carla');
    h.service.unshelve('psu/v', 'dan');
    await vi.advanceTimersByTimeAsync(0);
    await h.service.disable('psu/m', 'dan');
    h.service.shelve('psu/v', 300, 'c', 'erin');
    await settle(h);
    expect(JSON.parse(readFileSync(join(dir, SHELVES_FILE), 'utf8')).shelves.map((shelf: { id: string; reason: string }) => `${shelf.id}:${shelf.reason}`)).toEqual(['psu/v:c']);
  });

  it('a Thing that appears only later (a remote instrument) finds its alarm still shelved', async () => {
    const dir = tempDir();
    h = await makeAlarms({ dataDir: dir, rules: { stage: [{ id: 'x', kind: 'threshold', property: 'x', hi: 1 }] } });
    h.service.shelve('stage/x', 3600, 'axis homing', 'carla');
    await settle(h);
    h = await makeAlarms({ dataDir: dir });
    // Another alarm changing rewrites the file: the shelf of the absent Thing must survive it.
    await h.service.setRules('psu', [major], 'carla');
    h.service.shelve('psu/v', 60, 'x', 'carla');
    await vi.advanceTimersByTimeAsync(0);
    h.value('stage', 'x', 5);
    expect(h.alarm('stage/x')).toMatchObject({ state: 'shelved', shelved: { reason: 'axis homing' } });
    await settle(h);
    const ids = JSON.parse(readFileSync(join(dir, SHELVES_FILE), 'utf8')).shelves.map((shelf: { id: string }) => shelf.id).sort();
    expect(ids).toEqual(['psu/v', 'stage/x']);
  });

  it('a corrupt shelves file is kept aside, the operator is told and every alarm is active', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, SHELVES_FILE), '{"version": 1, "shelves": [{"id": "psu/v", "by"');
    const errors: string[] = [];
    h = await makeAlarms({ dataDir: dir, rules: { psu: [major] }, logger: { info: () => {}, warn: () => {}, error: (line: string) => errors.push(line) } });
    h.value('psu', 'voltage', 25);
    expect(h.alarm('psu/v').state).toBe('unacknowledged');
    expect(readdirSync(dir).some((name) => name.startsWith(`${SHELVES_FILE}.bad-`))).toBe(true);
    expect(h.service.snapshot().notices.map((notice) => notice.text).join('\n')).toMatch(/Shelved alarms could not be read back .*kept as .*Every alarm is active again/);
    expect(errors).toHaveLength(1);
  });

  it('a shelf edited by hand to last for years ends within the longest shelving', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, SHELVES_FILE), JSON.stringify({ version: 1, shelves: [{ id: 'psu/v', by: 'x', at: '2026-03-01T09:00:00Z', until: '2036-01-01T00:00:00Z', reason: 'r' }] }));
    h = await makeAlarms({ dataDir: dir, rules: { psu: [major] } });
    h.value('psu', 'voltage', 25);
    expect(h.alarm('psu/v')).toMatchObject({ state: 'shelved', shelved: { until: '2026-03-08T10:00:00.000Z' } });
    await vi.advanceTimersByTimeAsync(7 * 86_400_000);
    expect(h.alarm('psu/v').state).toBe('unacknowledged');
  });

  it('refuses a shelves file of the wrong shape, whatever it holds', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, SHELVES_FILE), JSON.stringify({ version: 1, shelves: [{ id: 'psu/v', by: 'x', at: 'y', until: '2026-03-01T11:00:00Z', reason: 'r'.repeat(5000) }] }));
    h = await makeAlarms({ dataDir: dir, rules: { psu: [major] } });
    h.value('psu', 'voltage', 25);
    expect(h.alarm('psu/v').state).toBe('unacknowledged');
  });
});

describe('reminders of unacknowledged alarms', () => {
  it('announces a major alarm again every interval until someone acknowledges it', async () => {
    h = await makeAlarms({ rules: { psu: [major] }, service: { reminderSec: 300 } });
    h.value('psu', 'voltage', 25);
    expect(h.notifications).toHaveLength(1);
    expect(h.alarm('psu/v').remindedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(300_000);
    expect(h.notifications).toHaveLength(2);
    expect(h.notifications[1]).toMatchObject({ id: 'psu/v', title: expect.stringMatching(/^Still unacknowledged — MAJOR alarm/), body: expect.stringContaining('raised since 10:00 UTC') });
    expect(h.alarm('psu/v').remindedAt).toBe('2026-03-01T10:05:00.000Z');
    // The snapshot windows get carries it too (browser notifications and the beep follow it).
    expect(h.service.snapshot().alarms[0]?.remindedAt).toBe('2026-03-01T10:05:00.000Z');
    await vi.advanceTimersByTimeAsync(300_000);
    expect(h.notifications).toHaveLength(3);
    h.service.acknowledge(['psu/v'], 'carla');
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(h.notifications).toHaveLength(3);
    expect(h.alarm('psu/v').remindedAt).toBeUndefined();
  });

  it('no reminder while shelved, after the alarm cleared, for minor alarms, or when turned off', async () => {
    h = await makeAlarms({ rules: { psu: [major, minor], off: [major] }, service: { reminderSec: 60 } });
    h.value('psu', 'voltage', 25);
    h.service.shelve('psu/v', 3600, 'known', 'carla');
    h.value('psu', 'current', 3);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(h.notifications).toHaveLength(1);
    await h.stop();

    h = await makeAlarms({ rules: { psu: [{ ...major, latch: false }] }, service: { reminderSec: 0 } });
    h.value('psu', 'voltage', 25);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(h.notifications).toHaveLength(1);
    await h.stop();

    h = await makeAlarms({ rules: { psu: [{ ...major, latch: false }] }, service: { reminderSec: 60 } });
    h.value('psu', 'voltage', 25);
    h.value('psu', 'voltage', 5);
    expect(h.alarm('psu/v').state).toBe('normal');
    await vi.advanceTimersByTimeAsync(600_000);
    expect(h.notifications).toHaveLength(1);
  });

  it('leaves no timer behind when stopped', async () => {
    h = await makeAlarms({ rules: { psu: [major] }, service: { reminderSec: 60 } });
    h.value('psu', 'voltage', 25);
    await h.stop();
    h = undefined;
    expect(vi.getTimerCount()).toBe(0);
  });
});
