import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../../src/shared/history';
import { EVENTS_AFFORDANCE } from '../../../../src/shared/history';
import { ALARM_AFFORDANCE, CONNECTION_AFFORDANCE, LAB_THING, WRITE_AFFORDANCE } from '../../../../src/shared/model';
import type { Message } from '../../../../src/main/core/message';
import { RecordingLockedError, RecordingVersionError, SCHEMA_VERSION, openRecording, recordingPath } from '../../../../src/main/services/recorder/database';
import { DEFAULT_RETENTION, recorderSettingsPath } from '../../../../src/main/services/recorder/settings';
import { startRig, tempDir, type Rig } from './helpers';

const temp = tempDir();
afterAll(() => temp.remove());
let folders = 0;
const folder = (): string => join(temp.dir, `case-${++folders}`);

const T0 = Date.parse('2026-03-14T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

async function withRig<T>(run: (rig: Rig) => Promise<T>, dir = folder(), options = {}): Promise<T> {
  const rig = await startRig(dir, options);
  try {
    return await run(rig);
  } finally {
    await rig.recorder.stop();
  }
}

async function readAll(dir: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(recordingPath(dir), { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(sql);
    connection.closeSync();
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    instance.closeSync();
  }
}

const action = (id: string, status: string, log: string[] = [], extra: Record<string, unknown> = {}) => ({
  invocation: {
    id,
    thing: 'thermo',
    action: 'rampTo',
    status,
    progress: null,
    timeRequested: iso(T0),
    timeStarted: null,
    timeCompleted: null,
    input: { target: 30 },
    output: null,
    error: null,
    ...extra,
  },
  newLog: log.map((message) => ({ time: iso(T0), level: 'info', message })),
});

describe('schema and file', () => {
  it('creates the tables, stores its version and the retention settings file', async () => {
    const dir = folder();
    await withRig(async (rig) => {
      rig.publish('thermo', 'temperature', 21.5);
      await rig.recorder.settled();
    }, dir);
    const tables = await readAll(dir, "SELECT table_name FROM information_schema.tables ORDER BY table_name");
    expect(tables.map((row) => row['table_name'])).toEqual(['events', 'meta', 'num', 'num_10s', 'series', 'tds', 'val']);
    expect(await readAll(dir, "SELECT value FROM meta WHERE key = 'schema'")).toEqual([{ value: String(SCHEMA_VERSION) }]);
    const settings = JSON.parse(readFileSync(recorderSettingsPath(dir), 'utf8')) as unknown;
    expect(settings).toEqual({ version: 1, retention: DEFAULT_RETENTION });
  });

  it('keeps numbers as DOUBLE and everything else losslessly as JSON', async () => {
    const dir = folder();
    const values: unknown[] = [true, 'moving', [1.5, 2.5, 3], { x: 1, y: [2, { z: null }] }, null];
    await withRig(async (rig) => {
      rig.publish('stage', 'position', -1234.5);
      for (const value of values) rig.publish('stage', 'state', value);
      rig.publish('stage', 'position', Number.NaN);
      await rig.recorder.settled();
    }, dir);
    const nums = await readAll(dir, 'SELECT v FROM num ORDER BY t');
    expect(nums[0]).toEqual({ v: -1234.5 });
    expect(Number.isNaN(nums[1]?.['v'])).toBe(true);
    const vals = await readAll(dir, 'SELECT json FROM val ORDER BY t, rowid');
    expect(vals.map((row) => JSON.parse(String(row['json'])) as unknown)).toEqual(values);
    expect(await readAll(dir, "SELECT data_type FROM information_schema.columns WHERE table_name = 'num' AND column_name = 'v'")).toEqual([{ data_type: 'DOUBLE' }]);
  });

  it('refuses a file from a newer version and leaves it alone', async () => {
    const dir = folder();
    await withRig(async () => undefined, dir);
    const instance = await DuckDBInstance.create(recordingPath(dir));
    const connection = await instance.connect();
    await connection.run(`UPDATE meta SET value = '${SCHEMA_VERSION + 1}' WHERE key = 'schema'`);
    connection.closeSync();
    instance.closeSync();
    await expect(openRecording(recordingPath(dir))).rejects.toBeInstanceOf(RecordingVersionError);
    expect(existsSync(recordingPath(dir))).toBe(true);
  });

  it('moves a corrupt file aside with a clear message and records into a new one', async () => {
    const dir = folder();
    await withRig(async () => undefined, dir);
    writeFileSync(recordingPath(dir), Buffer.alloc(64 * 1024, 0x5a));
    await withRig(async (rig) => {
      expect(rig.logs.join('\n')).toMatch(/could not be read .*moved to .*recording\.corrupt-.*\.duckdb and a new recording was started/);
      rig.publish('thermo', 'temperature', 20);
      await rig.recorder.settled();
      expect((await rig.recorder.history.status()).state).toBe('recording');
    }, dir);
    const files = readdirSync(join(dir, 'recordings'));
    expect(files.some((name) => /^recording\.corrupt-.*\.duckdb$/.test(name))).toBe(true);
    expect(await readAll(dir, 'SELECT count(*)::INTEGER AS n FROM num')).toEqual([{ n: 1 }]);
  });
});

describe('what is recorded', () => {
  it('records property changes, action transitions, writes, connection changes, alarms and TDs as events', async () => {
    await withRig(async (rig) => {
      const seen: HistoryEvent[] = [];
      const sink = { sendNowait: (message: Message) => seen.push(...(message.payload as HistoryEvent[])) };
      rig.broker.subscribe(LAB_THING, EVENTS_AFFORDANCE, sink);
      rig.publish('thermo', CONNECTION_AFFORDANCE, { status: 'connected', since: iso(T0) });
      rig.publish('thermo', 'mode', 'ramping');
      rig.clock.advance(10);
      rig.publish('thermo', 'mode', 'ramping'); // a repeat is not a change
      rig.publish('thermo', 'rampTo', action('a1', 'pending'), 'action');
      rig.publish('thermo', 'rampTo', action('a1', 'running'), 'action');
      rig.publish('thermo', 'rampTo', { ...action('a1', 'running'), invocation: { ...action('a1', 'running').invocation, progress: 50 } }, 'action');
      rig.publish('thermo', 'rampTo', action('a1', 'running', ['reached 25 °C']), 'action');
      rig.publish('thermo', 'rampTo', action('a1', 'error', [], { error: { title: 'Overheated' } }), 'action');
      rig.publish('thermo', WRITE_AFFORDANCE, { property: 'setpoint', value: 25, ok: true, by: 'client-3', role: 'operator' });
      rig.publish('thermo', WRITE_AFFORDANCE, { property: 'setpoint', value: 99, ok: false, error: 'above maximum', by: 'client-4', role: 'operator' });
      rig.publish('thermo', ALARM_AFFORDANCE, { state: 'active', severity: 'high', message: 'temperature above 80 °C', extra: [1, 2] });
      rig.publish('thermo', CONNECTION_AFFORDANCE, { status: 'disconnected', reason: 'stalled', since: iso(T0) });
      await rig.recorder.settled();
      const { events } = await rig.recorder.history.events({});
      const lines = events.map((event) => `${event.kind} ${event.summary}`).reverse();
      expect(lines).toEqual([
        'connection connected',
        'property mode = "ramping"',
        'action rampTo pending',
        'action rampTo running',
        'action rampTo log: reached 25 °C',
        'action rampTo error: Overheated',
        'write setpoint ← 25 by client-3 (operator)',
        'write setpoint ← 99 by client-4 (operator) refused: above maximum',
        'alarm high active: temperature above 80 °C',
        'connection disconnected — stalled',
      ]);
      const alarm = events.find((event) => event.kind === 'alarm');
      expect(alarm?.detail).toEqual({ state: 'active', severity: 'high', message: 'temperature above 80 °C', extra: [1, 2] });
      // The same events went out live, with the same ids.
      await expect.poll(() => seen.length).toBe(events.length);
      expect(seen.map((event) => event.id)).toEqual(events.map((event) => event.id).reverse());
    });
  });

  it('samples numeric changes on the timeline (every value still recorded) and logs a held-back last value', async () => {
    await withRig(
      async (rig) => {
        for (let i = 0; i < 50; i++) {
          rig.publish('thermo', 'temperature', 20 + i / 10);
          rig.clock.advance(100);
        }
        rig.clock.advance(1000);
        await rig.recorder.settled();
        const { events } = await rig.recorder.history.events({ kinds: ['property'] });
        expect(events.map((event) => event.summary).reverse()).toEqual(['temperature = 20', 'temperature = 22', 'temperature = 24', 'temperature = 24.90']);
        const series = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(T0), to: iso(T0 + 60_000), maxPoints: 1000 });
        expect(series.series[0]?.count.length).toBe(50);
      },
      folder(),
      { numericEventSpacingMs: 2000 },
    );
  });
});

