// Throughput of MessageBroker.publish against the least a router can do: a bare
// Map<thing, Map<affordance, Set<sink>>> dispatch loop over the same messages and sinks.
// Both run in the same process, in interleaved rounds (order alternating), and the medians
// are compared, so machine load affects both alike. Not a test: it prints, and exits 0.
import { availableParallelism, cpus } from 'node:os';
import { MessageBroker } from '../src/main/core/broker';
import { Message } from '../src/main/core/message';
import { DELIVERY_TARGET, type MessageSendStream } from '../src/main/core/streams';

const TARGET_RATIO = 0.5;
const THINGS = 8;
const AFFORDANCES = 8;
const DELIVERIES_PER_ROUND = 1_000_000;
const WARMUP_ROUNDS = 3;
const ROUNDS = 11;

/** As cheap as a sink can be, so the router's own cost dominates. */
class CountingSink implements MessageSendStream {
  count = 0;
  sendNowait(_message: Message): void {
    this.count++;
  }
}

/** The same counter behind a DELIVERY_TARGET, as the memory streams offer. */
class CountingStream implements MessageSendStream {
  readonly counter = new CountingSink();
  sendNowait(message: Message): void {
    this.counter.sendNowait(message);
  }
  get [DELIVERY_TARGET](): CountingSink {
    return this.counter;
  }
}

type SinkKind = 'target' | 'plain';

class BaselineRouter {
  private readonly routes = new Map<string, Map<string, Set<CountingSink>>>();

  subscribe(thing: string, affordance: string, sink: CountingSink): void {
    let byAffordance = this.routes.get(thing);
    if (byAffordance === undefined) {
      byAffordance = new Map();
      this.routes.set(thing, byAffordance);
    }
    let sinks = byAffordance.get(affordance);
    if (sinks === undefined) {
      sinks = new Set();
      byAffordance.set(affordance, sinks);
    }
    sinks.add(sink);
  }

  publish(message: Message): void {
    const sinks = this.routes.get(message.thing)?.get(message.affordance);
    if (sinks === undefined) return;
    for (const sink of sinks) sink.sendNowait(message);
  }
}

interface Router {
  publish(message: Message): void;
}

interface Setup {
  router: Router;
  sinks: CountingSink[];
  owners: MessageSendStream[]; // keeps the weakly held sinks alive
}

const messages: Message[] = [];
for (let i = 0; i < 1024; i++) {
  messages.push(
    new Message({
      thing: `thing-${i % THINGS}`,
      affordance: `property-${(i >> 3) % AFFORDANCES}`,
      messageType: 'property',
      payload: i,
    }),
  );
}

function setUp(kind: 'broker' | 'baseline', subscribers: number, sinkKind: SinkKind): Setup {
  const sinks: CountingSink[] = [];
  const owners: MessageSendStream[] = [];
  const broker = kind === 'broker' ? new MessageBroker() : undefined;
  const baseline = kind === 'baseline' ? new BaselineRouter() : undefined;
  for (let t = 0; t < THINGS; t++) {
    for (let a = 0; a < AFFORDANCES; a++) {
      for (let s = 0; s < subscribers; s++) {
        // The baseline always calls the counter directly: the least possible work.
        const owner = sinkKind === 'target' ? new CountingStream() : new CountingSink();
        const counter = owner instanceof CountingStream ? owner.counter : (owner as CountingSink);
        sinks.push(counter);
        owners.push(owner);
        broker?.subscribe(`thing-${t}`, `property-${a}`, owner);
        baseline?.subscribe(`thing-${t}`, `property-${a}`, counter);
      }
    }
  }
  return { router: (broker ?? baseline) as Router, sinks, owners };
}

/** Deliveries per second for one round. */
function round(setup: Setup, subscribers: number): number {
  const publishes = DELIVERIES_PER_ROUND / subscribers;
  const { router } = setup;
  const start = process.hrtime.bigint();
  for (let i = 0; i < publishes; i++) router.publish(messages[i & 1023] as Message);
  const ns = Number(process.hrtime.bigint() - start);
  return (publishes * subscribers) / (ns / 1e9);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const fmt = (perSecond: number): string => `${(perSecond / 1e6).toFixed(1).padStart(7)} M/s`;

function measure(subscribers: number, sinkKind: SinkKind): number {
  const broker = setUp('broker', subscribers, sinkKind);
  const baseline = setUp('baseline', subscribers, sinkKind);
  const run = (setup: Setup): number => round(setup, subscribers);
  const brokerRates: number[] = [];
  const baselineRates: number[] = [];
  for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
    // Alternate which goes first, so neither always runs on a warmer cache or a later GC.
    let brokerRate: number;
    let baselineRate: number;
    if (r % 2 === 0) {
      brokerRate = run(broker);
      baselineRate = run(baseline);
    } else {
      baselineRate = run(baseline);
      brokerRate = run(broker);
    }
    if (r >= WARMUP_ROUNDS) {
      brokerRates.push(brokerRate);
      baselineRates.push(baselineRate);
    }
  }
  const expected = (WARMUP_ROUNDS + ROUNDS) * DELIVERIES_PER_ROUND;
  for (const setup of [broker, baseline]) {
    const total = setup.sinks.reduce((sum, sink) => sum + sink.count, 0);
    if (total !== expected) throw new Error(`lost deliveries: ${total} of ${expected}`);
  }
  const brokerMedian = median(brokerRates);
  const baselineMedian = median(baselineRates);
  const ratio = brokerMedian / baselineMedian;
  const label = `${subscribers} subscriber${subscribers === 1 ? '' : 's'}, ${sinkKind} sinks`.padEnd(28);
  console.log(
    `${label} broker ${fmt(brokerMedian)}   baseline ${fmt(baselineMedian)}   ratio ${ratio.toFixed(2)}`,
  );
  return ratio;
}

function main(): void {
  const started = Date.now();
  console.log('MessageBroker.publish vs bare Map+Set dispatch (deliveries per second, medians)');
  console.log(
    `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `${THINGS * AFFORDANCES} keys, ${ROUNDS} rounds of ${DELIVERIES_PER_ROUND / 1e6}M deliveries`,
  );
  measure(1, 'target');
  const ratio = measure(10, 'target');
  measure(1, 'plain');
  measure(10, 'plain');
  const verdict = ratio >= TARGET_RATIO ? 'PASS' : 'FAIL';
  console.log(`${verdict}: ratio ${ratio.toFixed(2)} with 10 subscribers (target >= ${TARGET_RATIO})`);
  console.log('target sinks: a DELIVERY_TARGET, as memory streams have; plain sinks: WeakRef.deref() per delivery');
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
