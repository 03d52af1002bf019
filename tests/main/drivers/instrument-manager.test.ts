import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstrumentManager } from '../../../src/main/drivers/instrument-manager';
import { ThingRegistry } from '../../../src/main/things/registry';
import { LabError } from '../../../src/shared/errors';
import { fastBackoff, RecordingLogger, RecordingPublisher, until } from './helpers';
import { startLabThingsReplay, type ReplayServer } from './servers/labthings-replay';

let dir: string;
let servers: ReplayServer[] = [];
let managers: InstrumentManager[] = [];
let plain: Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-instruments-'));
});
afterEach(async () => {
  for (const manager of managers) await manager.stop();
  for (const server of servers) await server.close();
  if (plain) await new Promise((resolve) => plain?.close(resolve));
  plain = undefined;
  managers = [];
  servers = [];
  await rm(dir, { recursive: true, force: true });
});

function makeManager() {
  const publisher = new RecordingPublisher();
  const registry = new ThingRegistry(publisher);
  const logger = new RecordingLogger();
  const manager = new InstrumentManager({
    registry,
    publisher,
    settingsPath: join(dir, 'settings', 'instruments.json'),
    logger,
    backoff: fastBackoff,
    driverOptions: { invocationPollMs: 50, propertyPollMs: 50 },
  });
  managers.push(manager);
  return { manager, registry, publisher, logger };
}

async function replay(port?: number): Promise<ReplayServer> {
  const server = await startLabThingsReplay(port === undefined ? {} : { port });
  servers.push(server);
  return server;
}

const settings = async (): Promise<unknown> => JSON.parse(await readFile(join(dir, 'settings', 'instruments.json'), 'utf8')) as unknown;
const errorOf = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof LabError ? `${error.code}: ${error.message}` : String(error)),
  );

