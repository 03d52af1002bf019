import { afterEach, describe, expect, it } from 'vitest';
import { createLabCore, type LabCore } from '../../../src/main/app/lab-core';
import { silentLogger } from '../../../src/main/core/logger';
import { MqttPublisher } from '../../../src/main/services/mqtt-publisher/mqtt-publisher';
import type { ThingSummary } from '../../../src/shared/model';
import { fastBackoff } from '../drivers/helpers';
import { findMosquitto, freePort, startMosquitto, type Mosquitto } from '../drivers/servers/mosquitto';

const binary = findMosquitto();

/**
 * The facility of the README: three lab PCs publish their instruments, two straight to the
 * central broker and one to its building's broker, which a Mosquitto bridge joins to the
 * central one; two Lab Monitors watch everything from the central broker.
 */
describe.skipIf(!binary)('a facility through one broker', () => {
  const cores: LabCore[] = [];
  const brokers: Mosquitto[] = [];
  afterEach(async () => {
    for (const core of cores.splice(0).reverse()) await core.dispose();
    for (const broker of brokers.splice(0).reverse()) await broker.stop();
  });

  const labPc = async (kind: string, url: string): Promise<LabCore> => {
    const core = await createLabCore({
      instrumentConfig: { seed: 3, instruments: [{ kind, name: kind, updateHz: 10 }] },
      instruments: false,
      logger: silentLogger,
      services: (context) => [new MqttPublisher(context, { url, writable: true, backoff: fastBackoff })],
    });
    cores.push(core);
    return core;
  };

  const watcher = async (url: string): Promise<LabCore> => {
    const core = await createLabCore({ things: () => [], connect: [url], logger: silentLogger });
    cores.push(core);
    return core;
  };

  const summaries = async (core: LabCore): Promise<ThingSummary[]> => {
    const listed = await core.handleCall('lab:things:list', {});
    return listed.ok ? (listed.value as ThingSummary[]) : [];
  };

  it('three lab PCs, one bridged building, two watchers: everyone sees every Thing live, and writes travel back', async () => {
    const central = await startMosquitto(binary ?? 'mosquitto');
    brokers.push(central);
    const building = await startMosquitto(binary ?? 'mosquitto', await freePort(), {
      extra: [
        'connection central',
        `address 127.0.0.1:${central.port}`,
        'bridge_protocol_version mqttv50',
        'cleansession true',
        'restart_timeout 1',
        // Everything Lab Monitor publishes, both ways (writes and replies come back).
        'topic lab-monitor/# both 1',
        '',
      ].join('\n'),
    });
    brokers.push(building);
    const centralUrl = `mqtt://127.0.0.1:${central.port}`;

    const lab1 = await labPc('thermo', `${centralUrl}/lab-monitor/lab1`);
    await labPc('vacuum', `${centralUrl}/lab-monitor/lab2`);
    await labPc('psu', `mqtt://127.0.0.1:${building.port}/lab-monitor/lab3`);
    const watchers = [await watcher(`${centralUrl}/lab-monitor`), await watcher(centralUrl)];

    const titles = ['Temperature controller TC-1', 'Vacuum gauge VG-9', 'Bench power supply PS-3005'];
    for (const core of watchers) {
      const deadline = Date.now() + 15_000;
      let seen: ThingSummary[] = [];
      while (Date.now() < deadline) {
        seen = await summaries(core);
        if (titles.every((title) => seen.some((thing) => thing.title === title && thing.connection.status === 'connected'))) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen.map((thing) => [thing.title, thing.source, thing.connection.status]).sort()).toEqual(
        titles.map((title) => [title, 'mqtt', 'connected']).sort(),
      );
    }

    // Live values reach every watcher, from across the bridge too.
    const [first, second] = watchers;
    if (!first || !second) throw new Error('two watchers expected');
    const nameOf = async (core: LabCore, title: string) => (await summaries(core)).find((thing) => thing.title === title)?.name ?? '';
    const psu = await nameOf(second, 'Bench power supply PS-3005');
    const read = async (core: LabCore, thing: string, property: string) => {
      const result = await core.handleCall('lab:property:read', { thing, property });
      return result.ok ? result.value : undefined;
    };
    const deadline = Date.now() + 5000;
    while (typeof (await read(second, psu, 'voltage')) !== 'number' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(typeof (await read(second, psu, 'voltage'))).toBe('number');

    // A write from a watcher reaches the lab PC and its outcome comes back (MQTT 5 reply).
    const thermo = await nameOf(first, 'Temperature controller TC-1');
    expect(await first.handleCall('lab:property:write', { thing: thermo, property: 'setpoint', value: 33 })).toEqual({ ok: true, value: null });
    expect(await lab1.registry.get('thermo').readProperty('setpoint')).toBe(33);
    const bridged = await second.handleCall('lab:property:write', { thing: psu, property: 'voltageSetpoint', value: 'high' });
    expect(bridged).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });
});
