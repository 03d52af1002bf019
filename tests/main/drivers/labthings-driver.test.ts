import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LabThingsDriver } from '../../../src/main/drivers/labthings-driver';
import { LabError } from '../../../src/shared/errors';
import { ActionEventPayload, FRESHNESS_AFFORDANCE, ThingDescription } from '../../../src/shared/model';
import { fastBackoff, RecordingLogger, RecordingPublisher, until } from './helpers';
import { fixtureId, loadFixture, loadWsFixture, startLabThingsReplay, UNKNOWN_ID, type ReplayServer } from './servers/labthings-replay';

let server: ReplayServer | undefined;
let driver: LabThingsDriver | undefined;
afterEach(async () => {
  await driver?.stop();
  await server?.close();
  driver = undefined;
  server = undefined;
});

async function setup(options: Parameters<typeof startLabThingsReplay>[0] = {}) {
  server = await startLabThingsReplay(options);
  const publisher = new RecordingPublisher();
  const logger = new RecordingLogger();
  const td = ThingDescription.parse(loadFixture('td-sensor.json', server.port));
  driver = new LabThingsDriver({
    name: 'sensor',
    td,
    tdUrl: `${server.url}sensor/`,
    publisher,
    logger,
    backoff: fastBackoff,
    invocationPollMs: 50,
    propertyPollMs: 50,
  });
  return { server, driver, publisher, logger };
}

const codeOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof LabError ? `${error.code}: ${error.message}` : String(error);
  }
};

const actionEvents = (publisher: RecordingPublisher, action: string) =>
  publisher.values('sensor', action).map((payload) => ActionEventPayload.parse(payload));

const connected = (publisher: RecordingPublisher) => until(() => publisher.statuses('sensor').includes('connected'));

