import { afterEach, describe, expect, it } from 'vitest';
import { createLabCore, type LabCore } from '../../../src/main/app/lab-core';
import { Backoff, type BackoffOptions } from '../../../src/main/drivers/backoff';
import { discover } from '../../../src/main/drivers/discovery';
import { HttpClient } from '../../../src/main/drivers/http';
import { LabThingsDriver } from '../../../src/main/drivers/labthings-driver';
import { WotDriver } from '../../../src/main/drivers/wot-driver';
import { silentLogger } from '../../../src/main/core/logger';
import { LabError } from '../../../src/shared/errors';
import {
  ActionEventPayload,
  FRESHNESS_AFFORDANCE,
  LOST_ON_REMOVE,
  LOST_ON_RESTART,
  ThingDescription,
  type Invocation,
} from '../../../src/shared/model';
import { fastBackoff, RecordingLogger, RecordingPublisher, until } from './helpers';
import { loadFixture, startLabThingsReplay, type ReplayOptions, type ReplayServer } from './servers/labthings-replay';
import { startWotServer, type WotServer } from './servers/wot-server';

// What the operator sees must stay true across restarts of the instrument's server, runs
// started elsewhere and refusals that name one input. Real servers on 127.0.0.1: the
// LabThings replay of a recorded labthings-fastapi v0.3.0 server, and the WoT test Thing.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The newest published state of each invocation of an action. */
function latest(publisher: RecordingPublisher, thing: string, action: string): Map<string, ActionEventPayload['invocation']> {
  const byId = new Map<string, ActionEventPayload['invocation']>();
  for (const payload of publisher.values(thing, action)) {
    const { invocation } = ActionEventPayload.parse(payload);
    byId.set(invocation.id, invocation);
  }
  return byId;
}

interface LabThingsSetup {
  server: ReplayServer;
  driver: LabThingsDriver;
  publisher: RecordingPublisher;
  logger: RecordingLogger;
  /** Stops the server and starts a fresh one on the same port (it has forgotten every invocation). */
  restart(options?: ReplayOptions): Promise<ReplayServer>;
}

async function labThings(options: ReplayOptions = {}, backoff: BackoffOptions = fastBackoff): Promise<LabThingsSetup> {
  let server = await startLabThingsReplay(options);
  const port = server.port;
  const publisher = new RecordingPublisher();
  const logger = new RecordingLogger();
  const td = ThingDescription.parse(loadFixture('td-sensor.json', port));
  const driver = new LabThingsDriver({
    name: 'sensor',
    td,
    tdUrl: `${server.url}sensor/`,
    publisher,
    logger,
    backoff,
    invocationPollMs: 30,
    propertyPollMs: 50,
  });
  const setup: LabThingsSetup = {
    server,
    driver,
    publisher,
    logger,
    restart: async (next = options) => {
      await server.close();
      server = await startLabThingsReplay({ ...next, port });
      setup.server = server;
      return server;
    },
  };
  cleanups.push(async () => {
    await driver.stop();
    await setup.server.close();
  });
  await driver.start();
  await until(() => driver.connection().status === 'connected');
  return setup;
}

