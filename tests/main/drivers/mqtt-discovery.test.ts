import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstrumentManager } from '../../../src/main/drivers/instrument-manager';
import { discoveryFilter, MqttInstrument, nameFromTd, type MqttThingDriver } from '../../../src/main/drivers/mqtt-driver';
import { mqttForm, topicOf } from '../../../src/main/drivers/mqtt-forms';
import { ThingRegistry } from '../../../src/main/things/registry';
import { ThingDescription } from '../../../src/shared/model';
import { fastBackoff, RecordingLogger, RecordingPublisher, until } from './helpers';
import { findMosquitto, startMosquitto, type Mosquitto } from './servers/mosquitto';
import { startChiller, type ChillerServient } from './servers/node-wot';

const binary = findMosquitto();

const td = (title: string, forms: Record<string, object[]>, extra: object = {}) =>
  ThingDescription.parse({
    '@context': 'https://www.w3.org/2022/wot/td/v1.1',
    title,
    securityDefinitions: { nosec: { scheme: 'nosec' } },
    security: 'nosec',
    properties: Object.fromEntries(Object.entries(forms).map(([name, list]) => [name, { type: 'number', forms: list }])),
    ...extra,
  });

describe('MQTT forms', () => {
  it('read the binding template terms and node-wot hrefs', () => {
    const thing = td('X', {
      a: [{ href: 'mqtt://broker:1883/ignored', 'mqv:filter': 'x/a', 'mqv:controlPacket': 'mqv:subscribe' }, { href: 'mqtt://broker/x/a/set', 'mqv:topic': 'x/a/set', 'mqv:controlPacket': 'mqv:publish', 'mqv:qos': '2' }],
      b: [{ href: 'mqtt://localhost:1883/Chiller/properties/b', op: ['readproperty', 'observeproperty'] }, { href: 'mqtt://localhost:1883/Chiller/properties/b/writeproperty', op: ['writeproperty'] }],
      c: [{ href: 'http://host/c' }],
      d: [{ href: 'd/%C3%A9', op: 'observeproperty' }],
    });
    const read = (name: string) => mqttForm(thing, thing.properties[name]?.forms ?? [], ['observeproperty', 'readproperty'], 'subscribe', 'property')?.topic;
    const write = (name: string) => mqttForm(thing, thing.properties[name]?.forms ?? [], ['writeproperty'], 'publish', 'property');
    expect(read('a')).toBe('x/a');
    expect(write('a')?.topic).toBe('x/a/set');
    expect(write('a')?.form['mqv:qos']).toBe('2');
    expect(read('b')).toBe('Chiller/properties/b');
    expect(write('b')?.topic).toBe('Chiller/properties/b/writeproperty');
    expect(read('c')).toBeUndefined();
    expect(read('d')).toBe('d/é');
    expect(topicOf({ href: 'sensors/t' }, 'mqtt://broker:1883/base/', 'subscribe')).toBe('base/sensors/t');
  });

  it('name Things from the TD, never from topics', () => {
    expect(nameFromTd(td('Chiller', {}))).toBe('chiller');
    expect(nameFromTd(td('  ', {}, { id: 'urn:dev:ops:32473-Lamp' }))).toBe('32473-lamp');
    expect(discoveryFilter('mqtt://h:1883')).toBe('#');
    expect(discoveryFilter('mqtt://h:1883/')).toBe('#');
    expect(discoveryFilter('mqtt://h:1883/wot/td')).toBe('wot/td/#');
    expect(discoveryFilter('mqtt://h:1883/+')).toBe('+/#');
  });
});

