import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAlarms, tempDir, useAlarmTestClock } from './harness';
import { ruleFileName } from '../../../../src/main/services/alarms';

type Harness = Awaited<ReturnType<typeof makeAlarms>>;
let h: Harness | undefined;

useAlarmTestClock();

describe('alarm rules on disk', () => {
  it('saves versioned, owner-only files per Thing and reads them back', async () => {
    const dir = tempDir();
    h = await makeAlarms({ dataDir: dir, rules: { psu: [{ id: 'v', kind: 'threshold', property: 'voltage', hi: 6 }], 'odd name/x': [{ id: 'd', kind: 'disconnected' }] } });
    const file = join(dir, 'alarms', 'psu.json');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({ version: 1, thing: 'psu', rules: [{ id: 'v', kind: 'threshold', hi: 6, deadband: 0, delaySec: 0, latch: true, enabled: true }] });
    if (process.platform !== 'win32') {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'alarms')).mode & 0o077).toBe(0);
    }
    expect(readdirSync(join(dir, 'alarms')).sort()).toEqual([ruleFileName('odd name/x'), 'psu.json'].sort());
    await h.stop();

    h = await makeAlarms({ dataDir: dir });
    expect(h.service.getRules('psu')).toMatchObject({ source: 'file', rules: [{ id: 'v', hi: 6 }] });
    expect(h.service.getRules('odd name/x')).toMatchObject({ source: 'file', rules: [{ id: 'd' }] });
    h.value('psu', 'voltage', 7);
    expect(h.alarm('psu/v').state).toBe('unacknowledged');
  });

  it('a corrupted rules file is backed up, the defaults are used and the operator is told', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'alarms'));
    writeFileSync(join(dir, 'alarms', 'psu.json'), '{"version": 1, "thing": "psu", "rules": [{"id": "v", "kind": "thresh');
    writeFileSync(join(dir, 'alarms', 'stage.json'), JSON.stringify({ version: 1, thing: 'stage', rules: [{ id: 'x', kind: 'threshold', property: 'x' }] }));
    const errors: string[] = [];
    h = await makeAlarms({ dataDir: dir, logger: { info: () => {}, warn: () => {}, error: (line: string) => errors.push(line) } });
    const files = readdirSync(join(dir, 'alarms'));
    const backup = files.find((name) => name.startsWith('psu.json.bad-'));
    expect(backup).toBeDefined();
    expect(readFileSync(join(dir, 'alarms', backup ?? ''), 'utf8')).toContain('"thresh');
    expect(files.some((name) => name.startsWith('stage.json.bad-'))).toBe(true);
    expect(h.service.getRules('psu')).toMatchObject({ source: 'default', rules: [{ id: 'disconnected' }, { id: 'action-failed' }] });
    expect(h.service.getRules('stage').source).toBe('default');
    const notices = h.service.snapshot().notices;
    expect(notices.map((notice) => notice.thing).sort()).toEqual(['psu', 'stage']);
    expect(notices.find((notice) => notice.thing === 'psu')?.text).toMatch(/could not be read .*kept as .*psu\.json\.bad-.*Default rules are in use/);
    expect(notices.find((notice) => notice.thing === 'stage')?.text).toMatch(/at least one of hihi, hi, lo, lolo/);
    expect(errors).toHaveLength(2);
    // Saving new rules writes a good file and ends the notice.
    await h.service.setRules('psu', [{ id: 'v', kind: 'threshold', property: 'voltage', hi: 6 }], 'op');
    expect(JSON.parse(readFileSync(join(dir, 'alarms', 'psu.json'), 'utf8')).rules).toHaveLength(1);
    expect(h.service.snapshot().notices.map((notice) => notice.thing)).toEqual(['stage']);
  });

  it('a file from a newer version is kept aside, not overwritten in place', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'alarms'));
    writeFileSync(join(dir, 'alarms', 'psu.json'), JSON.stringify({ version: 7, thing: 'psu', rules: [] }));
    h = await makeAlarms({ dataDir: dir });
    expect(h.service.snapshot().notices[0]?.text).toMatch(/newer Lab Monitor \(version 7\)/);
    expect(readdirSync(join(dir, 'alarms')).some((name) => name.startsWith('psu.json.bad-'))).toBe(true);
  });

  it('writes nothing without a data folder', async () => {
    h = await makeAlarms({ rules: { psu: [{ id: 'v', kind: 'threshold', property: 'voltage', hi: 6 }] } });
    expect(h.service.getRules('psu').source).toBe('memory');
    expect(existsSync(join(process.cwd(), 'alarms'))).toBe(false);
  });
});
