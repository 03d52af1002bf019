// The alarm engine under load: 10,000 rules over 1,000 properties updated at 100 Hz
// (100,000 values a second through the real broker into the real alarm service, inside the
// real lab core). Main-process CPU is measured beside the same run with no rules, in
// interleaved rounds so machine load affects both alike. Then the time from a violating
// value to the notification request (what the desktop app hands to the OS) and to the alarm
// snapshot leaving for a window (the live channel's send, as IPC or the WebSocket would get it).
// Not a test: it prints figures beside their targets and exits 0.
import { cpus } from 'node:os';
import type { AlarmRuleInput, AlarmSnapshot } from '../src/shared/alarms';
import { ALARMS_STATE_AFFORDANCE, ALARMS_THING } from '../src/shared/alarms';
import { createLabCore, type LabCore } from '../src/main/app/lab-core';
import { silentLogger } from '../src/main/core/logger';
import { Message } from '../src/main/core/message';
import { AlarmService, type AlarmNotification } from '../src/main/services/alarms';

const THINGS = 10;
const PROPERTIES_PER_THING = 100;
const RULES_PER_PROPERTY = 10;
const RATE_HZ = 100;
const ROUND_MS = 3000;
const ROUNDS = 3;
const PROBES = 40;
const TARGET_ADDED_CORES = 0.2;
const TARGET_LATENCY_MS = 100;

const thingName = (t: number): string => `bench${t}`;
const propertyName = (p: number): string => `p${p}`;

/** Ten rules on each property, all quiet at normal values: thresholds, delays, equality, stale. */
function rulesFor(): AlarmRuleInput[] {
  const rules: AlarmRuleInput[] = [];
  for (let p = 0; p < PROPERTIES_PER_THING; p++) {
    const property = propertyName(p);
    rules.push(
      { id: `${property}-a`, kind: 'threshold', property, hihi: 100, hi: 90, lo: 10, lolo: 0, deadband: 1 },
      { id: `${property}-b`, kind: 'threshold', property, hi: 95, deadband: 0.5 },
      { id: `${property}-c`, kind: 'threshold', property, lo: 5 },
      { id: `${property}-d`, kind: 'threshold', property, hihi: 120, lolo: -20, delaySec: 5 },
      { id: `${property}-e`, kind: 'threshold', property, hi: 99, delaySec: 1, latch: false },
      { id: `${property}-f`, kind: 'threshold', property, lolo: 1, lo: 2, deadband: 0.2 },
      { id: `${property}-g`, kind: 'equals', property, value: -1 },
      { id: `${property}-h`, kind: 'equals', property, value: 1000, severity: 'minor' },
      { id: `${property}-i`, kind: 'stale', property, afterSec: 30 },
      { id: `${property}-j`, kind: 'threshold', property, hihi: 110, hi: 105, delaySec: 2 },
    );
  }
  return rules.slice(0, PROPERTIES_PER_THING * RULES_PER_PROPERTY);
}

interface Lab {
  core: LabCore;
  alarms: AlarmService;
  notifications: Array<{ at: number; notification: AlarmNotification }>;
  snapshots: Array<{ at: number; snapshot: AlarmSnapshot }>;
}

async function makeLab(withRules: boolean): Promise<Lab> {
  let alarms: AlarmService | undefined;
  const notifications: Lab['notifications'] = [];
  const snapshots: Lab['snapshots'] = [];
  const core = await createLabCore({
    logger: silentLogger,
    instruments: false,
    things: () => [],
    services: (context) => {
      alarms = new AlarmService(context, { defaultRules: () => [] });
      alarms.onNotify((notification) => notifications.push({ at: performance.now(), notification }));
      return [alarms];
    },
  });
  if (!alarms) throw new Error('no alarm service');
  if (withRules) {
    for (let t = 0; t < THINGS; t++) await alarms.setRules(thingName(t), rulesFor(), 'bench');
    await alarms.setRules('probe', [{ id: 'spike', kind: 'threshold', property: 'value', hihi: 10, latch: false }], 'bench');
  }
  // One window, watching the alarm state (as every window does).
  const client = core.openClient({
    send: (batch) => {
      const at = performance.now();
      for (const item of batch.items) if (item.thing === ALARMS_THING) snapshots.push({ at, snapshot: item.payload as AlarmSnapshot });
    },
  });
  await client.call('lab:live:subscribe', { thing: ALARMS_THING, affordance: ALARMS_STATE_AFFORDANCE });
  return { core, alarms, notifications, snapshots };
}

