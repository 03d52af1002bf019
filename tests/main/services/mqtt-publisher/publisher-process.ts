/**
 * A second Lab Monitor for tests: the core with the thermo controller and the MQTT publisher,
 * in its own process (so a test can `kill -9` it). Arguments: the publish URL, then
 * `writable` or nothing. Prints `ready` once the core is up.
 */
import { createLabCore } from '../../../../src/main/app/lab-core';
import { silentLogger } from '../../../../src/main/core/logger';
import { MqttPublisher } from '../../../../src/main/services/mqtt-publisher/mqtt-publisher';

const [url, writable] = process.argv.slice(2);
if (!url) throw new Error('usage: publisher-process URL [writable]');
async function main(): Promise<void> {
  const core = await createLabCore({
  instrumentConfig: { seed: 7, instruments: [{ kind: 'thermo', name: 'thermo', updateHz: 10 }] },
  instruments: false,
  logger: silentLogger,
  services: (context) => [new MqttPublisher(context, { url, writable: writable === 'writable', backoff: { initialMs: 50, maxMs: 200 } })],
});
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void core.dispose().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