describe('series', () => {
  it('returns raw points when there are few, buckets computed in the database otherwise, matching a brute-force computation', async () => {
    await withRig(async (rig) => {
      let seed = 7;
      const random = (): number => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      const points: { t: number; v: number }[] = [];
      for (let i = 0; i < 5000; i++) {
        rig.clock.set(T0 + i * 37 + Math.floor(random() * 30));
        const v = Math.round((random() * 100 - 50) * 1000) / 1000;
        points.push({ t: rig.clock.now(), v });
        rig.publish('thermo', 'temperature', v);
        if (i % 1000 === 0) rig.publish('thermo', 'temperature', Number.POSITIVE_INFINITY); // left out
      }
      await rig.recorder.settled();
      const from = T0 + 1000;
      const to = T0 + 150_000;
      const maxPoints = 300;
      const { series } = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }, { thing: 'thermo', property: 'nothing' }], from: iso(from), to: iso(to), maxPoints });
      const [data, none] = series;
      const width = Math.ceil((to - from + 1) / maxPoints);
      const buckets = new Map<number, { t: number; first: number; min: number; max: number; last: number; count: number }>();
      for (const { t, v } of points) {
        if (t < from || t > to) continue;
        const b = Math.floor((t - from) / width);
        const bucket = buckets.get(b);
        if (!bucket) buckets.set(b, { t, first: v, min: v, max: v, last: v, count: 1 });
        else {
          bucket.min = Math.min(bucket.min, v);
          bucket.max = Math.max(bucket.max, v);
          bucket.last = v;
          bucket.count += 1;
        }
      }
      const expected = [...buckets.entries()].sort(([a], [b]) => a - b).map(([, bucket]) => bucket);
      expect(data?.decimated).toBe(true);
      expect(data?.bucketMs).toBe(width);
      expect(data?.t.length).toBeLessThanOrEqual(maxPoints);
      expect(data?.t).toEqual(expected.map((b) => b.t));
      expect(data?.first).toEqual(expected.map((b) => b.first));
      expect(data?.min).toEqual(expected.map((b) => b.min));
      expect(data?.max).toEqual(expected.map((b) => b.max));
      expect(data?.last).toEqual(expected.map((b) => b.last));
      expect(data?.count).toEqual(expected.map((b) => b.count));
      expect(none).toMatchObject({ property: 'nothing', decimated: false, t: [] });

      const raw = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(from), to: iso(from + 2000), maxPoints });
      const inRaw = points.filter(({ t }) => t >= from && t <= from + 2000);
      expect(raw.series[0]).toMatchObject({ decimated: false, bucketMs: null, t: inRaw.map((p) => p.t), first: inRaw.map((p) => p.v), count: inRaw.map(() => 1) });
    });
  });

  it('buckets long ranges from the 10 s rollup and the samples at its edges, exactly as brute force does', async () => {
    await withRig(async (rig) => {
      let seed = 11;
      const random = (): number => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
      const points: { t: number; v: number }[] = [];
      for (let i = 0; i < 7200; i++) {
        rig.clock.set(T0 + i * 1000 + Math.floor(random() * 900));
        const v = Math.round(random() * 1e6) / 1e3;
        points.push({ t: rig.clock.now(), v });
        rig.publish('stage', 'x', v);
      }
      // Rolled up to the middle: the rest is read from the samples.
      await rig.recorder.rollUpNow(T0 + 3_600_000 + 2000);
      const from = T0 + 1234;
      const to = T0 + 7_000_321;
      const maxPoints = 100;
      const { series } = await rig.recorder.history.series({ series: [{ thing: 'stage', property: 'x' }], from: iso(from), to: iso(to), maxPoints });
      const origin = Math.floor(from / 10_000) * 10_000;
      const width = Math.ceil((to - origin + 1) / maxPoints / 10_000) * 10_000;
      const buckets = new Map<number, { t: number; first: number; min: number; max: number; last: number; count: number }>();
      for (const { t, v } of points) {
        if (t < from || t > to) continue;
        const b = Math.floor((t - origin) / width);
        const bucket = buckets.get(b);
        if (!bucket) buckets.set(b, { t, first: v, min: v, max: v, last: v, count: 1 });
        else Object.assign(bucket, { min: Math.min(bucket.min, v), max: Math.max(bucket.max, v), last: v, count: bucket.count + 1 });
      }
      const expected = [...buckets.entries()].sort(([a], [b]) => a - b).map(([, bucket]) => bucket);
      const data = series[0];
      expect(data).toMatchObject({ decimated: true, bucketMs: width });
      expect(data?.t.length).toBeLessThanOrEqual(maxPoints);
      expect(data?.t).toEqual(expected.map((b) => b.t));
      expect(data?.first).toEqual(expected.map((b) => b.first));
      expect(data?.min).toEqual(expected.map((b) => b.min));
      expect(data?.max).toEqual(expected.map((b) => b.max));
      expect(data?.last).toEqual(expected.map((b) => b.last));
      expect(data?.count).toEqual(expected.map((b) => b.count));
    });
  });

  it('gives units from the TD in force and the spans when a Thing was disconnected', async () => {
    await withRig(async (rig) => {
      rig.registry.add({
        name: 'thermo',
        source: 'simulated',
        origin: undefined,
        describe: () => ({ '@context': 'x', title: 'Thermo', properties: { temperature: { type: 'number', unit: '°C', forms: [] } }, actions: {}, securityDefinitions: {}, security: [] }),
        connection: () => ({ status: 'connected', since: iso(T0) }),
      } as never);
      await new Promise((resolve) => setTimeout(resolve, 20));
      rig.publish('thermo', 'temperature', 20);
      rig.clock.set(T0 + 1000);
      rig.publish('thermo', CONNECTION_AFFORDANCE, { status: 'disconnected', reason: 'cable', since: iso(T0 + 1000) });
      rig.clock.set(T0 + 3000);
      rig.publish('thermo', CONNECTION_AFFORDANCE, { status: 'connecting', since: iso(T0 + 3000) });
      rig.clock.set(T0 + 4000);
      rig.publish('thermo', CONNECTION_AFFORDANCE, { status: 'connected', since: iso(T0 + 4000) });
      rig.clock.set(T0 + 5000);
      rig.publish('thermo', CONNECTION_AFFORDANCE, { status: 'disconnected', since: iso(T0 + 5000) });
      await rig.recorder.settled();
      const response = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(T0 + 500), to: iso(T0 + 9000), maxPoints: 10 });
      expect(response.series[0]?.unit).toBe('°C');
      expect(response.gaps).toEqual([
        { thing: 'thermo', from: T0 + 1000, to: T0 + 4000, reason: 'cable' },
        { thing: 'thermo', from: T0 + 5000, to: null },
      ]);
      // A range that starts inside a gap starts with it.
      const inside = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(T0 + 2000), to: iso(T0 + 4500), maxPoints: 10 });
      expect(inside.gaps).toEqual([{ thing: 'thermo', from: T0 + 2000, to: T0 + 4000, reason: 'cable' }]);
    });
  });
});

