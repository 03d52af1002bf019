import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLabCore, type LabCore } from '../../../src/main/app/lab-core';
import { silentLogger } from '../../../src/main/core/logger';
import { InstrumentManager } from '../../../src/main/drivers/instrument-manager';
import { MqttPublisher } from '../../../src/main/services/mqtt-publisher/mqtt-publisher';
import { defaultPrefix, parsePublishUrl, publishedTd, Topics } from '../../../src/main/services/mqtt-publisher/topics';
import { linkTopic, mqttForm } from '../../../src/main/drivers/mqtt-forms';
import { ThingDescription } from '../../../src/shared/model';
import { ThingRegistry } from '../../../src/main/things/registry';
import { fastBackoff, RecordingPublisher, until } from '../drivers/helpers';
import { findMosquitto, startMosquitto, type Mosquitto } from '../drivers/servers/mosquitto';
import { consumeWithNodeWot, type WotConsumer } from '../drivers/servers/node-wot';

const binary = findMosquitto();
const THERMO = { seed: 7, instruments: [{ kind: 'thermo', name: 'thermo', updateHz: 20 }] };

/** Polls an async check until it holds. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves with the first message on `topic` (a retained one arrives at once). */
async function firstMessage(client: MqttClient, topic: string, timeoutMs = 5000): Promise<Buffer> {
  const got = new Promise<Buffer>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`nothing on ${topic}`)), timeoutMs);
    const onMessage = (received: string, payload: Buffer) => {
      if (received !== topic || payload.length === 0) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      done(payload);
    };
    client.on('message', onMessage);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return got;
}

/** An MQTT 5 request with a response topic and correlation data; resolves with the parsed reply. */
async function request(client: MqttClient, topic: string, body: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  const replyTopic = `test/replies/${Math.random().toString(36).slice(2)}`;
  await client.subscribeAsync(replyTopic, { qos: 1 });
  const correlation = Buffer.from(Math.random().toString(36));
  const reply = new Promise<Buffer>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('no reply')), 5000);
    client.on('message', (received, payload, packet) => {
      if (received !== replyTopic || !packet.properties?.correlationData?.equals(correlation)) return;
      clearTimeout(timer);
      done(payload);
    });
  });
  await client.publishAsync(topic, JSON.stringify(body), { qos: 1, properties: { responseTopic: replyTopic, correlationData: correlation } });
  return JSON.parse((await reply).toString()) as { ok: boolean; value?: unknown; error?: { code: string } };
}