describe('InstrumentManager', () => {
  it('adds a LabThings server by its root URL, connects its Things and saves it', async () => {
    const server = await replay();
    const { manager, registry, publisher } = makeManager();
    const instrument = await manager.add(server.url);
    expect(instrument).toMatchObject({ url: server.url, kind: 'labthings', things: ['sensor'] });
    expect(registry.get('sensor').source).toBe('labthings');
    await until(() => manager.list()[0]?.connection.status === 'connected');
    await until(() => publisher.values('sensor', 'temperature').includes(20.0));
    expect(await settings()).toEqual({ version: 1, instruments: [{ id: instrument.id, url: server.url, kind: 'labthings', auth: 'nosec' }] });
  });

  it('keeps instruments across instances and removes them everywhere', async () => {
    const server = await replay();
    const first = makeManager();
    const added = await first.manager.add(server.url);
    await first.manager.stop();
    expect(first.registry.has('sensor')).toBe(false);

    const second = makeManager();
    await second.manager.start();
    expect(second.manager.list().map((instrument) => instrument.id)).toEqual([added.id]);
    await until(() => second.registry.has('sensor') && second.registry.get('sensor').connection().status === 'connected');
    await second.manager.remove(added.id);
    expect(second.registry.has('sensor')).toBe(false);
    expect(second.manager.list()).toEqual([]);
    expect(await settings()).toEqual({ version: 1, instruments: [] });
    expect(await errorOf(second.manager.remove(added.id))).toMatch(/^NOT_FOUND/);
  });

  it('writes the file atomically: whole after concurrent changes, no temp files left', async () => {
    const a = await replay();
    const b = await replay();
    const { manager } = makeManager();
    await Promise.all([manager.add(a.url), manager.add(b.url)]);
    const file = await settings();
    expect(file).toMatchObject({ version: 1, instruments: [expect.anything(), expect.anything()] });
    expect(await readdir(join(dir, 'settings'))).toEqual(['instruments.json']);
  });

  it('starts empty on a corrupt settings file, keeps a backup and says why', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'settings'));
    await writeFile(join(dir, 'settings', 'instruments.json'), '{"version": 1, "instruments": [{"url": 5}');
    const { manager, logger } = makeManager();
    await manager.start();
    expect(manager.list()).toEqual([]);
    expect(logger.lines.some((line) => line.startsWith('error') && line.includes('is invalid'))).toBe(true);
    const files = await readdir(join(dir, 'settings'));
    const backup = files.find((name) => name.startsWith('instruments.json.bad-'));
    expect(backup).toBeDefined();
    expect(await readFile(join(dir, 'settings', backup ?? ''), 'utf8')).toContain('"url": 5');
    const server = await replay();
    await manager.add(server.url);
    expect(await settings()).toMatchObject({ instruments: [{ url: server.url }] });
  });

  it('makes clashing Thing names unique with the host', async () => {
    const a = await replay();
    const b = await replay();
    const { manager, registry } = makeManager();
    await manager.add(a.url);
    const second = await manager.add(b.url);
    expect(second.things).toEqual([`127.0.0.1:${b.port}/sensor`]);
    expect(registry.all().map((driver) => driver.name).sort()).toEqual(['127.0.0.1:' + b.port + '/sensor', 'sensor'].sort());
  });

  it('accepts a single LabThings TD URL', async () => {
    const server = await replay();
    const { manager } = makeManager();
    const instrument = await manager.add(`${server.url}sensor/`);
    expect(instrument).toMatchObject({ kind: 'labthings', things: ['sensor'] });
    await until(() => manager.list()[0]?.connection.status === 'connected');
  });

  it('keeps an unreachable instrument and connects when it appears', async () => {
    const probe = await replay();
    const port = probe.port;
    await probe.close();
    servers = [];
    const { manager, registry } = makeManager();
    const instrument = await manager.add(`http://127.0.0.1:${port}/`);
    expect(instrument.connection).toMatchObject({ status: 'disconnected', reason: expect.stringContaining('ECONNREFUSED') });
    expect(instrument.connection.nextAttempt).toBeDefined();
    await replay(port);
    await until(() => registry.has('sensor') && manager.list()[0]?.connection.status === 'connected', 8000);
  });

  it('refuses garbage servers and bad URLs without affecting other instruments', async () => {
    const good = await replay();
    plain = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/thing_descriptions/' ? 'not json' : '{"title": 3}');
    });
    await new Promise<void>((resolve) => plain?.listen(0, '127.0.0.1', resolve));
    const garbageUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/`;
    const { manager } = makeManager();
    await manager.add(good.url);
    expect(await errorOf(manager.add(garbageUrl))).toMatch(/^DRIVER_FAULT/);
    expect(await errorOf(manager.add('ftp://example.org/'))).toMatch(/^INVALID_ARGUMENT/);
    expect(await errorOf(manager.add(good.url))).toMatch(/^CONFLICT/);
    expect(manager.list()).toHaveLength(1);
    await until(() => manager.list()[0]?.connection.status === 'connected');
  });

  it('connects --connect URLs for this run only and never writes credentials', async () => {
    const server = await replay();
    const { manager, logger } = makeManager();
    const [instrument] = await manager.connectAll([server.url.replace('http://', 'http://alice:s3cret@'), 'not a url']);
    expect(instrument?.url).toBe(server.url);
    expect(logger.lines.some((line) => line.includes('--connect') && line.includes('not a valid URL'))).toBe(true);
    await expect(readFile(join(dir, 'settings', 'instruments.json'), 'utf8')).rejects.toThrow();
    const other = await replay();
    await manager.add(other.url, { scheme: 'bearer', token: 'tok-123' });
    const text = await readFile(join(dir, 'settings', 'instruments.json'), 'utf8');
    expect(text).not.toContain('tok-123');
    expect(text).toContain('"auth": "bearer"');
    expect(logger.lines.join('\n')).not.toMatch(/s3cret|tok-123/);
  });
});
