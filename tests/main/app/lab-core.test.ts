import { afterEach, describe, expect, it, vi } from 'vitest';
import { CALL_CHANNELS, isViewerAllowed, type Instrument, type LiveBatch } from '../../../src/shared/contract';
import { silentLogger } from '../../../src/main/core/logger';
import { createLabCore, type LabCore } from '../../../src/main/app/lab-core';
import { chooseInstrumentConfig, type InstrumentsApi } from '../../../src/main/app/instrument-setup';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeThing } from '../ipc/fake-thing';
import { Message } from '../../../src/main/core/message';
import type { ServiceContext } from '../../../src/main/services/service';

let core: LabCore | undefined;
afterEach(async () => {
  await core?.dispose();
  core = undefined;
});

async function makeCore(instruments?: InstrumentsApi) {
  const things: FakeThing[] = [];
  core = await createLabCore({
    logger: silentLogger,
    instruments: instruments ?? false,
    things: (publisher) => {
      things.push(new FakeThing('thermo', publisher), new FakeThing('stage', publisher));
      return things;
    },
  });
  return { core, things };
}

describe('createLabCore', () => {
  it('runs the simulated instruments of the default config and serves live data', async () => {
    core = await createLabCore({ logger: silentLogger });
    const list = await core.handleCall('lab:things:list', {});
    expect(list.ok && Array.isArray(list.value) && list.value.map((thing: { name: string }) => thing.name).sort()).toEqual(
      ['psu', 'spectrometer', 'stage', 'thermo', 'vacuum'],
    );
    const batches: LiveBatch[] = [];
    const client = core.openClient({ send: (batch) => batches.push(batch) });
    await client.call('lab:live:subscribe', { thing: 'thermo', affordance: '*' });
    const deadline = Date.now() + 3000;
    while (batches.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches[0]?.items[0]).toMatchObject({ thing: 'thermo', seq: 1 });
    expect(await core.handleCall('lab:instruments:list', {})).toEqual({ ok: true, value: [] });
  });

  it('sends the current connection state and Thing list on subscribe, to that client only', async () => {
    const { core: lab } = await makeCore();
    const first: LiveBatch[] = [];
    const second: LiveBatch[] = [];
    const a = lab.openClient({ send: (batch) => first.push(batch) });
    const b = lab.openClient({ send: (batch) => second.push(batch) });
    await b.call('lab:live:subscribe', { thing: 'thermo', affordance: '$connection' });
    await a.call('lab:live:subscribe', { thing: 'thermo', affordance: '$connection' });
    await a.call('lab:live:subscribe', { thing: '$lab', affordance: 'things' });
    a.live.flush();
    b.live.flush();
    expect(first.flatMap((batch) => batch.items)).toMatchObject([
      { thing: 'thermo', affordance: '$connection', payload: { status: 'connected' } },
      { thing: '$lab', affordance: 'things', payload: [{ name: 'thermo' }, { name: 'stage' }] },
    ]);
    // b had its own state when it subscribed, and nothing more since.
    expect(second.flatMap((batch) => batch.items)).toHaveLength(1);
  });

  it('reports a bad instrument config clearly', async () => {
    await expect(createLabCore({ logger: silentLogger, instrumentConfig: { instruments: [{ kind: 'laser' }] } })).rejects.toThrow(/instruments\[0\]\.kind/);
  });

  it('registers and starts the Things, and stops them on dispose', async () => {
    const { core: lab, things } = await makeCore();
    expect(lab.registry.all().map((thing) => thing.name)).toEqual(['thermo', 'stage']);
    expect(things.every((thing) => thing.started)).toBe(true);
    await lab.dispose();
    expect(things.every((thing) => thing.stopped)).toBe(true);
  });

  it('routes calls to the registry and drivers', async () => {
    const { core: lab, things } = await makeCore();
    const list = await lab.handleCall('lab:things:list', {});
    expect(list).toMatchObject({ ok: true, value: [{ name: 'thermo', title: 'Fake thermo' }, { name: 'stage' }] });
    expect(await lab.handleCall('lab:property:write', { thing: 'thermo', property: 'level', value: 5 })).toEqual({ ok: true, value: null });
    expect(things[0]?.value).toBe(5);
    expect(await lab.handleCall('lab:property:read', { thing: 'thermo', property: 'level' })).toEqual({ ok: true, value: 5 });
    const invoked = await lab.handleCall('lab:action:invoke', { thing: 'stage', action: 'run', input: { x: 1 } });
    expect(invoked).toMatchObject({ ok: true, value: { id: 'inv-1', status: 'completed' } });
    expect(await lab.handleCall('lab:invocations:list', {})).toMatchObject({ ok: true, value: [{ thing: 'stage' }] });
    expect(await lab.handleCall('lab:invocations:get', { thing: 'stage', id: 'inv-1' })).toMatchObject({ ok: true });
  });

  it('returns errors as data with their codes, never throws', async () => {
    const { core: lab } = await makeCore();
    expect(await lab.handleCall('lab:nope', {})).toEqual({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('"lab:nope"') },
    });
    expect(await lab.handleCall(42, {})).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await lab.handleCall('lab:property:read', { thing: 'thermo' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('lab:property:read') },
    });
    expect(await lab.handleCall('lab:things:describe', { thing: 'ghost' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await lab.handleCall('lab:property:write', { thing: 'thermo', property: 'level', value: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: 'level must be a number' },
    });
    expect(await lab.handleCall('lab:action:invoke', { thing: 'stage', action: 'explode', input: null })).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'boom' },
    });
    expect(await lab.handleCall('lab:live:subscribe', { thing: 'thermo', affordance: 'level' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    expect(await lab.handleCall('lab:instruments:add', { url: 'http://example.org/' })).toMatchObject({ ok: false });
    expect(await lab.handleCall('lab:instruments:list', {})).toEqual({ ok: true, value: [] });
  });

  it('gives each client its own live channel through the same router', async () => {
    vi.useFakeTimers();
    try {
      const { core: lab, things } = await makeCore();
      const batches: LiveBatch[] = [];
      const client = lab.openClient({ send: (batch) => batches.push(batch) });
      expect(await client.call('lab:live:subscribe', { thing: 'thermo', affordance: 'level' })).toEqual({ ok: true, value: null });
      things[0]?.emit(1);
      vi.advanceTimersByTime(16);
      expect(batches[0]?.items[0]).toMatchObject({ thing: 'thermo', affordance: 'level', payload: 1, seq: 1 });
      expect(await client.call('lab:live:unsubscribe', { thing: 'thermo', affordance: 'level' })).toEqual({ ok: true, value: null });
      expect(await client.call('lab:live:unsubscribe', { thing: 'thermo', affordance: 'level' })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      await client.call('lab:live:subscribe', { thing: 'thermo', affordance: 'level' });
      expect(lab.broker).toBeDefined();
      client.dispose();
      things[0]?.emit(2);
      vi.advanceTimersByTime(16);
      expect(batches).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('routes instrument calls to the pluggable manager and connects --connect URLs', async () => {
    const instrument: Instrument = {
      id: 'i1',
      url: 'http://lab.example:5000/',
      kind: 'labthings',
      things: [],
      connection: { status: 'connecting', since: '2026-01-01T00:00:00Z' },
    };
    const manager: InstrumentsApi = {
      list: () => [instrument],
      add: vi.fn(async () => instrument),
      remove: vi.fn(async () => undefined),
    };
    core = await createLabCore({ logger: silentLogger, things: () => [], instruments: () => manager, connect: ['http://lab.example:5000/'] });
    expect(manager.add).toHaveBeenCalledWith('http://lab.example:5000/');
    expect(await core.handleCall('lab:instruments:list', {})).toEqual({ ok: true, value: [instrument] });
    expect(await core.handleCall('lab:instruments:add', { url: 'not a url' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await core.handleCall('lab:instruments:remove', { id: 'i1' })).toEqual({ ok: true, value: null });
    expect(manager.remove).toHaveBeenCalledWith('i1');
  });
  it('never logs the credentials of a --connect URL', async () => {
    const lines: string[] = [];
    const logger = {
      info: () => undefined,
      warn: (message: string) => void lines.push(message),
      error: (message: string) => void lines.push(message),
    };
    const manager: InstrumentsApi = {
      list: () => [],
      add: vi.fn(async () => {
        throw new Error('refused');
      }),
      remove: vi.fn(async () => undefined),
    };
    const url = 'http://alice:s3cret@lab.example:5000/?token=t0ken';
    core = await createLabCore({ logger, things: () => [], instruments: () => manager, connect: [url] });
    await vi.waitFor(() => expect(lines.some((line) => line.includes('--connect'))).toBe(true));
    await core.dispose();
    core = await createLabCore({ logger, things: () => [], instruments: false, connect: [url] });
    expect(lines.some((line) => line.includes('cannot connect'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain('s3cret');
      expect(line).not.toContain('t0ken');
    }
  });
});

describe('chooseInstrumentConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-config-'));
  const shipped = join(dir, 'shipped.json');
  const userFile = join(dir, 'user.json');
  writeFileSync(shipped, '{"instruments":[]}');

  it('prefers the file named on the command line', () => {
    expect(chooseInstrumentConfig({ explicit: 'mine.json', userFile, shipped }).config).toBe('mine.json');
  });

  it('uses the shipped default while the user has no file of their own, and says so', () => {
    const choice = chooseInstrumentConfig({ userFile, shipped });
    expect(choice.config).toBe(shipped);
    expect(choice.note).toContain('default configuration');
    expect(choice.note).toContain(userFile);
  });

  it("uses the user's own file once it exists", () => {
    writeFileSync(userFile, '{"instruments":[]}');
    expect(chooseInstrumentConfig({ userFile, shipped }).config).toBe(userFile);
    rmSync(userFile);
  });

  it('falls back to all five simulated instruments when nothing is shipped', () => {
    const choice = chooseInstrumentConfig({ shipped: join(dir, 'missing.json') });
    expect(choice.config).toEqual({ instruments: ['thermo', 'stage', 'spectrometer', 'psu', 'vacuum'].map((kind) => ({ kind })) });
    expect(choice.note).toContain('all five');
  });
});

describe('createLabCore services', () => {
  it('starts services after the Things, feeds them every Thing with one subscription, and stops them last', async () => {
    const order: string[] = [];
    const seen: string[] = [];
    const make = (name: string, fail = false) => {
      let sink: { sendNowait(message: { thing: string; affordance: string }): void } | undefined;
      let release: (() => void) | undefined;
      return (context: ServiceContext) => ({
        name,
        start() {
          order.push(`start ${name}`);
          if (fail) throw new Error('cannot start');
          sink = { sendNowait: (message) => void seen.push(`${name}:${message.thing}/${message.affordance}`) };
          release = context.broker.subscribe('*', '*', sink as never);
        },
        stop() {
          order.push(`stop ${name}`);
          release?.();
        },
      });
    };
    const things: FakeThing[] = [];
    core = await createLabCore({
      logger: silentLogger,
      instruments: false,
      things: (publisher) => {
        things.push(new FakeThing('thermo', publisher));
        return things;
      },
      services: (context) => [make('broken', true)(context), make('recorder')(context)],
    });
    expect(order).toEqual(['start broken', 'start recorder']);
    const later = new FakeThing('later', core.broker);
    core.registry.add(later);
    core.broker.publish(new Message({ thing: 'later', affordance: 'x', messageType: 'property', payload: 1 }));
    expect(seen).toContain('recorder:later/x');
    expect(seen.some((entry) => entry.startsWith('broken:'))).toBe(false);
    await core.dispose();
    core = undefined;
    // The broken service never started, so it is not stopped.
    expect(order).toEqual(['start broken', 'start recorder', 'stop recorder']);
  });
});

describe('createLabCore layouts', () => {
  it('serves layouts to every client; a viewer may list and export but not change them', async () => {
    const { core } = await makeCore();
    const operator = core.openClient({ send: () => undefined });
    const viewer = core.openClient({ send: () => undefined, role: 'viewer' });
    const body = { name: 'Bench', panels: [] };
    const refused = await viewer.call('lab:layouts:create', { body });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const created = await operator.call('lab:layouts:create', { body });
    expect(created.ok).toBe(true);
    const listed = await viewer.call('lab:layouts:list', {});
    expect(listed.ok && (listed.value as { saved: { name: string } }[]).map((layout) => layout.saved.name)).toContain('Bench');
    const id = created.ok ? (created.value as { id: string }).id : '';
    expect(await viewer.call('lab:layouts:export', { id })).toMatchObject({ ok: true, value: { format: 'lab-monitor-layout' } });
    expect(await viewer.call('lab:layouts:delete', { id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('writes a layout to the file a save dialog chose (the desktop app); without a dialog it says to download', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-layout-file-'));
    try {
      const asked: string[] = [];
      const answers: (string | undefined)[] = [join(dir, 'bench.layout.json'), undefined];
      core = await createLabCore({
        logger: silentLogger,
        instruments: false,
        things: (publisher) => [new FakeThing('thermo', publisher)],
        chooseExportFile: async (name) => {
          asked.push(name);
          return answers.shift();
        },
      });
      const created = await core.handleCall('lab:layouts:create', { body: { name: 'Bench 2', panels: [] } });
      const id = created.ok ? (created.value as { id: string }).id : '';
      expect(await core.handleCall('lab:layouts:saveFile', { id })).toEqual({ ok: true, value: { path: join(dir, 'bench.layout.json') } });
      expect(asked).toEqual(['Bench-2.layout.json']);
      expect(JSON.parse(readFileSync(join(dir, 'bench.layout.json'), 'utf8'))).toMatchObject({ format: 'lab-monitor-layout', layout: { name: 'Bench 2' } });
      expect(statSync(join(dir, 'bench.layout.json')).mode & 0o777).toBe(0o600);
      // Cancelled: nothing written, no error.
      expect(await core.handleCall('lab:layouts:saveFile', { id })).toEqual({ ok: true, value: { path: null } });
      await core.dispose();
      core = undefined;
      const { core: plain } = await makeCore();
      const other = await plain.handleCall('lab:layouts:create', { body: { name: 'B', panels: [] } });
      const refused = await plain.handleCall('lab:layouts:saveFile', { id: other.ok ? (other.value as { id: string }).id : '' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining('download') } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('roles', () => {
  it('lets a viewer make only the calls its contract entry allows; everything else is FORBIDDEN before any handler runs', async () => {
    const { core, things } = await makeCore();
    const viewer = core.openClient({ send: () => undefined, role: 'viewer', label: 'wall screen' });
    const writes = CALL_CHANNELS.filter((channel) => !isViewerAllowed(channel));
    expect(writes).toEqual(
      expect.arrayContaining(['lab:action:cancel', 'lab:action:invoke', 'lab:instruments:add', 'lab:instruments:remove', 'lab:property:write']),
    );
    // Reads of every kind stay open to viewers.
    expect(writes.filter((channel) => /:(list|read|describe|get|series|events|status|info|subscribe|unsubscribe|ack|export)$/.test(channel))).toEqual([]);
    for (const channel of writes) {
      const result = await viewer.call(channel, {});
      expect(result, channel).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: `${channel} needs an operator; this client (wall screen) only watches` } });
    }
    expect(await viewer.call('lab:property:write', { thing: 'thermo', property: 'level', value: 99 })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(things[0]?.value).toBe(20);
    expect(await viewer.call('lab:property:read', { thing: 'thermo', property: 'level' })).toEqual({ ok: true, value: 20 });
    expect(await viewer.call('lab:live:subscribe', { thing: 'thermo', affordance: 'level' })).toEqual({ ok: true, value: null });
    expect(await viewer.call('lab:client:info', {})).toEqual({ ok: true, value: { role: 'viewer', label: 'wall screen' } });
  });

  it('makes a client an operator by default, which may write', async () => {
    const { core, things } = await makeCore();
    const operator = core.openClient({ send: () => undefined });
    expect(await operator.call('lab:client:info', {})).toMatchObject({ ok: true, value: { role: 'operator' } });
    expect(await operator.call('lab:property:write', { thing: 'thermo', property: 'level', value: 3 })).toEqual({ ok: true, value: null });
    expect(things[0]?.value).toBe(3);
  });
});
