import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLabCore, type LabCore } from '../../../src/main/app/lab-core';
import { silentLogger } from '../../../src/main/core/logger';
import { MqttInstrument, type MqttThingDriver } from '../../../src/main/drivers/mqtt-driver';
import { MqttPublisher } from '../../../src/main/services/mqtt-publisher/mqtt-publisher';
import { fastBackoff, RecordingPublisher, until } from './helpers';
import { findMosquitto, startMosquitto, type Mosquitto } from './servers/mosquitto';

const binary = findMosquitto();
const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((path) => existsSync(path));
const mosquittoPasswd = ['/usr/bin/mosquitto_passwd', '/usr/sbin/mosquitto_passwd'].find((path) => existsSync(path));

/** A private CA and a server certificate for 127.0.0.1, made with openssl in `dir`. */
function makeCertificates(dir: string): void {
  const run = (...args: string[]) => execFileSync(openssl ?? 'openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > san.cnf'], { cwd: dir });
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', 'server.crt');
}

describe.skipIf(!binary || !openssl || !mosquittoPasswd)('MQTT over TLS with a user name and password (mqtts://)', () => {
  let broker: Mosquitto | undefined;
  let core: LabCore | undefined;
  let watcher: MqttInstrument | undefined;
  let ca = '';
  afterEach(async () => {
    await watcher?.stop();
    await core?.dispose();
    await broker?.stop();
    broker = core = watcher = undefined;
  });

  it('publishes and watches through a broker that needs TLS and a password, in MQTT 5 and 3.1.1', async () => {
    broker = await startMosquitto(binary ?? 'mosquitto', undefined, {
      listener: async (dir) => {
        makeCertificates(dir);
        execFileSync(mosquittoPasswd ?? 'mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'lab', 's3cret']);
        ca = await readFile(join(dir, 'ca.crt'), 'utf8');
        return [
          `cafile ${join(dir, 'ca.crt')}`,
          `certfile ${join(dir, 'server.crt')}`,
          `keyfile ${join(dir, 'server.key')}`,
          'allow_anonymous false',
          `password_file ${join(dir, 'passwd')}`,
          // Keep root when started as root: the files above live in a root-only temporary folder.
          'user root',
          '',
        ].join('\n');
      },
    });
    const url = `mqtts://127.0.0.1:${broker.port}/secure`;
    core = await createLabCore({
      instrumentConfig: { seed: 1, instruments: [{ kind: 'thermo', name: 'thermo', updateHz: 10 }] },
      instruments: false,
      logger: silentLogger,
      services: (context) => [
        new MqttPublisher(context, { url, writable: true, credentials: { scheme: 'basic', username: 'lab', password: 's3cret' }, ca, backoff: fastBackoff }),
      ],
    });

    const watch = async (protocolVersion: 4 | 5, password: string) => {
      const publisher = new RecordingPublisher();
      const found: MqttThingDriver[] = [];
      const instrument = new MqttInstrument({
        url,
        credentials: { scheme: 'basic', username: 'lab', password },
        publisher,
        logger: silentLogger,
        backoff: fastBackoff,
        protocolVersion,
        tls: { ca },
        uniqueName: (key) => key,
        onThing: (driver) => found.push(driver),
      });
      await instrument.start();
      return { instrument, publisher, found };
    };

    // A wrong password is refused and said so.
    const refused = await watch(5, 'wrong');
    watcher = refused.instrument;
    await until(() => refused.instrument.connection().reason?.match(/not authorized|bad user name or password/i), 8000);
    expect(refused.found).toEqual([]);
    await refused.instrument.stop();

    for (const version of [5, 4] as const) {
      const { instrument, publisher, found } = await watch(version, 's3cret');
      watcher = instrument;
      await until(() => found[0], 8000);
      const thing = found[0];
      if (!thing) throw new Error('no Thing found');
      expect(thing.describe().securityDefinitions).toHaveProperty('basic_sc');
      await until(() => thing.connection().status === 'connected', 8000);
      await until(() => publisher.values(thing.name, 'temperature').length > 2, 5000);
      // MQTT 5 writes get their outcome; 3.1.1 writes are published without one.
      await thing.writeProperty('setpoint', version === 5 ? 41 : 42);
      const deadline = Date.now() + 5000;
      while ((await core.registry.get('thermo').readProperty('setpoint')) !== (version === 5 ? 41 : 42) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await core.registry.get('thermo').readProperty('setpoint')).toBe(version === 5 ? 41 : 42);
      if (version === 5) await expect(thing.writeProperty('setpoint', 'x')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await instrument.stop();
      watcher = undefined;
    }
  });
});
