import { afterEach, describe, expect, it } from 'vitest';
import { discover } from '../../../src/main/drivers/discovery';
import { HttpClient } from '../../../src/main/drivers/http';
import { silentLogger } from '../../../src/main/core/logger';
import { WotDriver } from '../../../src/main/drivers/wot-driver';
import type { Credentials } from '../../../src/shared/contract';
import { ActionEventPayload } from '../../../src/shared/model';
import { fastBackoff, RecordingLogger, RecordingPublisher, until } from './helpers';
import { startWotServer, type WotAuth, type WotServer } from './servers/wot-server';

let server: WotServer | undefined;
let driver: WotDriver | undefined;
afterEach(async () => {
  await driver?.stop();
  await server?.close();
  driver = undefined;
  server = undefined;
});

async function setup(auth: WotAuth, credentials?: Credentials, streamIdleMs?: number) {
  server = await startWotServer({ auth });
  const found = await discover(server.tdUrl, new HttpClient(undefined, credentials), silentLogger);
  expect(found.kind).toBe('wot');
  const thing = found.things[0];
  if (!thing) throw new Error('no Thing found');
  const publisher = new RecordingPublisher();
  const logger = new RecordingLogger();
  driver = new WotDriver({ name: 'box', td: thing.td, tdUrl: thing.tdUrl, publisher, logger, credentials, backoff: fastBackoff, propertyPollMs: 50, invocationPollMs: 30, streamIdleMs });
  await driver.start();
  return { server, driver, publisher, logger };
}

describe('WotDriver', () => {
  it('observes by SSE, long-poll and polling, writes and invokes (basic auth)', async () => {
    const { server, driver, publisher } = await setup({ scheme: 'basic', username: 'op', password: 'pw' }, { scheme: 'basic', username: 'op', password: 'pw' });
    await until(() => publisher.statuses('box').includes('connected'));
    expect(publisher.values('box', 'temperature')).toEqual([20]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.set('temperature', 21.5);
    server.set('humidity', 45);
    server.set('status', 'busy');
    await until(() => publisher.values('box', 'temperature').includes(21.5));
    await until(() => publisher.values('box', 'humidity').includes(45));
    await until(() => publisher.values('box', 'status').includes('busy'));
    // Polled: every read is published (it confirms the value), so only the order of changes counts.
    const changes = publisher.values('box', 'status').filter((value, index, all) => index === 0 || all[index - 1] !== value);
    expect(changes.slice(0, 2)).toEqual(['idle', 'busy']);
    await driver.writeProperty('setpoint', 30);
    expect(await driver.readProperty('setpoint')).toBe(30);
    await expect(driver.writeProperty('temperature', 1)).rejects.toMatchObject({ code: 'READ_ONLY' });
    const reset = await driver.invokeAction('reset', null);
    expect(reset).toMatchObject({ status: 'completed', output: { done: true } });
    const measure = await driver.invokeAction('measure', {});
    expect(measure.status).toBe('running');
    await until(() =>
      publisher.values('box', 'measure').map((payload) => ActionEventPayload.parse(payload)).some((event) => event.invocation.status === 'completed'),
    );
    expect(await driver.getInvocation(measure.id)).toMatchObject({ status: 'completed', output: 42 });
  });

  it('sends bearer tokens, and reports wrong credentials as a disconnection reason', async () => {
    const good = await setup({ scheme: 'bearer', token: 't0k' }, { scheme: 'bearer', token: 't0k' });
    await until(() => good.publisher.statuses('box').includes('connected'));
    await driver?.stop();
    const publisher = new RecordingPublisher();
    const thing = await discover(good.server.tdUrl, new HttpClient(undefined, { scheme: 'bearer', token: 't0k' }), silentLogger);
    const td = thing.things[0]?.td;
    if (!td) throw new Error('no TD');
    const logger = new RecordingLogger();
    driver = new WotDriver({ name: 'box', td, tdUrl: good.server.tdUrl, publisher, logger, credentials: { scheme: 'bearer', token: 'wrong' }, backoff: fastBackoff });
    await driver.start();
    await until(() => publisher.states('box').find((state) => state.status === 'disconnected' && state.reason?.includes('401')));
    expect(logger.lines.join('\n')).not.toContain('wrong');
  });

  it('reconnects after the server restarts and the event stream resumes', async () => {
    const first = await setup({ scheme: 'nosec' });
    await until(() => first.publisher.statuses('box').includes('connected'));
    const port = first.server.port;
    await first.server.close();
    await until(() => first.publisher.statuses('box').includes('disconnected'));
    server = await startWotServer({ port });
    const again = server;
    await until(() => first.publisher.statuses('box').lastIndexOf('connected') > 1, 8000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    again.set('temperature', 33);
    await until(() => first.publisher.values('box', 'temperature').includes(33));
  });

  it('follows a running invocation again after a reconnect, and keeps no fired timers', async () => {
    server = await startWotServer();
    const found = await discover(server.tdUrl, new HttpClient(), silentLogger);
    const thing = found.things[0];
    if (!thing) throw new Error('no Thing found');
    const publisher = new RecordingPublisher();
    const live = new Set<unknown>();
    let clearedAtStop = 0;
    let stopping = false;
    const clock = {
      now: () => Date.now(),
      setTimeout: (callback: () => void, ms: number): unknown => {
        const handle = setTimeout(() => {
          live.delete(handle);
          callback();
        }, ms);
        live.add(handle);
        return handle;
      },
      clearTimeout: (handle: unknown): void => {
        if (stopping && handle !== undefined) clearedAtStop += 1;
        live.delete(handle);
        clearTimeout(handle as NodeJS.Timeout);
      },
    };
    driver = new WotDriver({ name: 'box', td: thing.td, tdUrl: thing.tdUrl, publisher, logger: silentLogger, clock, backoff: fastBackoff, propertyPollMs: 20, invocationPollMs: 300 });
    await driver.start();
    await until(() => publisher.statuses('box').includes('connected'));
    const measure = await driver.invokeAction('measure', {});
    expect(measure.status).toBe('running');
    // The event stream breaks before the first follow-up poll: the driver reconnects.
    server.dropStreams();
    await until(() => publisher.statuses('box').lastIndexOf('connected') > publisher.statuses('box').indexOf('disconnected'), 3000);
    await until(() => publisher.values('box', 'measure').map((payload) => ActionEventPayload.parse(payload)).some((event) => event.invocation.status === 'completed'), 3000);
    // Many poll ticks later, stop clears only the timers still pending (a handful), not every one that ever fired.
    await new Promise((resolve) => setTimeout(resolve, 300));
    stopping = true;
    await driver.stop();
    expect(clearedAtStop).toBeLessThan(10);
    expect(live.size).toBe(0);
  });

  it('reopens quiet event streams and long polls after a read shows the server is alive, staying connected', async () => {
    const { server, publisher } = await setup({ scheme: 'nosec' }, undefined, 150);
    await until(() => publisher.statuses('box').includes('connected'));
    // Several idle periods pass with no event and no long-poll answer.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(publisher.statuses('box')).not.toContain('disconnected');
    // The reopened streams still deliver.
    server.set('temperature', 23.25);
    server.set('humidity', 47);
    await until(() => publisher.values('box', 'temperature').includes(23.25));
    await until(() => publisher.values('box', 'humidity').includes(47));
    expect(publisher.statuses('box')).not.toContain('disconnected');
  });
});