const post = async (server: ReplayServer, path: string, body: unknown): Promise<{ id: string }> => {
  const response = await fetch(`${server.url}${path.replace(/^\//, '')}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
};

describe('LabThings: invocations stay true across a server restart', () => {
  it('ends an invocation the restarted server no longer knows as failed, and stops polling it', async () => {
    const { driver, publisher, restart } = await labThings({ hold: true });
    const started = await driver.invokeAction('ramp', { steps: 3, delay: 0.1 });
    expect(started.status).toBe('pending');

    const server = await restart({ hold: true });
    await until(() => latest(publisher, 'sensor', 'ramp').get(started.id)?.status === 'error', 5000);
    const lost = latest(publisher, 'sensor', 'ramp').get(started.id);
    expect(lost?.error?.title).toBe(LOST_ON_RESTART);
    expect(lost?.timeCompleted).toMatch(/Z$/);
    expect(Date.parse(lost?.timeCompleted ?? '')).toBeLessThanOrEqual(Date.now());

    // No longer polled: the 404 was the last request about it.
    const asked = () => server.requests.filter((request) => request.path.includes(started.id)).length;
    const before = asked();
    await sleep(300);
    expect(asked()).toBe(before);
    expect((await driver.getInvocation(started.id)).status).toBe('error');
    // Cancel has nothing left to cancel; it answers with the ended invocation, not a 404.
    expect((await driver.cancelInvocation(started.id)).status).toBe('error');
  });

  it('lists the restarted server’s invocations again and follows a run started elsewhere', async () => {
    const { driver, publisher, restart } = await labThings({ hold: true });
    await driver.invokeAction('ramp', { steps: 3, delay: 0.1 });
    await driver.stop();
    const server = await restart({ hold: true });
    // Started by another client while Lab Monitor was away. (The replay numbers its ids from
    // the same start after a restart, which a real server's UUIDs never do: skip the one we knew.)
    await post(server, '/sensor/ramp', { steps: 5, delay: 0.1 });
    const elsewhere = await post(server, '/sensor/ramp', { steps: 7, delay: 0.1 });
    await driver.start();
    await until(() => latest(publisher, 'sensor', 'ramp').get(elsewhere.id), 5000);
    expect(latest(publisher, 'sensor', 'ramp').get(elsewhere.id)?.input).toEqual({ steps: 7, delay: 0.1 });
  });

  it('shows a new run of an action started elsewhere while one of ours is followed', async () => {
    const { driver, publisher, server } = await labThings({ hold: true });
    const ours = await driver.invokeAction('ramp', { steps: 3, delay: 0.1 });
    const theirs = await post(server, '/sensor/ramp', { steps: 9, delay: 0.1 });
    expect(theirs.id).not.toBe(ours.id);
    await until(() => latest(publisher, 'sensor', 'ramp').get(theirs.id), 5000);
    expect(latest(publisher, 'sensor', 'ramp').get(ours.id)?.status).toBe('pending');
  });

  it('ends the open invocations of a removed Thing with the reason', async () => {
    const { driver, publisher } = await labThings({ hold: true });
    const started = await driver.invokeAction('ramp', { steps: 3, delay: 0.1 });
    await driver.stop('removed');
    const ended = latest(publisher, 'sensor', 'ramp').get(started.id);
    expect(ended).toMatchObject({ status: 'error', error: { title: LOST_ON_REMOVE } });
  });

  it('reads invocations listed from the server in full: output and log', async () => {
    const { driver, server } = await labThings();
    // The recorded ramp: four steps, each logged, output 26.5.
    const run = await driver.invokeAction('ramp', { steps: 4, delay: 0.25 });
    for (let tries = 0; (await driver.getInvocation(run.id)).status !== 'completed'; tries += 1) {
      if (tries > 100) throw new Error('ramp did not complete');
      await sleep(30);
    }
    // A fresh Lab Monitor (after a reload or restart) knows it only from the server's list.
    const publisher = new RecordingPublisher();
    const td = ThingDescription.parse(loadFixture('td-sensor.json', server.port));
    const fresh = new LabThingsDriver({ name: 'sensor', td, tdUrl: `${server.url}sensor/`, publisher, backoff: fastBackoff });
    const listed = (await fresh.listInvocations()).find((invocation) => invocation.id === run.id);
    const direct = await driver.getInvocation(run.id);
    expect(listed?.status).toBe('completed');
    expect(listed?.input).toEqual({ steps: 4, delay: 0.25 });
    expect(listed?.output).toEqual(direct.output);
    expect(listed?.output).not.toBeNull();
    expect(listed?.log.length).toBeGreaterThan(0);
    expect(listed?.log).toEqual(direct.log);
    // Nothing was published for a list call (no timeline entries for old runs).
    expect(publisher.messages.filter((message) => message.messageType === 'action')).toEqual([]);
  });
});

describe('LabThings: no-input actions and field-level refusals', () => {
  it('runs an action described as oneOf an empty object or null with a null body, as recorded', async () => {
    const { driver, server, publisher } = await labThings();
    const run = await driver.invokeAction('increment_counter', null);
    expect(server.requests).toContainEqual({ method: 'POST', path: '/sensor/increment_counter', body: null });
    await until(() => latest(publisher, 'sensor', 'increment_counter').get(run.id)?.status === 'completed');
  });

  it('names the refused inputs of a 422, so each message can stand next to its input', async () => {
    const { driver } = await labThings();
    const error = await driver.invokeAction('calibrate', { gain: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).code).toBe('INVALID_ARGUMENT');
    expect((error as LabError).fields).toEqual({ offset: 'Field required', gain: 'Input should be greater than 0' });
  });

  it('carries the field messages across the call boundary', async () => {
    const server = await startLabThingsReplay();
    cleanups.push(() => server.close());
    const ready: LabCore = await createLabCore({ things: () => [], logger: silentLogger, connect: [server.url] });
    cleanups.push(() => ready.dispose());
    await until(() => ready.registry.has('sensor') && ready.registry.get('sensor').connection().status === 'connected', 5000);
    const result = await ready.handleCall('lab:action:invoke', { thing: 'sensor', action: 'calibrate', input: { gain: 0 } });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', fields: { offset: 'Field required', gain: 'Input should be greater than 0' } } });
    // The freshness of each property is asked like any live state.
    const client = ready.openClient({ send: () => {} });
    cleanups.push(async () => client.dispose());
    expect((await client.call('lab:live:subscribe', { thing: 'sensor', affordance: FRESHNESS_AFFORDANCE })).ok).toBe(true);
  });

  it('names the refused inputs of a simulated Thing too', async () => {
    const core = await createLabCore({ instrumentConfig: { instruments: [{ kind: 'vacuum' }] }, logger: silentLogger, instruments: false });
    cleanups.push(() => core.dispose());
    const result = await core.handleCall('lab:action:invoke', { thing: 'vacuum', action: 'startPumpDown', input: { targetMbar: 0 } });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', fields: { targetMbar: expect.stringContaining('must be > 0') } } });
  });
});

describe('Reconnecting: Retry now and the 2 s ceiling', () => {
  it('retries at once when asked, instead of at the next attempt', async () => {
    const slow = { initialMs: 60_000, maxMs: 60_000, random: () => 0.999 };
    const { driver, restart, server } = await labThings({}, slow);
    const port = server.port;
    await server.close();
    await until(() => driver.connection().status === 'disconnected' && driver.connection().nextAttempt);
    const next = Date.parse(driver.connection().nextAttempt ?? '');
    expect(next - Date.now()).toBeGreaterThan(30_000);
    const back = await startLabThingsReplay({ port });
    cleanups.push(() => back.close());
    // Nothing happens by itself for a minute…
    await sleep(200);
    expect(driver.connection().status).toBe('disconnected');
    // …until the operator asks.
    driver.retryNow();
    await until(() => driver.connection().status === 'connected', 3000);
    void restart;
  });

  it('lets an operator retry through the call, not a viewer', async () => {
    const server = await startLabThingsReplay();
    cleanups.push(() => server.close());
    const core: LabCore = await createLabCore({ things: () => [], logger: silentLogger, connect: [server.url] });
    cleanups.push(() => core.dispose());
    await until(() => core.registry.has('sensor') && core.registry.get('sensor').connection().status === 'connected', 5000);
    const viewer = core.openClient({ send: () => {}, role: 'viewer' });
    const operator = core.openClient({ send: () => {} });
    cleanups.push(async () => {
      viewer.dispose();
      operator.dispose();
    });
    expect(await viewer.call('lab:instruments:retry', { thing: 'sensor' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Connected: there is nothing to retry, and it says so.
    expect(await operator.call('lab:instruments:retry', { thing: 'sensor' })).toEqual({ ok: true, value: { retried: false } });
  });

  it('schedules every attempt of a lost instrument at most 2 s after the last, however long it is away', async () => {
    const { driver, publisher, server } = await labThings({}, {});
    const port = server.port;
    await server.close();
    // Long enough for the attempts to have grown past their 2 s ceiling (0.5, 1, 2, 2… s).
    await sleep(5_000);
    const back = await startLabThingsReplay({ port });
    cleanups.push(() => back.close());
    await until(() => driver.connection().status === 'connected', 5000);
    const waits = publisher
      .states('sensor')
      .filter((state) => state.status === 'disconnected' && state.nextAttempt)
      .map((state) => Date.parse(state.nextAttempt ?? '') - Date.parse(state.since));
    expect(waits.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...waits)).toBeLessThanOrEqual(2000);
  });

  it('never waits more than 2 s between attempts by default', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 12 }, () => backoff.next());
    expect(Math.max(...delays)).toBeLessThanOrEqual(2000);
  });
});

describe('WoT: orphaned invocations, no-input actions, polled properties', () => {
  async function wot(measureMs = 100): Promise<{ server: WotServer; driver: WotDriver; publisher: RecordingPublisher; restart(): Promise<WotServer> }> {
    let server = await startWotServer({ measureMs });
    const port = server.port;
    const found = await discover(server.tdUrl, new HttpClient(), silentLogger);
    const thing = found.things[0];
    if (!thing) throw new Error('no Thing found');
    const publisher = new RecordingPublisher();
    const driver = new WotDriver({ name: 'box', td: thing.td, tdUrl: thing.tdUrl, publisher, backoff: fastBackoff, propertyPollMs: 50, invocationPollMs: 30 });
    const setup = {
      server,
      driver,
      publisher,
      restart: async () => {
        await server.close();
        server = await startWotServer({ measureMs, port });
        setup.server = server;
        return server;
      },
    };
    cleanups.push(async () => {
      await driver.stop();
      await setup.server.close();
    });
    await driver.start();
    await until(() => driver.connection().status === 'connected');
    return setup;
  }

  it('ends a followed invocation as failed when the restarted server answers 404, and stops polling', async () => {
    const { driver, publisher, restart } = await wot(60_000);
    const run: Invocation = await driver.invokeAction('measure', null);
    expect(run.status).toBe('running');
    const server = await restart();
    await until(() => latest(publisher, 'box', 'measure').get(run.id)?.status === 'error', 5000);
    expect(latest(publisher, 'box', 'measure').get(run.id)?.error?.title).toBe(LOST_ON_RESTART);
    const polls = () => server.requests.filter((request) => request.path.startsWith('/actions/measure/')).length;
    const before = polls();
    await sleep(300);
    expect(polls()).toBe(before);
  });

  it('invokes an action without input with no request body', async () => {
    const { driver, server } = await wot();
    const run = await driver.invokeAction('reset', {});
    expect(run.status).toBe('completed');
    expect(server.requests.find((request) => request.path === '/actions/reset')).toMatchObject({ method: 'POST', body: '' });
  });

  it('says which properties are pushed, polled or read on demand, and publishes every poll', async () => {
    const { driver, publisher } = await wot();
    expect(driver.freshness()).toEqual({
      temperature: { mode: 'pushed' },
      humidity: { mode: 'pushed' },
      status: { mode: 'polled', periodMs: 50 },
      setpoint: { mode: 'on-demand' },
    });
    expect(publisher.values('box', FRESHNESS_AFFORDANCE).at(-1)).toEqual(driver.freshness());
    // The value does not change, yet each poll confirms it.
    await until(() => publisher.values('box', 'status').length >= 4);
    expect(new Set(publisher.values('box', 'status'))).toEqual(new Set(['idle']));
  });
});