describe('LabThingsDriver against recorded labthings-fastapi exchanges', () => {
  it('reads every property once, then observes properties and actions with the recorded frames', async () => {
    const { server, driver, publisher } = await setup();
    await driver.start();
    await connected(publisher);
    expect(publisher.statuses('sensor').slice(0, 2)).toEqual(['connecting', 'connected']);
    expect(publisher.values('sensor', 'temperature')).toEqual([20.0]);
    expect(publisher.values('sensor', 'setpoint')).toEqual([25.0]);
    const recordedProperty = loadWsFixture('ws-observe-property.json').find((entry) => entry.dir === 'send')?.data;
    const recordedAction = loadWsFixture('ws-observe-action-completed.json').find((entry) => entry.dir === 'send')?.data;
    expect(server.wsReceived).toContainEqual(recordedProperty);
    expect(server.wsReceived).toContainEqual(recordedAction);
    // One key per frame: a refused key would make the server skip the later ones.
    expect(server.wsReceived.every((frame) => Object.keys(z.object({ data: z.record(z.string(), z.unknown()) }).parse(frame).data).length === 1)).toBe(true);
  });

  it('writes with PUT and publishes what the socket reports, every write', async () => {
    const { server, driver, publisher } = await setup();
    await driver.start();
    await connected(publisher);
    await driver.writeProperty('temperature', 22.5);
    await driver.writeProperty('temperature', 22.5);
    expect(server.requests).toContainEqual({ method: 'PUT', path: '/sensor/temperature', body: 22.5 });
    await until(() => publisher.values('sensor', 'temperature').length === 3);
    expect(publisher.values('sensor', 'temperature')).toEqual([20.0, 22.5, 22.5]);
    expect(await driver.readProperty('temperature')).toBe(22.5);
    expect(await driver.readProperty('doubled')).toBe(0);
  });

  it('maps the recorded HTTP errors to error codes', async () => {
    const { driver, server } = await setup();
    expect(await codeOf(driver.writeProperty('counter', 5))).toMatch(/^READ_ONLY: .*405 Method Not Allowed/);
    expect(await codeOf(driver.writeProperty('setpoint', 200.0))).toMatch(/^INVALID_ARGUMENT: .*Input should be less than or equal to 150/);
    expect(await codeOf(driver.invokeAction('ramp', { steps: 'many' }))).toMatch(
      /^INVALID_ARGUMENT: .*steps: Input should be a valid integer/,
    );
    expect(await codeOf(driver.invokeAction('calibrate', { gain: 0 }))).toMatch(
      /offset: Field required; gain: Input should be greater than 0/,
    );
    expect(await codeOf(driver.invokeAction('increment_counter', { by: 2 }))).toMatch(/^INVALID_ARGUMENT: .*by: Extra inputs are not permitted/);
    expect(await codeOf(driver.getInvocation(UNKNOWN_ID))).toMatch(/^NOT_FOUND: .*No action invocation found/);
    expect(await codeOf(driver.cancelInvocation(UNKNOWN_ID))).toMatch(/^NOT_FOUND/);
    expect(await codeOf(driver.readProperty('nope'))).toMatch(/^NOT_FOUND/);
    server.override('GET', '/sensor/temperature', 404, '{"detail":"Not Found"}');
    expect(await codeOf(driver.readProperty('temperature'))).toMatch(/^NOT_FOUND/);
  });

  it('invokes an action and follows it to completion with its log and output', async () => {
    const { driver, publisher } = await setup();
    await driver.start();
    await connected(publisher);
    const invocation = await driver.invokeAction('ramp', { steps: 4, delay: 0.25 });
    expect(invocation).toMatchObject({ id: fixtureId(1), thing: 'sensor', action: 'ramp', status: 'pending', input: { steps: 4, delay: 0.25 } });
    // The server's naive time is this machine's local time, sent on in UTC.
    expect(invocation.timeRequested).toBe(new Date(2025, 2, 14, 15, 9, 26, 535).toISOString());
    await until(() => actionEvents(publisher, 'ramp').some((event) => event.invocation.status === 'completed'));
    const events = actionEvents(publisher, 'ramp');
    expect(events.map((event) => event.invocation.status)).toEqual(['pending', 'running', 'completed']);
    const log = events.flatMap((event) => event.newLog);
    expect(log.map((record) => record.message)).toEqual([1, 2, 3, 4].map((n) => expect.stringContaining(`step ${n}/4`)));
    expect(log.every((record) => record.level === 'info' && new Date(record.time).toISOString() === '2025-03-14T14:09:26.535Z')).toBe(true);
    const done = await driver.getInvocation(fixtureId(1));
    expect(done).toMatchObject({ status: 'completed', output: 26.5, error: null });
    expect(done.log).toHaveLength(4);
    const listed = await driver.listInvocations();
    expect(listed.map((item) => item.id)).toContain(fixtureId(1));
  });

  it('reports a failed invocation with problem details and log levels', async () => {
    const { driver, publisher } = await setup();
    await driver.start();
    await connected(publisher);
    await driver.invokeAction('fail', {});
    await until(() => actionEvents(publisher, 'fail').some((event) => event.invocation.status === 'error'));
    const failed = await driver.getInvocation(fixtureId(7));
    expect(failed.error).toEqual({
      title: 'ValueError',
      detail: 'deliberate failure',
      status: 500,
      type: 'https://docs.python.org/3/library/exceptions.html#ValueError',
    });
    expect(failed.log.map((record) => [record.level, record.message])).toEqual([
      ['warning', 'about to fail on purpose'],
      ['error', 'ValueError: deliberate failure'],
    ]);
  });

  it('keeps falsy outputs (the /output endpoint answers 503 for them) and typed outputs', async () => {
    const { driver, publisher } = await setup();
    await driver.start();
    await connected(publisher);
    const reset = await driver.invokeAction('reset_counter', {});
    const calibrate = await driver.invokeAction('calibrate', { offset: 0.5, gain: 2.0, label: 'probe-A' });
    await until(() => actionEvents(publisher, 'calibrate').some((event) => event.invocation.status === 'completed'));
    await until(() => actionEvents(publisher, 'reset_counter').some((event) => event.invocation.status === 'completed'));
    expect((await driver.getInvocation(reset.id)).output).toBe(0);
    expect(calibrate.id).toBe(fixtureId(2));
  });

  it('cancels with DELETE, and a second cancel is a conflict', async () => {
    const { driver, publisher } = await setup();
    await driver.start();
    await connected(publisher);
    const invocation = await driver.invokeAction('ramp', { steps: 50, delay: 0.1 });
    await until(() => actionEvents(publisher, 'ramp').some((event) => event.invocation.status === 'running'));
    await driver.cancelInvocation(invocation.id);
    await until(() => actionEvents(publisher, 'ramp').some((event) => event.invocation.status === 'cancelled'));
    const cancelled = await driver.getInvocation(invocation.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', error: null });
    expect(cancelled.log.at(-1)?.message).toMatch(/was cancelled/);
    expect(await codeOf(driver.cancelInvocation(invocation.id))).toMatch(/^CONFLICT: .*may not be cancelled/);
  });

  it('follows invocations started by someone else when the socket reports them', async () => {
    const { driver, publisher, server } = await setup();
    await driver.start();
    await connected(publisher);
    const response = await fetch(`${server.url}sensor/increment_counter`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(201);
    await until(() => actionEvents(publisher, 'increment_counter').some((event) => event.invocation.status === 'completed'));
  });

  it('polls a functional property the socket refuses to observe (403 with a string status)', async () => {
    const { driver, publisher, server } = await setup();
    await driver.start();
    await connected(publisher);
    await until(() => server.requests.filter((request) => request.path === '/sensor/doubled').length >= 3);
    // Every poll confirms the value (so its age restarts), changed or not.
    await until(() => publisher.values('sensor', 'doubled').length >= 2);
    expect(new Set(publisher.values('sensor', 'doubled'))).toEqual(new Set([0]));
    // And it says how it is kept fresh: polled every 50 ms, the others pushed.
    expect(publisher.values('sensor', FRESHNESS_AFFORDANCE).at(-1)).toEqual({
      counter: { mode: 'pushed' },
      doubled: { mode: 'polled', periodMs: 50 },
      setpoint: { mode: 'pushed' },
      temperature: { mode: 'pushed' },
    });
    expect(driver.freshness()['doubled']).toEqual({ mode: 'polled', periodMs: 50 });
  });

  it('logs WebSocket errors and ignores garbage frames without losing the connection', async () => {
    const { driver, publisher, server, logger } = await setup();
    await driver.start();
    await connected(publisher);
    server.pushFrame(loadWsFixture('ws-error-missing-property-404.json').find((entry) => entry.dir === 'recv')?.data);
    server.pushFrame(loadWsFixture('ws-error-not-an-action-404.json').find((entry) => entry.dir === 'recv')?.data);
    server.pushFrame('not json {');
    server.pushFrame({ messageType: 'propertyStatus', data: { temperature: 'hot' } });
    server.pushFrame({ messageType: 'propertyStatus', data: { temperature: 30.5 } });
    await until(() => publisher.values('sensor', 'temperature').includes(30.5));
    expect(publisher.values('sensor', 'temperature')).not.toContain('hot');
    expect(logger.lines.some((line) => line.includes('observeproperty nope: 404'))).toBe(true);
    expect(logger.lines.some((line) => line.includes('observeaction temperature: 404'))).toBe(true);
    expect(driver.connection().status).toBe('connected');
  });

  it('turns garbage HTTP answers into DRIVER_FAULT', async () => {
    const { driver, server } = await setup();
    server.override('GET', '/sensor/temperature', 200, 'not json {');
    expect(await codeOf(driver.readProperty('temperature'))).toMatch(/^DRIVER_FAULT/);
    server.override('GET', '/sensor/temperature', 200, '"hot"');
    expect(await codeOf(driver.readProperty('temperature'))).toMatch(/^DRIVER_FAULT/);
    server.override('POST', '/sensor/ramp', 201, '{"id": 3}');
    expect(await codeOf(driver.invokeAction('ramp', {}))).toMatch(/^DRIVER_FAULT/);
  });

  it('reports DISCONNECTED when nothing listens', async () => {
    const { driver, server } = await setup();
    await server.close();
    expect(await codeOf(driver.readProperty('temperature'))).toMatch(/^DISCONNECTED/);
  });

  it('reconnects when the server goes away and comes back, then reads and observes again', async () => {
    const first = await setup();
    await first.driver.start();
    await connected(first.publisher);
    const port = first.server.port;
    await first.server.close();
    await until(() => first.publisher.states('sensor').some((state) => state.status === 'disconnected' && state.reason));
    const lost = first.publisher.states('sensor').find((state) => state.status === 'disconnected');
    expect(lost?.nextAttempt).toBeDefined();
    server = await startLabThingsReplay({ port });
    const comeback = server;
    await until(() => first.publisher.statuses('sensor').lastIndexOf('connected') > 1, 8000);
    expect(first.publisher.statuses('sensor')).toEqual(expect.arrayContaining(['connecting', 'disconnected', 'connected']));
    await until(() => comeback.observers() === 1);
    comeback.setProperty('temperature', 31.0);
    await until(() => first.publisher.values('sensor', 'temperature').includes(31.0));
    // Re-read after the reconnect: the value is published again.
    expect(first.publisher.values('sensor', 'temperature').filter((value) => value === 20.0)).toHaveLength(2);
  });

  it('stops publishing after stop()', async () => {
    const { driver, publisher, server } = await setup();
    await driver.start();
    await connected(publisher);
    await driver.stop();
    const count = publisher.messages.length;
    server.setProperty('temperature', 40);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(publisher.messages.length).toBe(count);
    expect(driver.connection()).toMatchObject({ status: 'disconnected', reason: 'stopped' });
  });
});
