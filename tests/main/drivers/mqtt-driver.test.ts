import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstrumentManager } from '../../../src/main/drivers/instrument-manager';
import { topicMatches } from '../../../src/main/drivers/mqtt-driver';
import { ThingRegistry } from '../../../src/main/things/registry';
import { fastBackoff, RecordingLogger, RecordingPublisher, until } from './helpers';
import { findMosquitto, startMosquitto, type Mosquitto } from './servers/mosquitto';

const binary = findMosquitto();
if (!binary) console.warn('mosquitto is not installed: MQTT driver tests skipped (apt-get install mosquitto)');

const boilerTd = (port: number) => ({
  '@context': 'https://www.w3.org/2022/wot/td/v1.1',
  title: 'Boiler',
  securityDefinitions: { nosec: { scheme: 'nosec' } },
  security: 'nosec',
  properties: {
    temperature: {
      type: 'number',
      observable: true,
      readOnly: true,
      forms: [{ href: `mqtt://127.0.0.1:${port}/boiler/temperature`, op: ['observeproperty', 'readproperty'], 'mqv:filter': 'boiler/temperature' }],
    },
    setpoint: {
      type: 'number',
      forms: [
        { href: `mqtt://127.0.0.1:${port}/boiler/setpoint`, op: 'observeproperty' },
        { href: `mqtt://127.0.0.1:${port}/boiler/setpoint/set`, op: 'writeproperty', 'mqv:topic': 'boiler/setpoint/set' },
      ],
    },
  },
});

describe('topic filters', () => {
  it('match + and #', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true);
    expect(topicMatches('a/#', 'a/b/c')).toBe(true);
    expect(topicMatches('a/b', 'a/b/c')).toBe(false);
  });
});

describe.skipIf(!binary)('MQTT driver with a real Mosquitto', () => {
  let broker: Mosquitto | undefined;
  let client: MqttClient | undefined;
  let manager: InstrumentManager | undefined;
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lab-mqtt-'));
  });
  afterEach(async () => {
    await manager?.stop();
    await client?.endAsync(true);
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
    manager = undefined;
    client = undefined;
    broker = undefined;
  });

  it('discovers Things from retained TDs, observes, writes and survives a broker restart', async () => {
    broker = await startMosquitto(binary ?? 'mosquitto');
    const port = broker.port;
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    await client.publishAsync('wot/td/boiler', JSON.stringify(boilerTd(port)), { retain: true, qos: 1 });
    await client.publishAsync('wot/td/broken', 'not a TD', { retain: true, qos: 1 });
    await client.publishAsync('boiler/temperature', '61.5', { retain: true, qos: 1 });

    const publisher = new RecordingPublisher();
    const registry = new ThingRegistry(publisher);
    const logger = new RecordingLogger();
    manager = new InstrumentManager({ registry, publisher, settingsPath: join(dir, 'instruments.json'), logger, backoff: fastBackoff });
    const instrument = await manager.add(`mqtt://127.0.0.1:${port}`);
    expect(instrument.kind).toBe('mqtt');
    await until(() => registry.has('boiler'));
    await until(() => publisher.values('boiler', 'temperature').includes(61.5));
    expect(await registry.get('boiler').readProperty('temperature')).toBe(61.5);
    // Only retained messages so far: the broker kept them, their publisher may be long gone.
    expect(registry.get('boiler').connection().status).toBe('stale');
    // Not a TD: says nothing, brings nothing.
    expect(logger.lines.some((line) => line.includes('wot/td/broken'))).toBe(false);
    expect(registry.all()).toHaveLength(1);

    const written: string[] = [];
    await client.subscribeAsync('boiler/setpoint/set', { qos: 1 });
    client.on('message', (topic, payload) => {
      if (topic === 'boiler/setpoint/set') written.push(payload.toString());
    });
    await registry.get('boiler').writeProperty('setpoint', 70);
    await until(() => written.includes('70'));
    await expect(registry.get('boiler').writeProperty('temperature', 1)).rejects.toMatchObject({ code: 'READ_ONLY' });

    await client.endAsync(true);
    client = undefined;
    await broker.stop();
    await until(() => registry.get('boiler').connection().status === 'disconnected');
    broker = await startMosquitto(binary ?? 'mosquitto', port);
    // Back on the broker, but nothing live from the Boiler yet: stale, not connected.
    await until(() => registry.get('boiler').connection().status === 'stale', 8000);
    expect(publisher.statuses('boiler')).toEqual(expect.arrayContaining(['disconnected', 'connecting', 'stale']));
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    await client.publishAsync('boiler/temperature', '64', { qos: 1 });
    await until(() => publisher.values('boiler', 'temperature').includes(64));
    await until(() => registry.get('boiler').connection().status === 'connected');
  });


  it('ignores deeply nested TDs and values, and keeps the good values coming', async () => {
    broker = await startMosquitto(binary ?? 'mosquitto');
    const port = broker.port;
    client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    await client.publishAsync('wot/td/boiler', JSON.stringify(boilerTd(port)), { retain: true, qos: 1 });
    await client.publishAsync('wot/td/deep', `{"@context":"https://www.w3.org/2022/wot/td/v1.1","title":"Deep","properties":{},"actions":{},"extra":${deep}}`, { retain: true, qos: 1 });
    const publisher = new RecordingPublisher();
    const registry = new ThingRegistry(publisher);
    manager = new InstrumentManager({ registry, publisher, settingsPath: join(dir, 'instruments.json'), logger: new RecordingLogger(), backoff: fastBackoff });
    await manager.add(`mqtt://127.0.0.1:${port}`);
    await until(() => registry.has('boiler'));
    await client.publishAsync('boiler/temperature', deep, { qos: 1 });
    await client.publishAsync('boiler/temperature', '62', { qos: 1 });
    await until(() => publisher.values('boiler', 'temperature').includes(62));
    expect(publisher.values('boiler', 'temperature').every((value) => typeof value === 'number')).toBe(true);
    expect(registry.all().map((driver) => driver.name)).toEqual(['boiler']);
  });
});