describe('events', () => {
  it('pages backwards by cursor and filters by Thing, kind and text', async () => {
    await withRig(async (rig) => {
      for (let i = 1; i <= 25; i++) {
        rig.clock.set(T0 + i * 1000);
        rig.publish(i % 2 === 0 ? 'psu' : 'stage', WRITE_AFFORDANCE, { property: i % 5 === 0 ? 'limit_50%' : 'output', value: i, ok: true, by: `client-${i}`, role: 'operator' });
      }
      rig.publish('stage', CONNECTION_AFFORDANCE, { status: 'connected', since: iso(T0) });
      await rig.recorder.settled();
      const pages: string[][] = [];
      let before: string | undefined;
      for (;;) {
        const page = await rig.recorder.history.events({ kinds: ['write'], limit: 10, ...(before ? { before } : {}) });
        pages.push(page.events.map((event) => event.summary.split(' by ')[1] ?? ''));
        if (page.next === null) break;
        before = page.next;
      }
      expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => `client-${25 - i} (operator)`));

      const psu = await rig.recorder.history.events({ things: ['psu'], kinds: ['write'] });
      expect(psu.events.every((event) => event.thing === 'psu')).toBe(true);
      expect(psu.events).toHaveLength(12);
      // Case-insensitive, and % and _ are literal characters, not wildcards.
      const text = await rig.recorder.history.events({ text: 'LIMIT_50%' });
      expect(text.events.map((event) => event.affordance)).toEqual(['limit_50%', 'limit_50%', 'limit_50%', 'limit_50%', 'limit_50%']);
      expect((await rig.recorder.history.events({ text: 'limit_5%x' })).events).toEqual([]);
      const ranged = await rig.recorder.history.events({ from: iso(T0 + 3000), to: iso(T0 + 5000), kinds: ['write'] });
      expect(ranged.events.map((event) => Date.parse(event.time))).toEqual([T0 + 5000, T0 + 4000, T0 + 3000]);
      expect((await rig.recorder.history.events({ kinds: [] })).events).toEqual([]);
      await expect(rig.recorder.history.events({ before: 'nope' })).rejects.toThrow(/must be an event id/);
    });
  });

  it('continues ids after a restart, so cursors stay unique', async () => {
    const dir = folder();
    await withRig(async (rig) => {
      rig.publish('psu', WRITE_AFFORDANCE, { property: 'output', value: true, ok: true, by: 'a', role: 'operator' });
    }, dir);
    await withRig(async (rig) => {
      rig.publish('psu', WRITE_AFFORDANCE, { property: 'output', value: false, ok: true, by: 'b', role: 'operator' });
      await rig.recorder.settled();
      const { events } = await rig.recorder.history.events({ kinds: ['write'] });
      expect(events.map((event) => event.summary)).toEqual(['output ← false by b (operator)', 'output ← true by a (operator)']);
      expect(Number(events[0]?.id)).toBeGreaterThan(Number(events[1]?.id));
    }, dir);
  });
});

