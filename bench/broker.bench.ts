// Throughput of MessageBroker.publish against the least a router can do: a bare
// Map<thing, Map<affordance, Set<sink>>> dispatch loop over the same messages and sinks.
// Both run in the same process, in interleaved rounds (order alternating); the ratio of each
// round is taken, then their median, so machine load affects both alike. A round is timed by
// the CPU time the process used, not the wall clock: on a shared machine a round the
// scheduler pauses would otherwise count the pause as work. Each case runs in several fresh
// processes (what the JIT makes of a process varies a little); the median of their ratios is
// the figure. Four kinds of subscriber:
// - target: a counter behind a DELIVERY_TARGET, as the memory streams offer;
// - plain: a counter without one (the broker holds it through a WeakRef);
// - live channel: the very sink a live channel subscribes with (what every window and
//   browser client uses), fed by the real createLiveChannel; the baseline calls the same sink;
// - full: memory streams with no room, so every delivery is a drop.
// Not a test: it prints PASS/FAIL against the targets, and exits 0.
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { MessageBroker } from '../src/main/core/broker';
import { createLiveChannel } from '../src/main/core/live-channel';
import { Message } from '../src/main/core/message';
import { createMemoryObjectStream, DELIVERY_TARGET, type MessageSendStream } from '../src/main/core/streams';

const TARGET_RATIO = 0.5;
/** A drop may cost at most this many deliveries (the same order as a delivery). */
const TARGET_DROP_COST = 3;
const THINGS = 8;
const AFFORDANCES = 8;
const DELIVERIES_PER_ROUND = 1_000_000;
const WARMUP_ROUNDS = 3;
const ROUNDS = 11;
/** Fresh processes per case (BROKER_BENCH_RUNS overrides); the median of their ratios counts. */
const RUNS = Number(process.env.BROKER_BENCH_RUNS ?? 3);

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

type SinkKind = 'target' | 'plain' | 'live channel' | 'full';

/** What the bench calls in the baseline: the sink itself, however it counts. */
type Callee = Pick<MessageSendStream, 'sendNowait'>;

/**
 * The sink a live channel subscribes with, taken from the real createLiveChannel: a broker
 * stand-in records it. Its flush timer never fires, so pending values conflate in place,
 * the steady state of a busy channel.
 */
function liveChannelSink(keys: Array<[thing: string, affordance: string]>): { sink: MessageSendStream; owner: unknown } {
  let sink: MessageSendStream | undefined;
  const channel = createLiveChannel({
    broker: {
      subscribe: (_thing, _affordance, stream) => {
        sink = stream;
        return () => undefined;
      },
      unsubscribe: () => undefined,
    },
    send: () => undefined,
    setTimer: () => () => undefined,
  });
  for (const [thing, affordance] of keys) channel.subscribe({ thing, affordance });
  if (sink === undefined) throw new Error('the live channel did not subscribe');
  return { sink, owner: channel };
}

class BaselineRouter {
  private readonly routes = new Map<string, Map<string, Set<Callee>>>();

