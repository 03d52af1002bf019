/**
 * The limit: a bare MQTT.js client publishing the same load (1,000 retained topics at 10 Hz,
 * QoS 0, the publish time as the value), or one subscribing to it. `bare.ts publisher URL`
 * or `bare.ts viewer URL`.
 */
import mqtt from 'mqtt';
import { BARE_PREFIX, DRAIN_MS, LatencyHistogram, cpuMs, onCommands, propertyName, schedule, type Report } from './protocol';

const [roleArg, urlArg] = process.argv.slice(2);
if ((roleArg !== 'publisher' && roleArg !== 'viewer') || !urlArg) throw new Error('usage: bare.ts publisher|viewer URL');
const role: 'publisher' | 'viewer' = roleArg;
const url: string = urlArg;

async function main(): Promise<void> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
  let updates = 0;
  let cpu = process.cpuUsage();
  let started = 0;
  let from = Number.POSITIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;
  const latency = new LatencyHistogram();
  if (role === 'viewer') {
    client.on('message', (_topic, payload, packet) => {
      const sentAt = Number(payload.toString());
      if (packet.retain || sentAt < from || sentAt >= until) return;
      updates += 1;
      latency.add(Date.now() - sentAt);
    });
    await client.subscribeAsync(`${BARE_PREFIX}/#`, { qos: 0 });
  } else {
    const topics = Array.from({ length: 1000 }, (_, index) => `${BARE_PREFIX}/${propertyName(index)}`);
    schedule((from, to) => {
      for (let index = from; index < to; index += 1) {
        const now = Date.now();
        client.publish(topics[index] ?? '', String(now), { qos: 0, retain: true });
        if (now >= from && now < until) updates += 1;
      }
    });
  }
  onCommands({
    start(at) {
      updates = 0;
      from = at;
      started = performance.now();
      cpu = process.cpuUsage();
    },
    stop(at) {
      until = at;
      // The viewer waits for updates published in the window that are still on their way.
      setTimeout(() => {
        const report: Report = { role, updates, cpuMs: cpuMs(cpu), windowMs: performance.now() - started };
        if (role === 'viewer') Object.assign(report, { p50Ms: latency.quantile(0.5), p99Ms: latency.quantile(0.99), maxMs: latency.max });
        process.stdout.write(`${JSON.stringify(report)}\n`);
        void client.endAsync(true).then(() => process.exit(0));
      }, role === 'viewer' ? DRAIN_MS : 0);
    },
  });
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