describe('retention', () => {
  it('removes data older than maxAgeDays, keeping the TD in force', async () => {
    const dir = folder();
    await withRig(async (rig) => {
      rig.clock.set(T0 - 40 * 86_400_000);
      rig.publish('thermo', 'temperature', 1);
      rig.publish('thermo', 'mode', 'old');
      rig.clock.set(T0 - 10 * 86_400_000);
      rig.publish('thermo', 'temperature', 2);
      await rig.recorder.settled();
    }, dir);
    // The next start applies retention (30 days by default) before anything else.
    await withRig(async (rig) => {
      await expect.poll(async () => (await readAllWhileOpen(rig, T0)).length, { timeout: 10_000 }).toBe(1);
      const status = await rig.recorder.history.status();
      expect(Date.parse(status.since ?? '')).toBe(T0 - 10 * 86_400_000);
    }, dir);
  });

  it('removes the oldest data first once the recording is over maxBytes', async () => {
    const dir = folder();
    await withRig(
      async (rig) => {
        for (let i = 0; i < 400_000; i++) {
          rig.clock.set(T0 + i * 10);
          rig.publish('thermo', 'temperature', Math.sin(i) * 1000 + Math.random());
          if (i % 20_000 === 0) await rig.recorder.settled();
        }
        await rig.recorder.settled();
        const before = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(T0), to: iso(T0 + 4_000_000), maxPoints: 10_000 });
        expect(before.series[0]?.count.reduce((a, b) => a + b, 0)).toBe(400_000);
      },
      dir,
      { retention: { maxAgeDays: 3650, maxBytes: 2 * 1024 * 1024 } },
    );
    await withRig(
      async (rig) => {
        await expect
          .poll(async () => (await rig.recorder.history.status()).since, { timeout: 15_000, interval: 500 })
          .not.toBe(iso(T0));
        const after = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(T0), to: iso(T0 + 4_000_000), maxPoints: 10_000 });
        const kept = after.series[0];
        const total = kept?.count.reduce((a, b) => a + b, 0) ?? 0;
        expect(total).toBeGreaterThan(0);
        expect(total).toBeLessThan(400_000);
        // What is kept is the newest: it ends with the last value recorded.
        expect(kept?.t.at(-1)).toBeGreaterThanOrEqual(T0 + 399_000 * 10 - 4000);
      },
      dir,
      { retention: { maxAgeDays: 3650, maxBytes: 2 * 1024 * 1024 } },
    );
  }, 60_000);
});