/** Publishes every property of every Thing at RATE_HZ for `ms`, catching up (one tick per turn) when timers are late. */
async function load(lab: Lab, ms: number, onTick?: (tick: number) => void): Promise<{ cores: number; published: number }> {
  const names = Array.from({ length: THINGS }, (_, t) => thingName(t));
  const properties = Array.from({ length: PROPERTIES_PER_THING }, (_, p) => propertyName(p));
  const broker = lab.core.broker;
  const periodMs = 1000 / RATE_HZ;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let tick = 0;
  let published = 0;
  while (performance.now() - start < ms) {
    const due = Math.floor((performance.now() - start) / periodMs);
    while (tick <= due) {
      for (let t = 0; t < THINGS; t++) {
        const thing = names[t] as string;
        for (let p = 0; p < PROPERTIES_PER_THING; p++) {
          // Normal values that wander between 40 and 60: no rule fires.
          const value = 50 + 10 * Math.sin((tick + p * 7 + t * 13) / 50);
          broker.publish(new Message({ thing, affordance: properties[p] as string, messageType: 'property', payload: value }));
          published++;
        }
      }
      onTick?.(tick);
      tick++;
      // Behind (the machine is busy): catch up tick by tick, letting timers run in between, as
      // values arriving from sockets would.
      if (tick <= due) await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + tick * periodMs - performance.now())));
  }
  const cpu = process.cpuUsage(cpuStart);
  const wall = performance.now() - start;
  return { cores: (cpu.user + cpu.system) / 1000 / wall, published };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`alarm engine: ${THINGS * PROPERTIES_PER_THING} properties at ${RATE_HZ} Hz, ${THINGS * PROPERTIES_PER_THING * RULES_PER_PROPERTY} rules (${cpus().length} cores on this machine)`);
  const bare = await makeLab(false);
  const ruled = await makeLab(true);
  const ruleCount = ruled.alarms.list().length;
  await load(bare, 500);
  await load(ruled, 500);
  const without: number[] = [];
  const withRules: number[] = [];
  let rate = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const rules of order) {
      const outcome = await load(rules ? ruled : bare, ROUND_MS);
      (rules ? withRules : without).push(outcome.cores);
      rate = Math.min(rate, outcome.published / (ROUND_MS / 1000));
    }
  }

  // Latency under the same load: a violating value on a probe every 150 ms, back to normal 75 ms later.
  const publishedAt: number[] = [];
  const probe = (value: number): void =>
    ruled.core.broker.publish(new Message({ thing: 'probe', affordance: 'value', messageType: 'property', payload: value }));
  const firstNotification = ruled.notifications.length;
  await load(ruled, PROBES * 150 + 500, (tick) => {
    const phase = tick % 15;
    if (publishedAt.length >= PROBES) return;
    if (phase === 0) {
      publishedAt.push(performance.now());
      probe(50);
    } else if (phase === 7) probe(0);
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const toNotify: number[] = [];
  const toWindow: number[] = [];
  const notes = ruled.notifications.slice(firstNotification).filter((each) => each.notification.id === 'probe/spike');
  for (const at of publishedAt) {
    const notified = notes.find((each) => each.at >= at);
    if (notified) toNotify.push(notified.at - at);
    const shown = ruled.snapshots.find((each) => each.at >= at && each.snapshot.alarms.some((alarm) => alarm.id === 'probe/spike' && alarm.state === 'unacknowledged'));
    if (shown) toWindow.push(shown.at - at);
  }

  const bareCores = median(without);
  const ruledCores = median(withRules);
  const added = ruledCores - bareCores;
  const row = (label: string, value: string, target: string, ok: boolean | undefined) =>
    console.log(`${label.padEnd(46)} ${value.padStart(14)}   ${target.padEnd(12)} ${ok === undefined ? '' : ok ? 'PASS' : 'FAIL'}`);
  console.log(`${'figure'.padEnd(46)} ${'measured'.padStart(14)}   ${'target'.padEnd(12)}`);
  row('values published per second (lowest round)', `${Math.round(rate).toLocaleString('en')}`, `${(THINGS * PROPERTIES_PER_THING * RATE_HZ).toLocaleString('en')}`, undefined);
  row('rules evaluated (with the latency probe)', `${ruleCount.toLocaleString('en')}`, '10,000 + 1', undefined);
  row('main CPU, no rules (cores, median)', bareCores.toFixed(3), '', undefined);
  row('main CPU, 10,000 rules (cores, median)', ruledCores.toFixed(3), '', undefined);
  row('added by the rules (cores)', added.toFixed(3), `<= ${TARGET_ADDED_CORES}`, added <= TARGET_ADDED_CORES);
  row('value → notification request, p50 / max (ms)', `${percentile(toNotify, 50).toFixed(2)} / ${Math.max(...toNotify).toFixed(2)}`, `<= ${TARGET_LATENCY_MS}`, toNotify.length > 0 && Math.max(...toNotify) <= TARGET_LATENCY_MS);
  row('value → snapshot sent to a window, p50 / p95', `${percentile(toWindow, 50).toFixed(1)} / ${percentile(toWindow, 95).toFixed(1)}`, `p95 <= ${TARGET_LATENCY_MS}`, toWindow.length > 0 && percentile(toWindow, 95) <= TARGET_LATENCY_MS);
  console.log(`value → window: max ${Math.max(...toWindow).toFixed(1)} ms (snapshots are coalesced to one per 50 ms, then the live channel's 16 ms flush)`);
  console.log(`rounds: no rules ${without.map((each) => each.toFixed(3)).join(', ')}; with rules ${withRules.map((each) => each.toFixed(3)).join(', ')}`);
  console.log(`probes: ${toNotify.length}/${publishedAt.length} notified, ${toWindow.length}/${publishedAt.length} shown; the rule has no delay (a rule's own delay adds to these)`);
  console.log('the CPU figures include publishing the values (the same in both runs); the difference is the evaluation');
  console.log(`took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const offered = THINGS * PROPERTIES_PER_THING * RATE_HZ;
  if (rate < 0.98 * offered) {
    console.log(`NOT VALID: a round published ${Math.round(rate).toLocaleString('en')} values/s of the ${offered.toLocaleString('en')} it names (machine busy)`);
    process.exitCode = 2;
  }
  await bare.core.dispose();
  await ruled.core.dispose();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
