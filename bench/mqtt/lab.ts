/**
 * Lab Monitor itself: `lab.ts publisher URL` runs a core with one Thing of 1,000 number
 * properties changing at 10 Hz (each value is its publish time) and the MQTT publisher;
 * `lab.ts viewer URL` runs a second core that adds the broker as an instrument and counts
 * the updates its MessageBroker delivers, with their latency.
 */
import { createLabCore } from '../../src/main/app/lab-core';
import { toIso } from '../../src/main/core/clock';
import { silentLogger } from '../../src/main/core/logger';
import { Message, type Publisher } from '../../src/main/core/message';
import type { MessageSendStream } from '../../src/main/core/streams';
import { MqttPublisher } from '../../src/main/services/mqtt-publisher/mqtt-publisher';
import type { ThingDriver } from '../../src/main/things/driver';
import { LabError } from '../../src/shared/errors';
import { ANY_AFFORDANCE, ANY_THING, type ConnectionState, type ThingDescription } from '../../src/shared/model';
import { BENCH_THING, MeasuredWindow, PROPERTIES, propertyName, schedule } from './protocol';

const [roleArg, urlArg] = process.argv.slice(2);
if ((roleArg !== 'publisher' && roleArg !== 'viewer') || !urlArg) throw new Error('usage: lab.ts publisher|viewer URL');
const role: 'publisher' | 'viewer' = roleArg;
const url: string = urlArg;

/** A Thing with PROPERTIES number properties; `tick` publishes a slice of them. */
class BenchThing implements ThingDriver {
  readonly name = BENCH_THING;
  readonly source = 'simulated' as const;
  readonly names = Array.from({ length: PROPERTIES }, (_, index) => propertyName(index));
  private readonly since = toIso(Date.now());
  constructor(private readonly publisher: Publisher) {}
  describe(): ThingDescription {
    return {
      '@context': 'https://www.w3.org/2022/wot/td/v1.1',
      title: 'MQTT benchmark Thing',
      securityDefinitions: { nosec: { scheme: 'nosec' } },
      security: 'nosec',
      properties: Object.fromEntries(this.names.map((name) => [name, { type: 'number', readOnly: true, observable: true, forms: [] }])),
      actions: {},
    };
  }
  connection(): ConnectionState {
    return { status: 'connected', since: this.since };
  }
  /** Publishes properties [first, last), each with its publish time as the value. */
  publish(first: number, last: number, window: MeasuredWindow): void {
    for (let index = first; index < last; index += 1) {
      const now = Date.now();
      this.publisher.publish(new Message({ thing: this.name, affordance: this.names[index] ?? '', messageType: 'property', payload: now }));
      window.sent(now);
    }
  }
  readProperty(): Promise<unknown> {
    return Promise.reject(new LabError('NOT_FOUND', 'not read in the benchmark'));
  }
  writeProperty(): Promise<void> {
    return Promise.reject(new LabError('READ_ONLY', 'read-only'));
  }
  invokeAction(): Promise<never> {
    return Promise.reject(new LabError('NOT_FOUND', 'no actions'));
  }
  cancelInvocation(): Promise<never> {
    return Promise.reject(new LabError('NOT_FOUND', 'no actions'));
  }
  getInvocation(): Promise<never> {
    return Promise.reject(new LabError('NOT_FOUND', 'no actions'));
  }
  listInvocations(): Promise<[]> {
    return Promise.resolve([]);
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** Module-level, so it lives as long as the process: the broker keeps sinks weakly. */
let sink: MessageSendStream | undefined;

async function main(): Promise<void> {
  const window = new MeasuredWindow(role, () => setTimeout(() => process.exit(0), 50));
  if (role === 'publisher') {
    let thing: BenchThing | undefined;
    await createLabCore({
      things: (publisher) => [(thing = new BenchThing(publisher))],
      instruments: false,
      logger: silentLogger,
      services: (context) => [new MqttPublisher(context, { url })],
    });
    // Give the publisher a moment to connect and send the TD before values flow.
    await new Promise((resolve) => setTimeout(resolve, 500));
    schedule((first, last) => thing?.publish(first, last, window));
  } else {
    const core = await createLabCore({ things: () => [], connect: [url], logger: silentLogger });
    sink = {
      sendNowait(message) {
        if (message.messageType !== 'property' || typeof message.payload !== 'number' || message.affordance.startsWith('$')) return;
        window.delivered(message.payload);
      },
    };
    core.broker.subscribe(ANY_THING, ANY_AFFORDANCE, sink);
  }
  process.stdout.write('ready\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