async function readAllWhileOpen(rig: Rig, t0: number): Promise<number[]> {
  const { series } = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(t0 - 100 * 86_400_000), to: iso(t0), maxPoints: 100 });
  return series[0]?.first ?? [];
}

describe('failures', () => {
  it('pauses on a write failure, says so, keeps the live path working, and resumes when writing works again', async () => {
    await withRig(
      async (rig) => {
        const live: unknown[] = [];
        const other = { sendNowait: (message: Message) => live.push(message.payload) };
        rig.broker.subscribe('thermo', 'temperature', other);
        rig.publish('thermo', 'temperature', 1);
        await rig.recorder.settled();
        rig.recorder.injectWriteFault('IO Error: No space left on device');
        rig.publish('thermo', 'temperature', 2);
        await expect.poll(async () => (await rig.recorder.history.status()).state).toBe('paused');
        const status = await rig.recorder.history.status();
        expect(status.reason).toMatch(/cannot write to the recording: IO Error: No space left on device/);
        rig.publish('thermo', 'temperature', 3);
        expect(live).toEqual([1, 2, 3]);
        expect((await rig.recorder.history.status()).details?.dropped).toBeGreaterThanOrEqual(2);
        expect(rig.logs.join('\n')).toMatch(/recording is paused/);
        rig.recorder.injectWriteFault(null);
        await expect.poll(async () => (await rig.recorder.history.status()).state, { timeout: 5000 }).toBe('recording');
        rig.publish('thermo', 'temperature', 4);
        await rig.recorder.settled();
        const { series } = await rig.recorder.history.series({ series: [{ thing: 'thermo', property: 'temperature' }], from: iso(T0 - 1000), to: iso(T0 + 1000), maxPoints: 100 });
        expect(series[0]?.first).toEqual([1, 4]);
      },
      folder(),
      { resumeIntervalMs: 200 },
    );
  });

  it('does not record into a folder another process is recording into, and says so', async () => {
    const dir = folder();
    await withRig(async () => undefined, dir);
    const child = spawn(process.execPath, ['-e', `
      const { DuckDBInstance } = require('@duckdb/node-api');
      DuckDBInstance.create(${JSON.stringify(recordingPath(dir))}).then(() => { process.stdout.write('holding\\n'); setInterval(() => {}, 1000); });
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
      await withRig(async (rig) => {
        const status = await rig.recorder.history.status();
        expect(status.state).toBe('paused');
        expect(status.reason).toMatch(/another Lab Monitor is recording into .*; this one does not record/);
        await expect(rig.recorder.history.events({})).rejects.toThrow();
      }, dir);
      await expect(openRecording(recordingPath(dir))).rejects.toBeInstanceOf(RecordingLockedError);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('without a data folder records nothing and says why', async () => {
    const rig = await startRig(undefined);
    expect(await rig.recorder.history.status()).toMatchObject({ state: 'off', reason: 'no data folder: nothing is recorded' });
    await rig.recorder.stop();
  });
});

describe('durability', () => {
  it('a clean stop loses nothing', async () => {
    const dir = folder();
    await withRig(async (rig) => {
      for (let i = 1; i <= 1000; i++) rig.publish('counter', 'seq', i);
      // no settled(): stop must flush what is buffered
    }, dir);
    expect(await readAll(dir, 'SELECT count(*)::INTEGER AS n, max(v) AS top FROM num')).toEqual([{ n: 1000, top: 1000 }]);
  });

  it('after kill -9, the file holds everything published up to one second before the kill', async () => {
    const dir = folder();
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'fixtures', 'record-child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const published: { seq: number; at: number }[] = [];
    let buffer = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'ready') resolve();
          const [seq, at] = line.split(' ').map(Number);
          if (seq !== undefined && at !== undefined && Number.isFinite(seq) && Number.isFinite(at)) published.push({ seq, at });
        }
      });
    });
    await ready;
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const due = published.filter(({ at }) => at <= killedAt - 1000);
    expect(due.length).toBeGreaterThan(100);
    const rows = await readAll(dir, 'SELECT v FROM num ORDER BY v');
    const stored = new Set(rows.map((row) => row['v']));
    const missing = due.filter(({ seq }) => !stored.has(seq));
    expect(missing).toEqual([]);
  }, 30_000);
});
