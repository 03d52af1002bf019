import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, beforeEach, describe, expect, it } from 'vitest';
import { InstrumentManager } from '../../../src/main/drivers/instrument-manager';
import { ThingRegistry } from '../../../src/main/things/registry';
import { LabError } from '../../../src/shared/errors';
import { fastBackoff, RecordingLogger, RecordingPublisher, until } from './helpers';
import { startHostileServer, type HostileServer } from './servers/hostile-server';

const MiB = 1024 * 1024;
let hostile: HostileServer;
let dir: string;
const managers: InstrumentManager[] = [];

beforeAll(async () => {
  // Large enough to prove the limits (8 MiB per value), small enough for a shared test machine.
  hostile = await startHostileServer({ hugeBytes: 256 * MiB, bombBytes: 256 * MiB });
});
afterAll(async () => {
  await hostile.close();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-hostile-'));
});
afterEach(async () => {
  for (const manager of managers.splice(0)) await manager.stop();
  await rm(dir, { recursive: true, force: true });
});

function makeManager(streamIdleMs = 60_000) {
  const publisher = new RecordingPublisher();
  const registry = new ThingRegistry(publisher);
  const logger = new RecordingLogger();
  const settingsPath = join(dir, 'settings', 'instruments.json');
  const manager = new InstrumentManager({
    registry,
    publisher,
    settingsPath,
    logger,
    backoff: fastBackoff,
    driverOptions: { invocationPollMs: 50, propertyPollMs: 50, streamIdleMs },
  });
  managers.push(manager);
  return { manager, registry, publisher, logger, settingsPath };
}

const failure = async (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof LabError ? `${error.code}: ${error.message}` : `thrown: ${String(error)}`),
  );

const rss = (): number => process.memoryUsage().rss;

