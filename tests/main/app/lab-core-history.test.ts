import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_AFFORDANCE } from '../../../src/shared/model';
import { EXPORT_PATH, EventsResponse, RecorderStatus, SeriesResponse } from '../../../src/shared/history';
import type { Result } from '../../../src/shared/errors';
import { silentLogger } from '../../../src/main/core/logger';
import type { Message } from '../../../src/main/core/message';
import { createLabCore, exportFileName, type LabCore } from '../../../src/main/app/lab-core';
import { createRecorder } from '../../../src/main/services/recorder/recorder';
import { startBrowserServer, type BrowserServer } from '../../../src/main/serve';
import { FakeThing } from '../ipc/fake-thing';

const root = mkdtempSync(join(tmpdir(), 'lab-core-history-'));
let cases = 0;
let core: LabCore | undefined;
afterEach(async () => {
  await core?.dispose();
  core = undefined;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function recordingCore(extra: Parameters<typeof createLabCore>[0] = {}): Promise<{ core: LabCore; thermo: FakeThing; dataDir: string }> {
  let thermo: FakeThing | undefined;
  const dataDir = join(root, `case-${++cases}`);
  core = await createLabCore({
    logger: silentLogger,
    instruments: false,
    dataDir,
    services: (context) => [createRecorder(context, { batchMs: 20 })],
    things: (publisher) => [(thermo = new FakeThing('thermo', publisher))],
    ...extra,
  });
  return { core, thermo: thermo as FakeThing, dataDir };
}

/** The value of a successful call, checked against its schema. */
function value<T>(result: Result<unknown>, schema: { parse(input: unknown): T }): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return schema.parse(result.value);
}

describe('the composition root with a recorder', () => {
  it('publishes every operator write on $write with its outcome, client and role, and records it', async () => {
    const { core } = await recordingCore();
    const writes: unknown[] = [];
    const sink = { sendNowait: (message: Message) => writes.push(message.payload) };
    core.broker.subscribe('thermo', WRITE_AFFORDANCE, sink);
    const client = core.openClient({ send: () => undefined, label: 'window-1', role: 'operator' });
    expect(await client.call('lab:property:write', { thing: 'thermo', property: 'level', value: 42 })).toEqual({ ok: true, value: null });
    expect((await client.call('lab:property:write', { thing: 'thermo', property: 'level', value: 'high' })).ok).toBe(false);
    expect(writes).toEqual([
      { property: 'level', value: 42, ok: true, by: 'window-1', role: 'operator' },
      { property: 'level', value: 'high', ok: false, error: 'level must be a number', by: 'window-1', role: 'operator' },
    ]);
    const events = await core.handleCall('lab:history:events', { kinds: ['write'] });
    expect(value(events, EventsResponse).events.map((event) => event.summary)).toEqual([
      'level ← "high" by window-1 (operator) refused: level must be a number',
      'level ← 42 by window-1 (operator)',
    ]);
    const status = await core.handleCall('lab:recorder:status', {});
    expect(value(status, RecorderStatus).state).toBe('recording');
  });

  it('answers series to a viewer too, and checks requests', async () => {
    const { core, thermo } = await recordingCore();
    const from = new Date().toISOString();
    for (let i = 0; i < 5; i++) thermo.emit(i);
    const viewer = core.openClient({ send: () => undefined, role: 'viewer' });
    const to = new Date(Date.now() + 1000).toISOString();
    const series = await viewer.call('lab:history:series', { series: [{ thing: 'thermo', property: 'level' }], from, to, maxPoints: 100 });
    expect(value(series, SeriesResponse).series[0]?.first).toEqual([0, 1, 2, 3, 4]);
    expect((await viewer.call('lab:history:series', { series: [], from, to, maxPoints: 100 })).ok).toBe(false);
  });

  it('exports to the file the save dialog chose; a cancelled dialog writes nothing', async () => {
    const out = join(root, 'saved.csv');
    const answers: (string | undefined)[] = [out, undefined];
    const asked: string[] = [];
    const { core, thermo } = await recordingCore({
      chooseExportFile: async (name) => {
        asked.push(name);
        return answers.shift();
      },
    });
    const from = new Date(Date.now() - 1000).toISOString();
    thermo.emit(7.25);
    const to = new Date(Date.now() + 1000).toISOString();
    const saved = await core.handleCall('lab:history:export', { from, to, format: 'csv' });
    expect(saved).toEqual({ ok: true, value: { path: out, rows: 1, bytes: expect.any(Number) } });
    expect(readFileSync(out, 'utf8')).toMatch(/^time,thing,property,value,unit\n.*Z,thermo,level,7\.25,\n$/);
    expect(asked[0]).toBe(exportFileName('csv', from));
    expect(await core.handleCall('lab:history:export', { from, to, format: 'parquet' })).toEqual({ ok: true, value: { path: null, rows: 0, bytes: 0 } });
  });

  it('without a recorder, history calls fail clearly and status says off', async () => {
    core = await createLabCore({ logger: silentLogger, instruments: false, things: (publisher) => [new FakeThing('thermo', publisher)] });
    const events = await core.handleCall('lab:history:events', {});
    expect(events).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'history is not recorded in this build' } });
    expect(await core.handleCall('lab:recorder:status', {})).toEqual({ ok: true, value: { state: 'off', reason: 'no recorder in this build', since: null, bytes: 0 } });
  });
});

describe('browser mode downloads exports over HTTP', () => {
  const TOKEN = 'test-token-0123456789abcdef0123456789';
  let server: BrowserServer;
  let thermo: FakeThing | undefined;
  let rendererDir: string;

  beforeAll(async () => {
    rendererDir = join(root, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Lab Monitor</title>');
    server = await startBrowserServer({
      port: 0,
      token: TOKEN,
      rendererDir,
      logger: silentLogger,
      instruments: false,
      dataDir: join(root, 'served'),
      services: (context) => [createRecorder(context, { batchMs: 20 })],
      things: (publisher) => [(thermo = new FakeThing('thermo', publisher))],
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('sends the CSV as an attachment with the token, refuses without it, and explains bad requests', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    thermo?.emit(3.5);
    thermo?.emit(4.5);
    const to = new Date(Date.now() + 1000).toISOString();
    const query = `request=${encodeURIComponent(JSON.stringify({ from, to, format: 'csv', things: ['thermo'] }))}`;
    expect((await get(`${EXPORT_PATH}?${query}`)).status).toBe(401);
    const reply = await get(`${EXPORT_PATH}?${query}`, { Cookie: `lab_token=${TOKEN}` });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="${exportFileName('csv', from)}"`);
    expect(reply.body.split('\n').slice(1, 3).map((line) => line.split(',').slice(1, 4).join(','))).toEqual(['thermo,level,3.5', 'thermo,level,4.5']);
    const bad = await get(`${EXPORT_PATH}?token=${TOKEN}&request=${encodeURIComponent('{"from":"yesterday"}')}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/Bad export request/);
    expect((await get(`${EXPORT_PATH}?token=${TOKEN}&request=nojson`)).status).toBe(400);
  });
});
