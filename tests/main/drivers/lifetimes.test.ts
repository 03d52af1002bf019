// Every owner tears down in one call: after stop no timer of its clock is pending, the
// servers it talked to see their connections closed, a stop during a connect attempt leaves
// nothing behind, and stopping twice is harmless.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/main/core/clock';
import { silentLogger } from '../../../src/main/core/logger';
import { discover } from '../../../src/main/drivers/discovery';
import { HttpClient } from '../../../src/main/drivers/http';
import { InstrumentManager } from '../../../src/main/drivers/instrument-manager';
import { LabThingsDriver } from '../../../src/main/drivers/labthings-driver';
import { MqttInstrument } from '../../../src/main/drivers/mqtt-driver';
import { WotDriver } from '../../../src/main/drivers/wot-driver';
import { ThingRegistry } from '../../../src/main/things/registry';
import { ThingDescription } from '../../../src/shared/model';
import { fastBackoff, RecordingPublisher, until } from './helpers';
import { loadFixture, startLabThingsReplay } from './servers/labthings-replay';
import { findMosquitto, startMosquitto } from './servers/mosquitto';
import { startWotServer } from './servers/wot-server';

/** A real clock that knows which of its timers are still pending. */
function countingClock(): Clock & { pending(): number } {
  const live = new Set<unknown>();
  return {
    now: () => Date.now(),
    setTimeout(callback, ms) {
      const handle = setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      clearTimeout(handle as NodeJS.Timeout);
    },
    pending: () => live.size,
  };
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers (a peer stuck
 * mid-handshake), or forwards them to `target`. Counts the connections still open that
 * carried a request (fetch may also open a spare one, which its pool closes when idle).
 */
async function tcpPeer(target?: number): Promise<{ port: number; accepted: number; open(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const all = new Set<Socket>();
  const state = { accepted: 0 };
  const server: Server = createServer((socket) => {
    all.add(socket);
    socket.on('error', () => {});
    socket.once('data', () => {
      state.accepted += 1;
      sockets.add(socket);
    });
    socket.on('close', () => {
      sockets.delete(socket);
      all.delete(socket);
    });
    if (target === undefined) {
      socket.resume(); // read and ignore what comes, so its end is seen
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    get accepted() {
      return state.accepted;
    },
    open: () => sockets.size,
    close: async () => {
      for (const socket of all) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('LabThingsDriver lifetime', () => {
  it('stop closes the WebSocket (the server sees it go), leaves no timer, and is idempotent', async () => {
    const server = await startLabThingsReplay({ hold: true });
    cleanups.push(() => server.close());
    const clock = countingClock();
    const publisher = new RecordingPublisher();
    const td = ThingDescription.parse(loadFixture('td-sensor.json', server.port));
    const driver = new LabThingsDriver({ name: 'sensor', td, tdUrl: `${server.url}sensor/`, publisher, clock, logger: silentLogger, backoff: fastBackoff, invocationPollMs: 50, propertyPollMs: 50 });
    await driver.start();
    await until(() => publisher.statuses('sensor').includes('connected'));
    await until(() => server.observers() === 1);
    // A running invocation keeps a follow-up poll pending.
    await driver.invokeAction('ramp', { target: 30 }).catch(() => undefined);
    await driver.stop();
    await driver.stop();
    expect(clock.pending()).toBe(0);
    await until(() => server.observers() === 0);
    expect(publisher.statuses('sensor').at(-1)).toBe('disconnected');
    // It can start again, and stop again.
    await driver.start();
    await until(() => server.observers() === 1);
    await driver.stop();
    expect(clock.pending()).toBe(0);
    await until(() => server.observers() === 0);
  });

  it('a stop while the WebSocket handshake hangs closes that socket and leaves no timer', async () => {
    const peer = await tcpPeer();
    cleanups.push(() => peer.close());
    const clock = countingClock();
    const publisher = new RecordingPublisher();
    const td = ThingDescription.parse(loadFixture('td-sensor.json', peer.port));
    const driver = new LabThingsDriver({ name: 'sensor', td, tdUrl: `http://127.0.0.1:${peer.port}/sensor/`, publisher, clock, logger: silentLogger, backoff: fastBackoff });
    await driver.start();
    await until(() => peer.open() === 1);
    expect(publisher.statuses('sensor').at(-1)).toBe('connecting');
    await driver.stop();
    await until(() => peer.open() === 0);
    expect(clock.pending()).toBe(0);
    expect(publisher.statuses('sensor').at(-1)).toBe('disconnected');
  });
});

describe('WotDriver lifetime', () => {
  it('stop closes its event streams and long polls (the server sees them go) and leaves no timer', async () => {
    const server = await startWotServer();
    cleanups.push(() => server.close());
    const found = await discover(server.tdUrl, new HttpClient(), silentLogger);
    const thing = found.things[0];
    if (!thing) throw new Error('no Thing found');
    const clock = countingClock();
    const publisher = new RecordingPublisher();
    const driver = new WotDriver({ name: 'box', td: thing.td, tdUrl: thing.tdUrl, publisher, clock, logger: silentLogger, backoff: fastBackoff, propertyPollMs: 30 });
    await driver.start();
    await until(() => publisher.statuses('box').includes('connected'));
    await until(() => server.openStreams() === 2); // one event stream, one long poll
    expect(clock.pending()).toBeGreaterThan(0); // the poll of `status`, the stream watch
    await driver.stop();
    await driver.stop();
    expect(clock.pending()).toBe(0);
    await until(() => server.openStreams() === 0);
  });

  it('a stop while the first reads hang aborts them (the server sees the connection close) and leaves no timer', async () => {
    const server = await startWotServer();
    cleanups.push(() => server.close());
    const found = await discover(server.tdUrl, new HttpClient(), silentLogger);
    const thing = found.things[0];
    if (!thing) throw new Error('no Thing found');
    const peer = await tcpPeer();
    cleanups.push(() => peer.close());
    // The same Thing, every form pointing at a peer that accepts and never answers.
    const td = ThingDescription.parse(JSON.parse(JSON.stringify(thing.td).replaceAll(`127.0.0.1:${server.port}`, `127.0.0.1:${peer.port}`)));
    const clock = countingClock();
    const publisher = new RecordingPublisher();
    const driver = new WotDriver({ name: 'box', td, tdUrl: `http://127.0.0.1:${peer.port}/td`, publisher, clock, logger: silentLogger, backoff: fastBackoff });
    await driver.start();
    await until(() => peer.open() >= 1);
    expect(publisher.statuses('box').at(-1)).toBe('connecting');
    await driver.stop();
    await until(() => peer.open() === 0);
    expect(clock.pending()).toBe(0);
  });
});

const mosquitto = findMosquitto();

describe('MqttInstrument lifetime', () => {
  const instrumentOn = (port: number, clock: Clock) =>
    new MqttInstrument({
      url: `mqtt://127.0.0.1:${port}`,
      publisher: new RecordingPublisher(),
      clock,
      logger: silentLogger,
      backoff: fastBackoff,
      uniqueName: (key) => key,
      onThing: () => undefined,
    });

  it('a stop while the broker has not answered CONNECT closes the socket and leaves no timer', async () => {
    const peer = await tcpPeer();
    cleanups.push(() => peer.close());
    const clock = countingClock();
    const instrument = instrumentOn(peer.port, clock);
    await instrument.start();
    await until(() => peer.open() === 1);
    expect(instrument.connection().status).toBe('connecting');
    expect(clock.pending()).toBeGreaterThan(0); // the silence watch
    await instrument.stop();
    await instrument.stop();
    await until(() => peer.open() === 0);
    expect(clock.pending()).toBe(0);
    // Stopped is final: starting again opens nothing.
    await instrument.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.accepted).toBe(1);
    expect(clock.pending()).toBe(0);
  });

  it('a stop while waiting to reconnect cancels the reconnect', async () => {
    const peer = await tcpPeer();
    const port = peer.port;
    await peer.close(); // nothing listens there now: every attempt fails at once
    const clock = countingClock();
    const instrument = new MqttInstrument({
      url: `mqtt://127.0.0.1:${port}`,
      publisher: new RecordingPublisher(),
      clock,
      logger: silentLogger,
      backoff: { initialMs: 60_000, maxMs: 60_000, random: () => 0.5 },
      uniqueName: (key) => key,
      onThing: () => undefined,
    });
    await instrument.start();
    await until(() => instrument.connection().status === 'disconnected');
    expect(clock.pending()).toBe(2); // the reconnect and the silence watch
    await instrument.stop();
    expect(clock.pending()).toBe(0);
    expect(instrument.retryNow()).toBe(false);
  });

  it.skipIf(!mosquitto)('stop ends a live broker connection (seen closed on the way to Mosquitto)', async () => {
    const broker = await startMosquitto(mosquitto as string);
    cleanups.push(() => broker.stop());
    const proxy = await tcpPeer(broker.port);
    cleanups.push(() => proxy.close());
    const clock = countingClock();
    const instrument = instrumentOn(proxy.port, clock);
    await instrument.start();
    await until(() => instrument.connection().status === 'connected', 8000);
    expect(proxy.open()).toBe(1);
    await instrument.stop();
    await until(() => proxy.open() === 0);
    expect(clock.pending()).toBe(0);
  });
});

describe('InstrumentManager lifetime', () => {
  async function managerWith(clock: Clock) {
    const dir = await mkdtemp(join(tmpdir(), 'lifetimes-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const publisher = new RecordingPublisher();
    const registry = new ThingRegistry(publisher);
    const manager = new InstrumentManager({
      registry,
      publisher,
      settingsPath: join(dir, 'instruments.json'),
      logger: silentLogger,
      clock,
      backoff: { initialMs: 60_000, maxMs: 60_000, random: () => 0.5 },
    });
    return { manager, registry };
  }

  it('a stop during a discovery that hangs closes its connection, and the attempt leaves nothing behind', async () => {
    const peer = await tcpPeer();
    cleanups.push(() => peer.close());
    const clock = countingClock();
    const { manager, registry } = await managerWith(clock);
    const adding = manager.add(`http://127.0.0.1:${peer.port}/`, undefined, { persist: false }).then(
      () => 'added',
      () => 'refused',
    );
    await until(() => peer.open() >= 1);
    await manager.stop();
    await manager.stop();
    await until(() => peer.open() === 0);
    await adding;
    expect(clock.pending()).toBe(0);
    expect(registry.all()).toEqual([]);
    expect(manager.list()).toEqual([]);
  });

  it('stop cancels the retry of an instrument that did not answer, and removes its Things', async () => {
    const server = await startLabThingsReplay();
    cleanups.push(() => server.close());
    const down = await tcpPeer();
    const downPort = down.port;
    await down.close();
    const clock = countingClock();
    const { manager, registry } = await managerWith(clock);
    await manager.add(`http://127.0.0.1:${downPort}/`, undefined, { persist: false });
    expect(clock.pending()).toBe(1); // its next discovery attempt
    await manager.add(server.url, undefined, { persist: false });
    await until(() => registry.all().length > 0 && server.observers() > 0);
    await manager.stop();
    expect(clock.pending()).toBe(0);
    expect(registry.all()).toEqual([]);
    await until(() => server.observers() === 0);
    // The manager can be started again after a stop.
    await manager.add(server.url, undefined, { persist: false });
    await until(() => server.observers() > 0);
    await manager.stop();
    await until(() => server.observers() === 0);
    expect(clock.pending()).toBe(0);
  });
});