  subscribe(thing: string, affordance: string, sink: Callee): void {
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
  /** Counters to check that nothing was lost (none for the live-channel and full kinds). */
  sinks: CountingSink[];
  owners: unknown[]; // keeps the weakly held sinks alive
  broker: MessageBroker | undefined;
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
  const owners: unknown[] = [];
  const broker = kind === 'broker' ? new MessageBroker({ logger: { warn: () => undefined } }) : undefined;
  const baseline = kind === 'baseline' ? new BaselineRouter() : undefined;
  const keys: Array<[string, string]> = [];
  for (let t = 0; t < THINGS; t++) for (let a = 0; a < AFFORDANCES; a++) keys.push([`thing-${t}`, `property-${a}`]);
  // One live channel per subscriber, each watching every key, as one window each.
  const channels = sinkKind === 'live channel' ? Array.from({ length: subscribers }, () => liveChannelSink(keys)) : [];
  for (const channel of channels) owners.push(channel.owner, channel.sink);
  for (const [thing, affordance] of keys) {
    for (let s = 0; s < subscribers; s++) {
      if (sinkKind === 'live channel') {
        const sink = (channels[s] as { sink: MessageSendStream }).sink;
        broker?.subscribe(thing, affordance, sink);
        baseline?.subscribe(thing, affordance, sink);
        continue;
      }
      if (sinkKind === 'full' && broker !== undefined) {
        const [send, receive] = createMemoryObjectStream<Message>(0);
        owners.push(send, receive);
        broker.subscribe(thing, affordance, send);
        continue;
      }
      // The baseline always calls the counter directly: the least possible work.
      const owner = sinkKind === 'target' ? new CountingStream() : new CountingSink();
      const counter = owner instanceof CountingStream ? owner.counter : (owner as CountingSink);
      sinks.push(counter);
      owners.push(owner);
      broker?.subscribe(thing, affordance, owner);
      baseline?.subscribe(thing, affordance, counter);
    }
  }
  return { router: (broker ?? baseline) as Router, sinks, owners, broker };
}

/**
 * Deliveries per second of CPU time for one round (user + system time of this process, in
 * microseconds; a round takes several milliseconds). The loop is synchronous, so that is its
 * own running time, garbage collection included, without the time other processes had the core.
 */
function round(setup: Setup, subscribers: number): number {
  const publishes = DELIVERIES_PER_ROUND / subscribers;
  const { router } = setup;
  const start = process.cpuUsage();
  for (let i = 0; i < publishes; i++) router.publish(messages[i & 1023] as Message);
  const used = process.cpuUsage(start);
  return (publishes * subscribers) / (Math.max(1, used.user + used.system) / 1e6);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const fmt = (perSecond: number): string => `${(perSecond / 1e6).toFixed(1).padStart(7)} M/s`;

function measure(subscribers: number, sinkKind: SinkKind): number {
  const broker = setUp('broker', subscribers, sinkKind);
  // Drops are compared with the broker's own deliveries to target sinks.
  const baseline = sinkKind === 'full' ? setUp('broker', subscribers, 'target') : setUp('baseline', subscribers, sinkKind);
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
    if (setup.sinks.length === 0) continue;
    const total = setup.sinks.reduce((sum, sink) => sum + sink.count, 0);
    if (total !== expected) throw new Error(`lost deliveries: ${total} of ${expected}`);
  }
  if (sinkKind === 'full') {
    const dropped = (broker.broker?.stats() ?? []).reduce((sum, stat) => sum + stat.dropped, 0);
    if (dropped !== expected) throw new Error(`drops not counted: ${dropped} of ${expected}`);
  }
  const brokerMedian = median(brokerRates);
  const baselineMedian = median(baselineRates);
  // The median of each round's own ratio: the two halves of a round run back to back, so a
  // burst of load from elsewhere on the machine weighs on both.
  const ratio = median(brokerRates.map((rate, r) => rate / (baselineRates[r] as number)));
  const label = `${subscribers} subscriber${subscribers === 1 ? '' : 's'}, ${sinkKind} sinks`.padEnd(34);
  if (sinkKind === 'full') {
    console.log(`${label} drops  ${fmt(brokerMedian)}   deliveries to target sinks ${fmt(baselineMedian)}   ratio ${ratio.toFixed(2)}`);
  } else {
    console.log(`${label} broker ${fmt(brokerMedian)}   baseline ${fmt(baselineMedian)}   ratio ${ratio.toFixed(2)}`);
  }
  return ratio;
}

const CASES: Array<[subscribers: number, kind: SinkKind]> = [
  [1, 'target'],
  [10, 'target'],
  [1, 'plain'],
  [10, 'plain'],
  [1, 'live channel'],
  [10, 'live channel'],
  [10, 'full'],
];

/**
 * Each case runs in fresh processes, so what the JIT learnt from one kind of sink (a call
 * site that saw several shapes is slower) does not decide the figure of the next one. The
 * line shown is the median run's, followed by every run's ratio.
 */
function runCase(subscribers: number, kind: SinkKind): number {
  const runs: Array<{ ratio: number; lines: string[] }> = [];
  for (let run = 0; run < RUNS; run++) {
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1] as string], {
      env: { ...process.env, BROKER_BENCH_ONLY: `${subscribers} ${kind}` },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = (child.stdout ?? '').trimEnd().split('\n');
    const result = lines.pop() ?? '';
    const ratio = Number(/^ratio (\S+)$/.exec(result)?.[1]);
    if (child.status !== 0 || !Number.isFinite(ratio)) throw new Error(`the case "${subscribers} ${kind}" failed (exit ${child.status})`);
    runs.push({ ratio, lines });
  }
  runs.sort((a, b) => a.ratio - b.ratio);
  const middle = runs[runs.length >> 1] as { ratio: number; lines: string[] };
  const all = runs.map((r) => r.ratio.toFixed(2)).join(' ');
  for (const [i, line] of middle.lines.entries()) console.log(i === middle.lines.length - 1 && RUNS > 1 ? `${line}   (runs ${all})` : line);
  return RUNS % 2 === 1 ? middle.ratio : median(runs.map((r) => r.ratio));
}

function main(): void {
  const only = process.env.BROKER_BENCH_ONLY;
  if (only !== undefined) {
    // One case, in this process: BROKER_BENCH_ONLY="10 plain". The last line is for the parent.
    const [count, ...kind] = only.split(' ');
    console.log(`ratio ${measure(Number(count), kind.join(' ') as SinkKind)}`);
    return;
  }
  const started = Date.now();
  console.log('MessageBroker.publish vs bare Map+Set dispatch (deliveries per CPU second, medians)');
  console.log(
    `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ` +
      `${THINGS * AFFORDANCES} keys, ${ROUNDS} rounds of ${DELIVERIES_PER_ROUND / 1e6}M deliveries timed by CPU time, ` +
      `median of ${RUNS} process${RUNS === 1 ? '' : 'es'} per row`,
  );
  const ratios = new Map<string, number>();
  for (const [subscribers, kind] of CASES) ratios.set(`${subscribers} ${kind}`, runCase(subscribers, kind));
  const ratio = (key: string): number => ratios.get(key) as number;
  // Drops per second against deliveries per second to target sinks, both through the broker.
  const dropCost = 1 / ratio('10 full');
  console.log('');
  const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
  const gate = (name: string, value: number): void =>
    console.log(`${verdict(value >= TARGET_RATIO)}: ${name} ratio ${value.toFixed(2)} with 10 subscribers (target >= ${TARGET_RATIO})`);
  gate('target sinks', ratio('10 target'));
  gate('plain sinks', ratio('10 plain'));
  gate('live-channel sinks', ratio('10 live channel'));
  console.log(
    `${verdict(dropCost <= TARGET_DROP_COST)}: a drop to a full memory stream costs ${dropCost.toFixed(2)} deliveries ` +
      `with 10 subscribers (target <= ${TARGET_DROP_COST})`,
  );
  console.log('target sinks: a DELIVERY_TARGET, as memory streams have; plain sinks: held through a WeakRef;');
  console.log('live-channel sinks: the sink createLiveChannel subscribes with (conflating, steady state)');
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