describe('publish URLs', () => {
  it('take a broker, a port and a prefix; the prefix defaults to one per machine', () => {
    expect(parsePublishUrl('mqtt://broker:1884/lab1/b2')).toEqual({ protocol: 'mqtt:', host: 'broker:1884', prefix: 'lab1/b2' });
    expect(parsePublishUrl('mqtts://broker').prefix).toBe(defaultPrefix());
    expect(defaultPrefix('Lab-PC7.example.org')).toBe('lab-monitor/lab-pc7');
    expect(() => parsePublishUrl('mqtt://broker/a/+')).toThrow(/wildcards/);
    expect(() => parsePublishUrl('mqtt://broker/a/#')).toThrow(/#/);
    expect(() => parsePublishUrl('http://broker')).toThrow(/mqtt/);
  });
});

describe('published Thing Descriptions', () => {
  const source = ThingDescription.parse({
    '@context': 'https://www.w3.org/2022/wot/td/v1.1',
    title: 'Oven',
    base: 'http://lab-pc:5000/',
    securityDefinitions: { nosec: { scheme: 'nosec' } },
    security: 'nosec',
    properties: {
      temperature: { type: 'number', unit: 'degC', readOnly: true, forms: [{ href: '/oven/temperature' }] },
      'set point': { type: 'number', forms: [{ href: '/oven/setpoint' }] },
    },
    actions: { bake: { input: { type: 'integer' }, forms: [{ href: '/oven/bake' }] } },
  });
  const target = parsePublishUrl('mqtt://broker:1884/lab1');
  const topics = new Topics(target.prefix);
  const build = (writable: boolean) =>
    ThingDescription.parse(publishedTd(source, { target, topics, segment: 'oven', name: 'oven', writable, basicAuth: false, replies: true }));

  it('carry MQTT forms both ways of reading them: href-as-topic (node-wot) and mqv: terms', () => {
    const td = build(true);
    expect(td.base).toBeUndefined();
    const read = mqttForm(td, td.properties.temperature?.forms ?? [], ['observeproperty'], 'subscribe', 'property');
    expect(read?.topic).toBe('lab1/things/oven/properties/temperature');
    expect(read?.form.href).toBe('mqtt://broker:1884/lab1/things/oven/properties/temperature');
    expect(read?.form['mqv:retain']).toBe(true);
    const write = mqttForm(td, td.properties['set point']?.forms ?? [], ['writeproperty'], 'publish', 'property');
    expect(write?.topic).toBe('lab1/things/oven/properties/set_point/writeproperty');
    expect(new URL(write?.form.href ?? '').pathname.slice(1)).toBe(write?.topic);
    expect(write?.form['lm:replies']).toBe(true);
    expect(mqttForm(td, td.properties.temperature?.forms ?? [], ['writeproperty'], 'publish', 'property')).toBeUndefined();
    expect(mqttForm(td, td.actions.bake?.forms ?? [], ['invokeaction'], 'publish', 'action')?.topic).toBe('lab1/things/oven/actions/bake');
    expect(linkTopic(td, 'lm:publisher')).toBe('lab1/status');
    expect(linkTopic(td, 'lm:connection')).toBe('lab1/things/oven/connection');
  });

  it('offer no writes or invocations when the publisher takes none', () => {
    const td = build(false);
    expect(td.properties['set point']?.readOnly).toBe(true);
    expect(mqttForm(td, td.properties['set point']?.forms ?? [], ['writeproperty'], 'publish', 'property')).toBeUndefined();
    expect(mqttForm(td, td.actions.bake?.forms ?? [], ['invokeaction'], 'publish', 'action')).toBeUndefined();
    expect(mqttForm(td, td.actions.bake?.forms ?? [], ['queryaction'], 'subscribe', 'action')?.topic).toBe('lab1/things/oven/actions/bake/invocation');
  });
});

describe.skipIf(!binary)('MQTT publisher with a real Mosquitto', () => {
  let broker: Mosquitto;
  let core: LabCore | undefined;
  let client: MqttClient | undefined;
  let consumer: WotConsumer | undefined;
  let manager: InstrumentManager | undefined;
  let child: ChildProcess | undefined;
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-pub-'));
    broker = await startMosquitto(binary ?? 'mosquitto');
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child?.once('exit', done));
      child.kill('SIGKILL');
      await exited;
    }
    await consumer?.stop();
    await manager?.stop();
    await core?.dispose();
    await client?.endAsync(true);
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
    core = client = consumer = manager = child = undefined;
  });

  const publish = async (url: string, writable: boolean) => {
    core = await createLabCore({
      instrumentConfig: THERMO,
      instruments: false,
      logger: silentLogger,
      dataDir: dir,
      services: (context) => [new MqttPublisher(context, { url, writable, backoff: fastBackoff })],
    });
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0, protocolVersion: 5 });
    return { core, client };
  };

  it('is read and observed by a node-wot consumer, and takes its writes when writable', async () => {
    const { client, core } = await publish(`mqtt://127.0.0.1:${broker.port}/lab1`, true);
    const td = JSON.parse((await firstMessage(client, 'lab1/td/thermo')).toString()) as Record<string, unknown>;
    expect(td.title).toBe('Temperature controller TC-1');
    consumer = await consumeWithNodeWot(td);
    const temperature = await (await consumer.thing.readProperty('temperature')).value();
    expect(typeof temperature).toBe('number');
    const seen: unknown[] = [];
    await consumer.thing.observeProperty('temperature', async (data) => {
      seen.push(await data.value());
    });
    await until(() => seen.length >= 3, 5000);
    expect(seen.every((value) => typeof value === 'number')).toBe(true);

    await consumer.thing.writeProperty('setpoint', 42);
    await eventually(async () => (await core.registry.get('thermo').readProperty('setpoint')) === 42);
  });

  it('answers writes and invocations on MQTT 5 response topics, refusing bad values', async () => {
    const { client, core } = await publish(`mqtt://127.0.0.1:${broker.port}/lab1`, true);
    await firstMessage(client, 'lab1/td/thermo');
    expect(await request(client, 'lab1/things/thermo/properties/setpoint/writeproperty', 55)).toEqual({ ok: true, value: null });
    expect(await core.registry.get('thermo').readProperty('setpoint')).toBe(55);
    const bad = await request(client, 'lab1/things/thermo/properties/setpoint/writeproperty', 'hot');
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const readOnly = await request(client, 'lab1/things/thermo/properties/temperature/writeproperty', 1);
    expect(readOnly.ok).toBe(false);
    const progress = firstMessage(client, 'lab1/things/thermo/actions/rampTo/invocation');
    await new Promise((r) => setTimeout(r, 100));
    const invoked = await request(client, 'lab1/things/thermo/actions/rampTo', { target: 56, ratePerMin: 1200 });
    expect(invoked).toMatchObject({ ok: true, value: { action: 'rampTo', thing: 'thermo' } });
    expect(JSON.parse((await progress).toString())).toHaveProperty('invocation.action', 'rampTo');
    expect(await request(client, 'lab1/things/nothing/actions/x', null)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const huge = await request(client, 'lab1/things/thermo/properties/setpoint/writeproperty', 'x'.repeat(100_000));
    expect(huge).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('takes no writes unless writable, and says so in its TD', async () => {
    const { client, core } = await publish(`mqtt://127.0.0.1:${broker.port}`, false);
    const prefix = defaultPrefix();
    const td = JSON.parse((await firstMessage(client, `${prefix}/td/thermo`)).toString()) as {
      properties: Record<string, { readOnly?: boolean; forms: { op: string | string[] }[] }>;
      actions: Record<string, { forms: { op: string | string[] }[] }>;
    };
    expect(td.properties.setpoint?.readOnly).toBe(true);
    const ops = [...Object.values(td.properties), ...Object.values(td.actions)].flatMap((a) => a.forms.flatMap((f) => [f.op].flat()));
    expect(ops).not.toContain('writeproperty');
    expect(ops).not.toContain('invokeaction');
    await client.publishAsync(`${prefix}/things/thermo/properties/setpoint/writeproperty`, '77', { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(await core.registry.get('thermo').readProperty('setpoint')).toBe(25);
  });

  it('is configured from the settings and keeps them owner-only in the data folder', async () => {
    core = await createLabCore({
      instrumentConfig: THERMO,
      instruments: false,
      logger: silentLogger,
      dataDir: dir,
      services: (context) => [new MqttPublisher(context, { backoff: fastBackoff })],
    });
    expect(await core.handleCall('lab:publisher:status', {})).toMatchObject({ ok: true, value: { url: null, source: 'none' } });
    const bad = await core.handleCall('lab:publisher:configure', { url: 'mqtt://h/a/+', writable: false });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const url = `mqtt://127.0.0.1:${broker.port}/site`;
    expect(await core.handleCall('lab:publisher:configure', { url, writable: true })).toMatchObject({ ok: true, value: { url, writable: true, source: 'settings' } });
    await eventually(async () => {
      const status = await core?.handleCall('lab:publisher:status', {});
      return status?.ok === true && (status.value as { connection: { status: string } }).connection.status === 'connected';
    });
    expect(await core.handleCall('lab:publisher:status', {})).toMatchObject({ ok: true, value: { connection: { status: 'connected' }, things: ['thermo'], protocolVersion: 5 } });
    const file = join(dir, 'mqtt-publisher.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, url, writable: true });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const viewer = core.openClient({ send: () => {}, role: 'viewer' });
    expect(await viewer.call('lab:publisher:configure', { url: null, writable: false })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    viewer.dispose();
  });

  it('two Lab Monitors through one broker: the viewer sees the values, a kill -9 as disconnected within 2 s, and the return', async () => {
    const url = `mqtt://127.0.0.1:${broker.port}/lab1`;
    const startChild = async (): Promise<ChildProcess> => {
      const process_ = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'mqtt-publisher/publisher-process.ts'), url, 'writable'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((done, fail) => {
        process_.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && done());
        process_.once('exit', (code) => fail(new Error(`publisher exited (${code})`)));
      });
      return process_;
    };
    child = await startChild();
    const publisher = new RecordingPublisher();
    const registry = new ThingRegistry(publisher);
    manager = new InstrumentManager({ registry, publisher, settingsPath: join(dir, 'instruments.json'), logger: silentLogger, backoff: fastBackoff });
    await manager.add(`mqtt://127.0.0.1:${broker.port}`);
    const name = 'temperature-controller-tc-1';
    await until(() => registry.has(name), 10_000);
    await until(() => registry.get(name).connection().status === 'connected', 10_000);
    const before = publisher.values(name, 'temperature').length;
    await until(() => publisher.values(name, 'temperature').length > before + 5, 5000);

    // Writes and invocations travel back with their outcome (MQTT 5 response topics).
    await registry.get(name).writeProperty('setpoint', 30);
    await until(() => publisher.values(name, 'setpoint').includes(30), 5000);
    await expect(registry.get(name).writeProperty('setpoint', 'hot')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const invocation = await registry.get(name).invokeAction('rampTo', { target: 31, ratePerMin: 1200 });
    expect(invocation.thing).toBe(name);
    // Its progress arrives on the queryaction topic, under the viewer's name for the Thing.
    await eventually(async () => (await registry.get(name).getInvocation(invocation.id)).status === 'completed', 8000);
    expect(publisher.messages.some((m) => m.thing === name && m.affordance === 'rampTo' && m.messageType === 'action')).toBe(true);

    // kill -9: no goodbye, only the Last Will.
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await until(() => registry.get(name).connection().status === 'disconnected', 2000);
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(registry.get(name).connection().reason).toMatch(/publisher is gone/);

    child = await startChild();
    await until(() => registry.get(name).connection().status === 'connected', 10_000);
    const after = publisher.values(name, 'temperature').length;
    await until(() => publisher.values(name, 'temperature').length > after + 3, 5000);
    expect(registry.all()).toHaveLength(1);
  });
});