describe.skipIf(!binary)('MQTT discovery with a real Mosquitto', () => {
  let broker: Mosquitto | undefined;
  let client: MqttClient | undefined;
  let manager: InstrumentManager | undefined;
  let chiller: ChillerServient | undefined;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-mqtt-'));
    broker = await startMosquitto(binary ?? 'mosquitto');
  });
  afterEach(async () => {
    await manager?.stop();
    await chiller?.stop();
    await client?.endAsync(true);
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
    manager = client = chiller = broker = undefined;
  });

  const watch = async (url: string) => {
    const publisher = new RecordingPublisher();
    const registry = new ThingRegistry(publisher);
    const logger = new RecordingLogger();
    manager = new InstrumentManager({ registry, publisher, settingsPath: join(dir, 'instruments.json'), logger, backoff: fastBackoff });
    await manager.add(url);
    return { publisher, registry, logger };
  };

  it("watches a node-wot Thing from the broker root: live values, a write and an action reach the servient", async () => {
    const port = broker?.port ?? 0;
    chiller = await startChiller(port);
    // Values of other clients on the same broker are not TDs and must not disturb anything.
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    await client.publishAsync('plant/flow', '12.5', { retain: true, qos: 1 });
    await client.publishAsync('plant/config', JSON.stringify({ '@context': 'x', title: 'half a TD' }), { retain: true, qos: 1 });
    const { publisher, registry, logger } = await watch(`mqtt://127.0.0.1:${port}`);

    await until(() => registry.has('chiller'), 8000);
    expect(registry.all().map((driver) => driver.name)).toEqual(['chiller']);
    expect(registry.get('chiller').describe().title).toBe('Chiller');
    // The retained TD alone says nothing about the servient; its live values do.
    await until(() => publisher.values('chiller', 'temperature').length >= 3);
    await until(() => registry.get('chiller').connection().status === 'connected');
    expect(publisher.statuses('chiller')[0]).not.toBe('connected');
    expect(typeof (await registry.get('chiller').readProperty('temperature'))).toBe('number');

    await registry.get('chiller').writeProperty('setpoint', 12);
    await until(() => chiller?.writes.includes(12));
    await until(() => publisher.values('chiller', 'setpoint').includes(12));
    await expect(registry.get('chiller').writeProperty('temperature', 1)).rejects.toMatchObject({ code: 'READ_ONLY' });

    const invocation = await registry.get('chiller').invokeAction('defrost', 5);
    expect(invocation.status).toBe('completed');
    await until(() => chiller?.invocations.includes(5));
    expect(logger.lines.filter((line) => line.includes('plant/'))).toEqual([]);
  });

  it('shows a retained TD whose publisher is gone as stale', async () => {
    const port = broker?.port ?? 0;
    chiller = await startChiller(port);
    // Its retained TD is on the broker once a client sees it.
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    const seen = new Promise((resolve) => client?.once('message', resolve));
    await client.subscribeAsync('Chiller');
    await seen;
    await chiller.stop();
    chiller = undefined;
    const { registry, publisher } = await watch(`mqtt://127.0.0.1:${port}`);
    await until(() => registry.has('chiller'), 8000);
    await until(() => registry.get('chiller').connection().status === 'stale');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(publisher.statuses('chiller')).not.toContain('connected');
    expect(registry.get('chiller').connection().reason).toMatch(/retained/);
  });

  it('shows a node-wot Thing that has gone silent as stale again (it sets no Last Will)', async () => {
    const port = broker?.port ?? 0;
    chiller = await startChiller(port, 50);
    const publisher = new RecordingPublisher();
    const found: MqttThingDriver[] = [];
    const instrument = new MqttInstrument({
      url: `mqtt://127.0.0.1:${port}`,
      publisher,
      backoff: fastBackoff,
      limits: { silentAfterMs: 1500 },
      uniqueName: (key) => key,
      onThing: (driver) => found.push(driver),
    });
    try {
      await instrument.start();
      const thing = await until(() => found[0], 8000);
      await until(() => thing.connection().status === 'connected', 10_000);
      await chiller.stop();
      chiller = undefined;
      await until(() => thing.connection().status === 'stale', 8000);
      expect(thing.connection().reason).toMatch(/nothing from it for/);
    } finally {
      await instrument.stop();
    }
  });

  it('finds TDs under any prefix, wildcards included, and names them from the TD', async () => {
    const port = broker?.port ?? 0;
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    const chillerTd = td('Chiller', { t: [{ href: `mqtt://127.0.0.1:${port}/site/b2/Chiller/t`, 'mqv:filter': 'site/b2/Chiller/t' }] });
    const boilerTd = td('Boiler', { t: [{ href: `mqtt://127.0.0.1:${port}/boiler/t`, op: 'observeproperty' }] });
    await client.publishAsync('site/b2/Chiller', JSON.stringify(chillerTd), { retain: true, qos: 1 });
    await client.publishAsync('site/b2/Chiller/t', '3.5', { retain: true, qos: 1 });
    await client.publishAsync('wot/td/boiler', JSON.stringify(boilerTd), { retain: true, qos: 1 });
    await client.publishAsync('boiler/t', '80', { retain: true, qos: 1 });

    const { registry, publisher } = await watch(`mqtt://127.0.0.1:${port}/site/+`);
    await until(() => registry.has('chiller'), 8000);
    await until(() => publisher.values('chiller', 't').includes(3.5));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(registry.all().map((driver) => driver.name)).toEqual(['chiller']);
    await manager?.stop();

    // No path: the whole broker, so both; the Boiler's values live outside any prefix.
    const root = await watch(`mqtt://127.0.0.1:${port}`);
    await until(() => root.registry.has('chiller') && root.registry.has('boiler'), 8000);
    await until(() => root.publisher.values('boiler', 't').includes(80));

    // A TD withdrawn (empty retained message) disconnects its Thing.
    await client.publishAsync('wot/td/boiler', '', { retain: true, qos: 1 });
    await until(() => root.registry.get('boiler').connection().status === 'disconnected');
  });

  it('drops oversized messages and keeps working', async () => {
    const port = broker?.port ?? 0;
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, protocolVersion: 5 });
    const boilerTd = td('Boiler', { t: [{ href: `mqtt://127.0.0.1:${port}/boiler/t` }] });
    await client.publishAsync('wot/td/boiler', JSON.stringify(boilerTd), { retain: true, qos: 1 });
    const { registry, publisher } = await watch(`mqtt://127.0.0.1:${port}`);
    await until(() => registry.has('boiler'), 8000);
    await client.publishAsync('boiler/t', `[${'1,'.repeat(700_000)}1]`, { qos: 1 });
    await client.publishAsync('boiler/t', '42', { qos: 1 });
    await until(() => publisher.values('boiler', 't').includes(42));
    expect(publisher.values('boiler', 't')).toEqual([42]);
    expect(registry.get('boiler').connection().status).toBe('connected');
  });
});
