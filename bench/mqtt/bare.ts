/**
 * The limit: a bare MQTT.js client publishing the same load (1,000 retained topics at 10 Hz,
 * QoS 0, the publish time as the value), or one subscribing to it. `bare.ts publisher URL`
 * or `bare.ts viewer URL`.
 */
import mqtt from 'mqtt';
import { BARE_PREFIX, MeasuredWindow, propertyName, schedule } from './protocol';

const [roleArg, urlArg] = process.argv.slice(2);
if ((roleArg !== 'publisher' && roleArg !== 'viewer') || !urlArg) throw new Error('usage: bare.ts publisher|viewer URL');
const role: 'publisher' | 'viewer' = roleArg;
const url: string = urlArg;

async function main(): Promise<void> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
  const window = new MeasuredWindow(role, () => void client.endAsync(true).then(() => process.exit(0)));
  if (role === 'viewer') {
    client.on('message', (_topic, payload, packet) => {
      if (!packet.retain) window.delivered(Number(payload.toString()));
    });
    await client.subscribeAsync(`${BARE_PREFIX}/#`, { qos: 0 });
  } else {
    const topics = Array.from({ length: 1000 }, (_, index) => `${BARE_PREFIX}/${propertyName(index)}`);
    schedule((first, last) => {
      for (let index = first; index < last; index += 1) {
        const now = Date.now();
        client.publish(topics[index] ?? '', String(now), { qos: 0, retain: true });
        window.sent(now);
      }
    });
  }
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