describe('a hostile WoT server', () => {
  it('refuses deeply nested values and outputs with an error naming the Thing and the affordance; the rest works', async () => {
    const { manager, registry } = makeManager();
    await manager.add(`${hostile.base}deep/td`);
    const deep = registry.get('deep');
    expect(await failure(deep.readProperty('deep'))).toMatch(/^DRIVER_FAULT: reading deep\.deep: .*nested deeper than 64 levels/);
    expect(await failure(deep.invokeAction('make', null))).toMatch(/^DRIVER_FAULT: invoking deep\.make: .*nested deeper than 64 levels/);
    expect(await deep.readProperty('fine')).toBe(21.5);
    // Whatever the driver hands on can be serialised.
    expect(() => JSON.stringify(deep.describe())).not.toThrow();
  });

  it('refuses a Thing Description with a deeply nested field', async () => {
    const { manager, registry } = makeManager();
    expect(await failure(manager.add(`${hostile.base}deepfield/td`))).toMatch(/^DRIVER_FAULT: fetching the Thing Description .*nested deeper/);
    expect(registry.all()).toEqual([]);
  });

  it('refuses a huge body and a gzip bomb after 8 MiB (counted after decompression), with memory bounded', async () => {
    const { manager, registry } = makeManager();
    await manager.add(`${hostile.base}huge/td`);
    const huge = registry.get('huge');
    const before = rss();
    expect(await failure(huge.readProperty('big'))).toMatch(/^DRIVER_FAULT: reading huge\.big: the answer is larger than 8 MiB, refused/);
    expect(await failure(huge.readProperty('bomb'))).toMatch(/^DRIVER_FAULT: reading huge\.bomb: the answer is larger than 8 MiB, refused/);
    // 256 MiB each were offered; well under that was held.
    expect(rss() - before).toBeLessThan(120 * MiB);
    expect(await huge.readProperty('fine')).toBe(21.5);
  });

  it('aborts a download at once when its instrument is removed', async () => {
    const { manager, registry } = makeManager();
    const instrument = await manager.add(`${hostile.base}huge/td`);
    const huge = registry.get('huge');
    const sentBefore = hostile.bytesSent();
    const reading = failure(huge.readProperty('big'));
    await until(() => hostile.openStreams() > 0);
    await manager.remove(instrument.id);
    expect(await reading).toMatch(/cancelled \(the instrument was stopped or removed\)|larger than/);
    await until(() => hostile.openStreams() === 0, 2000);
    const afterRemove = hostile.bytesSent();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing more is sent after the connection closed (a few chunks in flight at most).
    expect(hostile.bytesSent() - afterRemove).toBeLessThan(4 * MiB);
    expect(afterRemove - sentBefore).toBeLessThan(64 * MiB);
  });

  it('cuts an event stream whose line never ends, with the reason, and memory bounded', async () => {
    const { manager, registry, publisher } = makeManager();
    const before = rss();
    await manager.add(`${hostile.base}sse/td`);
    expect(registry.has('endless')).toBe(true);
    const state = await until(() => publisher.states('endless').find((each) => each.status === 'disconnected' && /grew past 1 MiB/.test(each.reason ?? '')), 10_000);
    expect(state.reason).toContain('event stream of endless failed');
    expect(rss() - before).toBeLessThan(120 * MiB);
  });

  it('notices a silent event stream and reconnects', async () => {
    const { manager, publisher } = makeManager(300);
    await manager.add(`${hostile.base}silent/td`);
    await until(() => publisher.values('silent', 'quiet').includes(1));
    const lost = await until(() => publisher.states('silent').find((each) => each.status === 'disconnected'), 5000);
    expect(lost.reason).toMatch(/event stream of quiet: nothing received for \d+ s/);
    // And it comes back (the loop reconnects, the stream gives its value again).
    await until(() => publisher.statuses('silent').lastIndexOf('connected') > publisher.statuses('silent').indexOf('disconnected'), 5000);
  });

  it('notices a long poll that never answers and reconnects', async () => {
    const { manager, publisher } = makeManager(300);
    await manager.add(`${hostile.base}silentpoll/td`);
    const lost = await until(() => publisher.states('silent-poll').find((each) => each.status === 'disconnected'), 5000);
    expect(lost.reason).toMatch(/long-poll of quiet: no answer for/);
  });

  it('sends credentials only to the origin they were given for, and refuses data:, javascript: and file: hrefs per affordance', async () => {
    const { manager, registry, publisher, logger } = makeManager();
    const foreignBefore = hostile.foreignRequests.length;
    await manager.add(`${hostile.base}foreign/td`, { scheme: 'bearer', token: 'SECRET-BEARER' });
    const thing = registry.get('foreign');
    // The whole Thing is connected despite its bad hrefs (one on an observe form).
    await until(() => publisher.statuses('foreign').includes('connected'));
    expect(thing.connection().status).toBe('connected');
    expect(await thing.readProperty('fine')).toBe(21.5);
    expect(hostile.requests.filter((request) => request.path === '/foreign/fine').every((request) => request.authorization === 'Bearer SECRET-BEARER')).toBe(true);
    // A form on another origin is used without the credentials.
    expect(await thing.readProperty('stolen')).toBe(1);
    const foreign = hostile.foreignRequests.slice(foreignBefore);
    expect(foreign.length).toBeGreaterThan(0);
    expect(foreign.every((request) => request.authorization === undefined)).toBe(true);
    // Unsafe hrefs: refused when the TD is loaded, the reason on that affordance.
    const td = thing.describe();
    expect(td.properties.inline?.problem).toBe('a form was refused: data: hrefs are refused');
    expect(td.properties.script?.problem).toBe('a form was refused: javascript: hrefs are refused');
    expect(td.properties.local?.problem).toBe('a form was refused: file: hrefs are refused');
    expect(td.properties.broken?.problem).toMatch(/is not a valid URL/);
    expect(td.properties.fine?.problem).toBeUndefined();
    expect(await failure(thing.readProperty('inline'))).toBe('NOT_FOUND: foreign.inline cannot be read (a form was refused: data: hrefs are refused)');
    expect(logger.lines.some((line) => line.includes('inline: a form was refused'))).toBe(true);
  });

  it('adds each Thing of a LabThings root once, however often a partial discovery is retried', async () => {
    const { manager, registry, settingsPath } = makeManager();
    // Saved earlier: loaded and retried with backoff, never refused outright.
    await mkdir(join(dir, 'settings'), { recursive: true });
    await writeFile(settingsPath, JSON.stringify({ version: 1, instruments: [{ id: 'p', url: `${hostile.base}partial/`, kind: 'labthings', auth: 'nosec' }] }));
    await manager.start();
    await until(() => registry.has('good'));
    // Many retry rounds of the (failing) LabThings sockets and discovery.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const names = registry.all().map((driver) => driver.name).sort();
    expect(names).toEqual(['bad', 'good']);
    expect(registry.get('bad').describe().properties.reading?.problem).toMatch(/not a valid URL/);
  });
});

describe('secrets in instrument URLs', () => {
  it('lists and saves a query-string secret redacted, and never writes it; the file is owner-only', async () => {
    const { manager, settingsPath } = makeManager();
    const added = await manager.add(`${hostile.base}deep/td?access_token=SECRET-QS&unit=si`);
    expect(added.url).toBe(`${hostile.base}deep/td?access_token=REDACTED&unit=si`);
    expect(manager.list().map((instrument) => instrument.url)).toEqual([added.url]);
    const text = await readFile(settingsPath, 'utf8');
    expect(text).not.toContain('SECRET-QS');
    expect(JSON.parse(text)).toMatchObject({ instruments: [{ url: added.url, querySecret: true }] });
    expect((await stat(settingsPath)).mode & 0o777).toBe(0o600);
    // After a restart it asks for the secret again instead of sending "REDACTED".
    await manager.stop();
    const again = makeManager();
    await again.manager.start();
    expect(again.manager.list()[0]?.connection).toMatchObject({ status: 'disconnected', reason: expect.stringContaining('carries a secret') });
  });
});

describe('the instruments file', () => {
  it('is made owner-only when an older version left it readable by others', async () => {
    const { manager, settingsPath } = makeManager();
    await mkdir(join(dir, 'settings'), { recursive: true });
    await writeFile(settingsPath, JSON.stringify({ version: 1, instruments: [] }), { mode: 0o644 });
    await manager.start();
    expect((await stat(settingsPath)).mode & 0o777).toBe(0o600);
  });
});
