import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LabError } from '../../../src/shared/errors';
import { loadInstrumentConfig } from '../../../src/main/things/instrument-config';
import type { SimulatedThing } from '../../../src/main/things/simulated-thing';
import { createSimulatedThings } from '../../../src/main/things/simulated-things';
import { ISO_WITH_ZONE, RecordingPublisher } from './helpers';

const one = (publisher: RecordingPublisher, entry: object, seed = 7): SimulatedThing => {
  const [thing] = createSimulatedThings(loadInstrumentConfig({ seed, instruments: [entry] }), publisher);
  if (!thing) throw new Error('no thing created');
  return thing;
};

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LabError) return error.code;
    throw error;
  }
  return 'ok';
};

describe('simulated Things', () => {
  let publisher: RecordingPublisher;
  const started: SimulatedThing[] = [];
  const start = async (thing: SimulatedThing): Promise<SimulatedThing> => {
    started.push(thing);
    await thing.start();
    return thing;
  };
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-25T06:00:00.000Z') });
    publisher = new RecordingPublisher();
  });
  afterEach(async () => {
    for (const thing of started.splice(0)) await thing.stop();
    vi.useRealTimers();
  });

  it('publishes connection state on start and stop, and is silent after stop', async () => {
    const thing = one(publisher, { kind: 'psu' });
    expect(thing.source).toBe('simulated');
    expect(thing.connection().status).toBe('disconnected');
    expect(await codeOf(thing.readProperty('voltage'))).toBe('DISCONNECTED');
    await thing.start();
    expect(thing.connection()).toMatchObject({ status: 'connected' });
    expect(thing.connection().since).toMatch(ISO_WITH_ZONE);
    await vi.advanceTimersByTimeAsync(1000);
    expect(publisher.properties('psu').length).toBeGreaterThan(5);
    await thing.stop();
    expect(publisher.connections('psu').map((state) => [state.status, state.reason])).toEqual([
      ['connected', undefined],
      ['disconnected', 'stopped'],
    ]);
    publisher.clear();
    await vi.advanceTimersByTimeAsync(5000);
    expect(publisher.messages).toEqual([]);
  });

  it('gives the same sequence of published values for the same seed, another for another seed', async () => {
    const record = async (seed: number) => {
      const local = new RecordingPublisher();
      const things = createSimulatedThings(loadInstrumentConfig({ ...loadInstrumentConfig('config/instruments.json'), seed }), local);
      for (const thing of things) await start(thing);
      await vi.advanceTimersByTimeAsync(3000);
      for (const thing of things) await thing.stop();
      return local.messages
        .filter((message) => message.messageType === 'property' && message.affordance !== '$connection')
        .map((message) => [message.thing, message.affordance, message.payload]);
    };
    const first = await record(42);
    const second = await record(42);
    const other = await record(43);
    expect(first.length).toBeGreaterThan(150);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('stall: stops publishing for the window while staying connected, then republishes', async () => {
    const thing = await start(one(publisher, { kind: 'thermo', faults: { stall: { everySec: 20, durationSec: 5, firstAfterSec: 2 } } }));
    await vi.advanceTimersByTimeAsync(2000);
    const before = publisher.properties('thermo').length;
    expect(before).toBeGreaterThan(10);
    await vi.advanceTimersByTimeAsync(4900);
    expect(thing.isStalled()).toBe(true);
    expect(publisher.properties('thermo').length).toBe(before);
    expect(thing.connection().status).toBe('connected');
    expect(typeof (await thing.readProperty('temperature'))).toBe('number');
    await vi.advanceTimersByTimeAsync(200);
    expect(thing.isStalled()).toBe(false);
    expect(publisher.properties('thermo').length).toBeGreaterThan(before);
    expect(publisher.connections('thermo')).toHaveLength(1);
  });

  it('disconnect: disconnected with a reason, requests refused, then connecting and connected again, repeatedly', async () => {
    const thing = await start(
      one(publisher, { kind: 'stage', faults: { disconnect: { everySec: 10, downSec: 3, connectingSec: 1, firstAfterSec: 1 } } }),
    );
    const move = await thing.invokeAction('moveTo', { x: 20000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(thing.connection()).toMatchObject({ status: 'disconnected', reason: 'link lost (simulated fault)' });
    expect(thing.connection().nextAttempt).toMatch(ISO_WITH_ZONE);
    expect(await codeOf(thing.readProperty('x'))).toBe('DISCONNECTED');
    expect(await codeOf(thing.writeProperty('speed', 10))).toBe('DISCONNECTED');
    expect(await codeOf(thing.invokeAction('home', null))).toBe('DISCONNECTED');
    expect(await codeOf(thing.readProperty('nope'))).toBe('NOT_FOUND');
    expect(await thing.getInvocation(move.id)).toMatchObject({ status: 'error', error: { title: 'DISCONNECTED' } });
    const quiet = publisher.properties('stage').length;
    await vi.advanceTimersByTimeAsync(2500);
    expect(publisher.properties('stage').length).toBe(quiet);
    await vi.advanceTimersByTimeAsync(600);
    expect(thing.connection().status).toBe('connecting');
    await vi.advanceTimersByTimeAsync(1000);
    expect(thing.connection().status).toBe('connected');
    expect(typeof (await thing.readProperty('x'))).toBe('number');
    await vi.advanceTimersByTimeAsync(10_000);
    const statuses = publisher.connections('stage').map((state) => state.status);
    expect(statuses).toEqual(['connected', 'disconnected', 'connecting', 'connected', 'disconnected', 'connecting', 'connected']);
  });

  it('actionFailure: invocations end in error with a clear message; other actions are unaffected', async () => {
    const thing = await start(
      one(publisher, { kind: 'stage', faults: { actionFailure: { actions: ['home'], message: 'axis driver overcurrent' } } }),
    );
    const home = await thing.invokeAction('home', null);
    await vi.advanceTimersByTimeAsync(100);
    expect(await thing.getInvocation(home.id)).toMatchObject({
      status: 'error',
      error: { title: 'DRIVER_FAULT', detail: 'axis driver overcurrent' },
    });
    expect((await thing.getInvocation(home.id)).log.at(-1)).toMatchObject({ level: 'error', message: 'failed: axis driver overcurrent' });
    const move = await thing.invokeAction('moveTo', { x: 10 });
    await vi.advanceTimersByTimeAsync(500);
    expect((await thing.getInvocation(move.id)).status).toBe('completed');
  });

  it('actionFailure with a probability fails some invocations, reproducibly', async () => {
    const outcomes = async (): Promise<string[]> => {
      const thing = await start(one(new RecordingPublisher(), { kind: 'thermo', faults: { actionFailure: { probability: 0.5 } } }));
      const ids: string[] = [];
      // rampTo runs one at a time: let each finish before the next.
      for (let index = 0; index < 20; index++) {
        ids.push((await thing.invokeAction('rampTo', { target: 25 })).id);
        await vi.advanceTimersByTimeAsync(100);
      }
      const statuses = await Promise.all(ids.map(async (id) => (await thing.getInvocation(id)).status));
      await thing.stop();
      return statuses;
    };
    const first = await outcomes();
    expect(first).toContain('error');
    expect(first).toContain('completed');
    expect(await outcomes()).toEqual(first);
  });

  it('slowActions: actions take factor times longer', async () => {
    const normal = await start(one(publisher, { kind: 'stage', name: 'fast' }));
    const slow = await start(one(publisher, { kind: 'stage', name: 'slow', faults: { slowActions: { factor: 3 } } }));
    const a = await normal.invokeAction('moveTo', { x: 1000 });
    const b = await slow.invokeAction('moveTo', { x: 1000 });
    await vi.advanceTimersByTimeAsync(1100);
    expect((await normal.getInvocation(a.id)).status).toBe('completed');
    expect((await slow.getInvocation(b.id)).status).toBe('running');
    await vi.advanceTimersByTimeAsync(2000);
    expect((await slow.getInvocation(b.id)).status).toBe('completed');
  });

  it('spikes: occasional outliers far from the normal noise', async () => {
    const clean = await start(one(publisher, { kind: 'psu', name: 'clean' }));
    const spiky = await start(one(publisher, { kind: 'psu', name: 'spiky', faults: { spikes: { probability: 0.1, magnitude: 2 } } }));
    await vi.advanceTimersByTimeAsync(20_000);
    const outliers = (name: string) => publisher.numbers(name, 'voltage').slice(10).filter((volts) => Math.abs(volts - 5) > 1);
    expect(outliers('clean')).toEqual([]);
    expect(outliers('spiky').length).toBeGreaterThan(3);
    expect(clean.connection().status).toBe('connected');
    expect(spiky.connection().status).toBe('connected');
  });

  it('stop clears its ticker and every fault timer in one call, and can start again', async () => {
    const thing = one(publisher, {
      kind: 'stage',
      faults: { stall: { everySec: 20, durationSec: 5, firstAfterSec: 2 }, disconnect: { everySec: 10, downSec: 3, connectingSec: 1, firstAfterSec: 1 } },
    });
    expect(vi.getTimerCount()).toBe(0);
    await thing.start();
    vi.advanceTimersByTime(2500); // a disconnect and a stall are under way: more timers pending
    expect(vi.getTimerCount()).toBeGreaterThan(3);
    await thing.stop();
    expect(vi.getTimerCount()).toBe(0);
    await thing.stop();
    await thing.start();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await thing.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
