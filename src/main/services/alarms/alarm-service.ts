import {
  AlarmRule as AlarmRuleSchema,
  MAX_SNAPSHOT_ALARMS,
  RuleList,
  emptyCounts,
  isAnnunciated,
  moreSevere,
  needsAck,
  ruleTarget,
  severityRank,
  type Alarm,
  type AlarmEventKind,
  type AlarmRule,
  type AlarmRuleInput,
  type AlarmSnapshot,
  type AlarmState,
  type AlarmTransition,
  type RuleSuggestion,
  type Severity,
  type ThingRules,
} from '../../../shared/alarms';
import { DisposableStore, type Disposer } from '../../../shared/disposable';
import { LabError } from '../../../shared/errors';
import {
  ALARM_AFFORDANCE,
  ANY_AFFORDANCE,
  ANY_THING,
  CONNECTION_AFFORDANCE,
  LAB_THING,
  THINGS_AFFORDANCE,
  type ActionEventPayload,
  type ConnectionStatus,
  type DataSchema,
  type PropertyAffordance,
  type ThingSummary,
} from '../../../shared/model';
import { z } from 'zod';
import { toIso } from '../../core/clock';
import { Message } from '../../core/message';
import type { MessageSendStream } from '../../core/streams';
import type { Service, ServiceContext } from '../service';
import { boundedValue, equalsHolds, formatNumber, LEVEL_NAMES, levelLimit, levelSeverity, roundNice, thresholdLevel } from './conditions';
import { RuleStore, type RuleNotice } from './rule-store';
import { ShelfStore, type Shelf } from './shelf-store';

/** Asked of the desktop (or any) notifier for each new alarm of severity major or worse. */
export interface AlarmNotification {
  id: string;
  thing: string;
  severity: Severity;
  title: string;
  body: string;
  /** ISO 8601, Z. */
  time: string;
}

export interface AlarmServiceOptions {
  /** Coalesces snapshot pushes: at most one per this many ms (50). */
  snapshotIntervalMs?: number;
  /** Rules for a Thing that has no rules file (or a bad one). */
  defaultRules?: (thing: string) => AlarmRule[];
  /** An alarm still unacknowledged after this many seconds is announced again, and again (600; 0: never). */
  reminderSec?: number;
}

/** Every Thing gets these until the operator saves its own: disconnected, and any action failing. */
export const DEFAULT_RULES: readonly AlarmRuleInput[] = [
  { id: 'disconnected', kind: 'disconnected' },
  { id: 'action-failed', kind: 'action-failed', action: '*', severity: 'major' },
];
const defaultRules = (): AlarmRule[] => DEFAULT_RULES.map((rule) => AlarmRuleSchema.parse(rule));

const SYSTEM = 'system';
const NOTIFY_RANK = severityRank('major');
/** How the stale limit is suggested: this many update intervals, at least MIN seconds. */
const STALE_INTERVALS = 10;
const MIN_STALE_SEC = 2;
const DEFAULT_STALE_SEC = 10;
const MAX_THINGS = 1000;

type ThresholdRule = Extract<AlarmRule, { kind: 'threshold' }>;

interface Pending {
  severity: Severity;
  since: number;
  timer: unknown;
}

/** One rule of one Thing and its alarm state. */
class Instance {
  readonly id: string;
  state: AlarmState = 'normal';
  /** Alarm severity (latched to the highest while raised); null while normal. */
  severity: Severity | null = null;
  /** The condition's severity once past its delay; null when it does not hold. */
  current: Severity | null = null;
  /** The last severity it was raised with, for transitions out of an alarm. */
  reported: Severity | null = null;
  /** Threshold hysteresis level. */
  level = 0;
  pending: Pending | undefined;
  message = '';
  value: number | boolean | string | null | undefined;
  since: number;
  raisedAt: number | null = null;
  acknowledged: Alarm['acknowledged'] = null;
  shelved: (NonNullable<Alarm['shelved']> & { timer: unknown }) | null = null;
  disabled: Alarm['disabled'] = null;
  /** The reminder of an unacknowledged alarm, and when the last one was given. */
  reminderTimer: unknown;
  remindedAt: number | null = null;
  /** Stale rules: the deadline timer, and when the rule began watching. */
  staleTimer: unknown;
  watchingSince: number;

  constructor(
    readonly thing: ThingState,
    readonly rule: AlarmRule,
    now: number,
  ) {
    this.id = `${thing.name}/${rule.id}`;
    this.since = now;
    this.watchingSince = now;
  }
}

interface PropState {
  lastSeen: number;
  /** Smoothed interval between updates, ms (0 until two updates were seen). */
  interval: number;
  value: unknown;
  valueRules: Instance[];
  staleRules: Instance[];
}

interface ThingState {
  readonly name: string;
  rules: AlarmRule[];
  source: ThingRules['source'];
  instances: Map<string, Instance>;
  props: Map<string, PropState>;
  /** Stale rules on '*' (any property). */
  anyStale: Instance[];
  disconnected: Instance[];
  actionRules: Instance[];
  lastSeen: number;
  connection: ConnectionStatus | undefined;
  connectedAt: number;
  connectionReason: string | undefined;
  /** Announced by the Thing list (not only seen on the broker). */
  listed: boolean;
}

/**
 * The alarm engine: evaluates every rule on every message of every Thing in the main
 * process (windows open or not), keeps each alarm's state, publishes each transition as a
 * `property` message on `(thing, '$alarm')` (so the recorder and the timeline see it), tells
 * listeners about the current snapshot and about new alarms worth a notification.
 */
export class AlarmService implements Service {
  readonly name = 'alarms';
  private readonly owned = new DisposableStore();
  private readonly things = new Map<string, ThingState>();
  private readonly store: RuleStore;
  private readonly shelves: ShelfStore;
  /** Shelves read back at start whose alarm does not exist yet (its Thing has not appeared). */
  private readonly restoredShelves = new Map<string, Shelf>();
  private loadedRules = new Map<string, AlarmRule[]>();
  private notices: RuleNotice[] = [];
  private readonly snapshotListeners = new Set<(snapshot: AlarmSnapshot) => void>();
  private readonly notifyListeners = new Set<(notification: AlarmNotification) => void>();
  private snapshotCache: AlarmSnapshot | undefined;
  private snapshotTimer: unknown;
  private lastPush = 0;
  private started = false;
  private stopped = false;
  private readonly snapshotIntervalMs: number;
  private readonly makeDefaults: (thing: string) => AlarmRule[];
  private readonly reminderMs: number;
  /** Held strongly here: the broker holds sinks weakly. */
  private readonly sink: MessageSendStream;

  constructor(
    private readonly context: ServiceContext,
    options: AlarmServiceOptions = {},
  ) {
    this.store = new RuleStore(context.dataDir, context.logger, () => context.clock.now());
    this.shelves = new ShelfStore(context.dataDir, context.logger, () => context.clock.now());
    this.reminderMs = (options.reminderSec ?? 600) * 1000;
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 50;
    this.makeDefaults = options.defaultRules ?? defaultRules;
    this.sink = {
      sendNowait: (message) => this.receive(message),
      closed: false,
    };
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const loaded = await this.store.loadAll();
    this.loadedRules = loaded.rules;
    const shelved = await this.shelves.load();
    for (const shelf of shelved.shelves) this.restoredShelves.set(shelf.id, shelf);
    this.notices = [...loaded.notices, ...shelved.notices];
    this.owned.add(this.context.broker.subscribe(ANY_THING, ANY_AFFORDANCE, this.sink));
    for (const driver of this.context.registry.all()) {
      const state = this.ensureThing(driver.name);
      state.listed = true;
      this.onConnection(state, driver.connection().status, driver.connection().reason);
    }
    for (const thing of this.loadedRules.keys()) this.ensureThing(thing);
    for (const notice of this.notices) if (notice.thing !== '') this.ensureThing(notice.thing);
    this.owned.add(() => {
      for (const state of this.things.values()) for (const instance of state.instances.values()) this.clearTimers(instance);
      this.context.clock.clearTimeout(this.snapshotTimer);
      this.snapshotTimer = undefined;
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.owned.dispose();
    await Promise.all([this.store.flush(), this.shelves.flush()]);
  }

  // ---------------------------------------------------------------- queries

  /** Every alarm (normal ones included), of one Thing or all. */
  list(thing?: string): Alarm[] {
    const states = thing === undefined ? [...this.things.values()] : [this.thing(thing)];
    return states.flatMap((state) => [...state.instances.values()].map((instance) => this.toAlarm(instance)));
  }

  snapshot(): AlarmSnapshot {
    this.snapshotCache ??= this.buildSnapshot();
    return this.snapshotCache;
  }

  /** Called with the new snapshot after changes (coalesced); returns the disposer. */
  onSnapshot(listener: (snapshot: AlarmSnapshot) => void): Disposer {
    this.snapshotListeners.add(listener);
    return () => this.snapshotListeners.delete(listener);
  }

  /** Called at once for each alarm raised (or escalated) to major or invalid. */
  onNotify(listener: (notification: AlarmNotification) => void): Disposer {
    this.notifyListeners.add(listener);
    return () => this.notifyListeners.delete(listener);
  }

  /** The rules of a Thing; a Thing not seen yet has the defaults. */
  getRules(thing: string): ThingRules {
    const state = this.things.get(thing);
    if (!state) return { thing, rules: this.makeDefaults(thing), source: 'default' };
    return { thing, rules: state.rules, source: state.source };
  }

  /** Suggested values for a new rule on a property: from its schema and what was observed. */
  suggest(thing: string, property: string): RuleSuggestion {
    const state = this.things.get(thing);
    const schema = this.schemaOf(thing, property);
    const prop = state?.props.get(property);
    const intervalMs = property === ANY_AFFORDANCE ? this.fastestInterval(state) : prop?.interval ?? 0;
    const observedHz = intervalMs > 0 ? roundNice(1000 / intervalMs) : undefined;
    const staleAfterSec = intervalMs > 0 ? Math.max(MIN_STALE_SEC, Math.ceil((STALE_INTERVALS * intervalMs) / 1000)) : DEFAULT_STALE_SEC;
    const out: RuleSuggestion = { staleAfterSec };
    if (observedHz !== undefined) out.observedHz = observedHz;
    if (schema?.type !== undefined) out.type = schema.type;
    if (schema?.unit !== undefined) out.unit = schema.unit;
    if (prop && boundedValue(prop.value) !== null) out.lastValue = boundedValue(prop.value);
    const last = typeof prop?.value === 'number' && Number.isFinite(prop.value) ? prop.value : undefined;
    const { minimum, maximum } = schema ?? {};
    if (minimum !== undefined) out.minimum = minimum;
    if (maximum !== undefined) out.maximum = maximum;
    if (minimum !== undefined && maximum !== undefined && maximum > minimum) {
      const span = maximum - minimum;
      Object.assign(out, {
        hihi: roundNice(maximum - 0.02 * span),
        hi: roundNice(maximum - 0.1 * span),
        lo: roundNice(minimum + 0.1 * span),
        lolo: roundNice(minimum + 0.02 * span),
        deadband: roundNice(0.01 * span),
      });
    } else if (last !== undefined || maximum !== undefined || minimum !== undefined) {
      const centre = last ?? maximum ?? minimum ?? 0;
      const step = Math.abs(centre) * 0.1 || 1;
      const hi = maximum !== undefined ? Math.min(maximum, centre + step) : centre + step;
      const lo = minimum !== undefined ? Math.max(minimum, centre - step) : centre - step;
      Object.assign(out, {
        hihi: roundNice(maximum ?? centre + 2 * step),
        hi: roundNice(hi),
        lo: roundNice(lo),
        lolo: roundNice(minimum ?? centre - 2 * step),
        deadband: roundNice(step / 10),
      });
    }
    if (schema?.type === 'boolean') out.values = [true, false];
    else if (Array.isArray(schema?.enum)) {
      out.values = schema.enum.filter((value): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value));
    }
    return out;
  }

  // ---------------------------------------------------------------- operator commands

  /** Acknowledges each alarm that needs it; returns how many did. Unknown ids are refused. */
  acknowledge(ids: readonly string[], by: string, note?: string): number {
    const instances = ids.map((id) => this.instance(id));
    let count = 0;
    const now = this.context.clock.now();
    for (const instance of instances) {
      if (!needsAck(instance.state)) continue;
      instance.acknowledged = { by, at: toIso(now), ...(note ? { note } : {}) };
      if (instance.state === 'unacknowledged') this.transition(instance, 'acknowledged', 'acknowledged', now, by, note);
      else {
        instance.severity = null;
        this.transition(instance, 'normal', 'acknowledged', now, by, note);
      }
      count += 1;
    }
    return count;
  }

  shelve(id: string, durationSec: number, reason: string, by: string): Alarm {
    const instance = this.instance(id);
    if (instance.state === 'disabled') throw new LabError('CONFLICT', `${id} is disabled: enable it before shelving`);
    const now = this.context.clock.now();
    if (instance.shelved) this.context.clock.clearTimeout(instance.shelved.timer);
    const timer = this.context.clock.setTimeout(() => this.unshelveNow(instance, SYSTEM), durationSec * 1000);
    instance.shelved = { by, at: toIso(now), until: toIso(now + durationSec * 1000), reason, timer };
    this.transition(instance, 'shelved', 'shelved', now, by, reason);
    this.saveShelves();
    return this.toAlarm(instance);
  }

  unshelve(id: string, by: string): Alarm {
    const instance = this.instance(id);
    if (instance.state !== 'shelved') throw new LabError('CONFLICT', `${id} is not shelved`);
    this.unshelveNow(instance, by);
    return this.toAlarm(instance);
  }

  async disable(id: string, by: string, reason?: string): Promise<Alarm> {
    const instance = this.instance(id);
    if (instance.state !== 'disabled') {
      this.disableNow(instance, by, reason);
      await this.persistEnabled(instance, false);
    }
    return this.toAlarm(instance);
  }

  async enable(id: string, by: string): Promise<Alarm> {
    const instance = this.instance(id);
    if (instance.state === 'disabled') {
      this.enableNow(instance, by);
      await this.persistEnabled(instance, true);
    }
    return this.toAlarm(instance);
  }

  /**
   * Replaces the rules of a Thing. Unchanged rules keep their alarm state; changed and new ones
   * start afresh from the last values seen; removed ones end (an active alarm is cleared).
   */
  async setRules(thing: string, input: readonly unknown[], by: string): Promise<ThingRules> {
    const parsed = RuleList.safeParse(input);
    if (!parsed.success) throw new LabError('INVALID_ARGUMENT', `rules of ${thing}: ${z.prettifyError(parsed.error)}`);
    // Rules may be given for a Thing not connected yet, within reason: a client cannot grow this without bound.
    if (!this.things.has(thing) && !this.registryHas(thing) && this.things.size >= MAX_THINGS) {
      throw new LabError('INVALID_ARGUMENT', `no Thing named "${thing}" (rules are kept for at most ${MAX_THINGS} Things)`);
    }
    const state = this.ensureThing(thing);
    this.applyRules(state, parsed.data, by);
    state.source = this.store.folder === undefined ? 'memory' : 'file';
    this.notices = this.notices.filter((notice) => notice.thing !== thing);
    this.changed();
    await this.store.save(thing, state.rules);
    return this.getRules(thing);
  }

  // ---------------------------------------------------------------- the hot path

  private receive(message: Message): void {
    const thing = message.thing;
    if (thing.charCodeAt(0) === 36 /* $ */) {
      if (thing === LAB_THING && message.affordance === THINGS_AFFORDANCE) this.onThingList(message.payload);
      return;
    }
    const state = this.things.get(thing) ?? this.ensureThing(thing);
    const affordance = message.affordance;
    if (affordance.charCodeAt(0) === 36) {
      if (affordance === CONNECTION_AFFORDANCE) {
        const payload = message.payload as { status?: ConnectionStatus; reason?: string } | null;
        if (payload && typeof payload.status === 'string') this.onConnection(state, payload.status, payload.reason);
      }
      return; // '$write', '$alarm' and other reserved affordances are not alarmed on
    }
    if (message.messageType === 'action') {
      if (state.actionRules.length > 0) this.onAction(state, affordance, message.payload as ActionEventPayload);
      return;
    }
    const now = this.context.clock.now();
    let prop = state.props.get(affordance);
    if (prop === undefined) {
      prop = { lastSeen: 0, interval: 0, value: undefined, valueRules: [], staleRules: [] };
      state.props.set(affordance, prop);
    }
    if (prop.lastSeen > 0) {
      const dt = now - prop.lastSeen;
      prop.interval = prop.interval === 0 ? dt : prop.interval * 0.9 + dt * 0.1;
    }
    prop.lastSeen = now;
    state.lastSeen = now;
    const value = message.payload;
    prop.value = value;
    const rules = prop.valueRules;
    for (let i = 0; i < rules.length; i++) this.evaluateValue(rules[i] as Instance, value, now);
    const stale = prop.staleRules;
    for (let i = 0; i < stale.length; i++) this.freshValue(stale[i] as Instance, now);
    const any = state.anyStale;
    for (let i = 0; i < any.length; i++) this.freshValue(any[i] as Instance, now);
  }

  private evaluateValue(instance: Instance, value: unknown, now: number): void {
    if (instance.state === 'disabled') return;
    const rule = instance.rule;
    if (rule.kind === 'threshold') {
      if (typeof value !== 'number' || Number.isNaN(value)) return;
      const level = thresholdLevel(rule, value, instance.level);
      if (level === instance.level) return; // nothing changes: the common case (a delay keeps running)
      instance.level = level;
      this.condition(instance, levelSeverity(level), now, value);
    } else if (rule.kind === 'equals') {
      const holds = equalsHolds(rule, value);
      if (holds === (instance.current !== null || instance.pending !== undefined)) return;
      this.condition(instance, holds ? rule.severity : null, now, value);
    }
  }

  /**
   * The condition of a rule now has `severity` (null: it does not hold). Raising waits for the
   * rule's delay; clearing and lowering take effect at once.
   */
  private condition(instance: Instance, severity: Severity | null, now: number, value?: unknown): void {
    if (severity === null) {
      this.cancelPending(instance);
      if (instance.current !== null) {
        instance.current = null;
        this.conditionCleared(instance, now);
      }
      return;
    }
    if (severityRank(severity) > severityRank(instance.current)) {
      const delayMs = instance.rule.delaySec * 1000;
      if (delayMs <= 0) {
        this.cancelPending(instance);
        this.raise(instance, severity, now, value);
        return;
      }
      if (instance.pending?.severity === severity) return;
      const since = instance.pending?.since ?? now;
      this.cancelPending(instance);
      const wait = Math.max(0, since + delayMs - now);
      const pending: Pending = { severity, since, timer: undefined };
      pending.timer = this.context.clock.setTimeout(() => {
        if (instance.pending !== pending) return;
        instance.pending = undefined;
        this.raise(instance, severity, this.context.clock.now(), value);
      }, wait);
      instance.pending = pending;
      return;
    }
    this.cancelPending(instance);
    if (severity !== instance.current) {
      // Lower than raised: a non-latching alarm follows it down.
      instance.current = severity;
      if (!instance.rule.latch && isAnnunciated(instance.state)) {
        instance.severity = severity;
        this.changed();
      }
    }
  }

  /** `news`: a fresh occurrence (an action failed again) is raised anew even while active. */
  private raise(instance: Instance, severity: Severity, now: number, value: unknown, message?: string, news = false): void {
    instance.current = severity;
    instance.value = value === undefined ? instance.value : boundedValue(value);
    instance.message = message ?? this.describeCondition(instance, severity, value, now);
    const state = instance.state;
    if (state === 'disabled' || state === 'shelved') {
      this.changed();
      return;
    }
    if (state === 'normal' || state === 'returned' || news) {
      instance.severity = instance.rule.latch && state === 'returned' ? moreSevere(instance.severity, severity) : severity;
      instance.raisedAt = now;
      instance.acknowledged = null;
      this.transition(instance, 'unacknowledged', 'raised', now, SYSTEM);
      this.notify(instance, now);
      return;
    }
    if (severityRank(severity) > severityRank(instance.severity)) {
      instance.severity = severity;
      instance.acknowledged = null;
      this.transition(instance, 'unacknowledged', 'escalated', now, SYSTEM);
      this.notify(instance, now);
    }
  }

  private conditionCleared(instance: Instance, now: number): void {
    if (instance.state === 'unacknowledged') {
      if (instance.rule.latch) this.transition(instance, 'returned', 'returned', now, SYSTEM);
      else {
        instance.severity = null;
        this.transition(instance, 'normal', 'cleared', now, SYSTEM);
      }
    } else if (instance.state === 'acknowledged') {
      instance.severity = null;
      this.transition(instance, 'normal', 'cleared', now, SYSTEM);
    } else {
      this.changed();
    }
  }

  // ---------------------------------------------------------------- stale, connection, actions

  private freshValue(instance: Instance, now: number): void {
    if (instance.current !== null || instance.pending !== undefined) this.condition(instance, null, now);
    if (instance.staleTimer === undefined && instance.state !== 'disabled') this.armStale(instance, now);
  }

  private lastSeenFor(instance: Instance): number {
    const rule = instance.rule;
    const state = instance.thing;
    const seen = rule.kind === 'stale' && rule.property !== ANY_AFFORDANCE ? state.props.get(rule.property)?.lastSeen ?? 0 : state.lastSeen;
    return Math.max(seen, state.connectedAt, instance.watchingSince);
  }

  private armStale(instance: Instance, now: number): void {
    const rule = instance.rule;
    if (rule.kind !== 'stale' || instance.state === 'disabled') return;
    // A Thing of unknown connection (never announced) is expected to send values.
    if (instance.thing.connection !== undefined && instance.thing.connection !== 'connected') return;
    const due = this.lastSeenFor(instance) + rule.afterSec * 1000;
    instance.staleTimer = this.context.clock.setTimeout(() => {
      instance.staleTimer = undefined;
      this.checkStale(instance);
    }, Math.max(0, due - now));
  }

  private checkStale(instance: Instance): void {
    const rule = instance.rule;
    const connection = instance.thing.connection;
    if (rule.kind !== 'stale' || instance.state === 'disabled' || (connection !== undefined && connection !== 'connected')) return;
    const now = this.context.clock.now();
    const last = this.lastSeenFor(instance);
    if (now - last >= rule.afterSec * 1000) {
      this.condition(instance, 'invalid', now, toIso(last));
      return; // re-armed by the next value
    }
    this.armStale(instance, now);
  }

  private onConnection(state: ThingState, status: ConnectionStatus, reason: string | undefined): void {
    const now = this.context.clock.now();
    const before = state.connection;
    state.connection = status;
    state.connectionReason = reason;
    if (status === 'connected' && before !== 'connected') {
      state.connectedAt = now;
      for (const instance of state.instances.values()) {
        if (instance.rule.kind === 'stale') {
          this.clearStaleTimer(instance);
          this.armStale(instance, now);
        }
      }
    } else if (status !== 'connected' && before === 'connected') {
      // A disconnected Thing is its own alarm: stale rules wait for it to come back.
      for (const instance of state.instances.values()) {
        if (instance.rule.kind === 'stale') {
          this.clearStaleTimer(instance);
          if (instance.current !== null) this.condition(instance, null, now);
        }
      }
    }
    for (const instance of state.disconnected) this.evaluateConnection(instance, now);
  }

  private evaluateConnection(instance: Instance, now: number): void {
    if (instance.state === 'disabled') return;
    const status = instance.thing.connection;
    // 'connecting' continues an alarm (or its delay) that a disconnect began; it raises none itself.
    const holding = instance.current !== null || instance.pending !== undefined;
    const holds = status === 'disconnected' || (status === 'connecting' && holding);
    if (holds === holding) return;
    this.condition(instance, holds ? 'invalid' : null, now);
  }

  private onAction(state: ThingState, action: string, payload: ActionEventPayload | null | undefined): void {
    const invocation = payload?.invocation;
    if (!invocation) return;
    if (invocation.status !== 'error' && invocation.status !== 'completed') return;
    const now = this.context.clock.now();
    for (const instance of state.actionRules) {
      const rule = instance.rule;
      if (rule.kind !== 'action-failed' || (rule.action !== ANY_AFFORDANCE && rule.action !== action)) continue;
      if (instance.state === 'disabled') continue;
      if (invocation.status === 'error') {
        // Every failure is news, even right after another.
        this.cancelPending(instance);
        const title = invocation.error?.detail ?? invocation.error?.title ?? 'error';
        this.raise(instance, rule.severity, now, action, `${action} failed: ${title}`.slice(0, 500), true);
      } else if (instance.current !== null && (rule.action === action || rule.action === ANY_AFFORDANCE)) {
        this.condition(instance, null, now);
      }
    }
  }

  // ---------------------------------------------------------------- shelving, disabling

  private unshelveNow(instance: Instance, by: string): void {
    if (instance.state !== 'shelved') return;
    this.context.clock.clearTimeout(instance.shelved?.timer);
    instance.shelved = null;
    this.saveShelves();
    const now = this.context.clock.now();
    if (instance.current !== null) {
      instance.severity = instance.current;
      instance.raisedAt = now;
      instance.acknowledged = null;
      this.transition(instance, 'unacknowledged', 'unshelved', now, by);
      this.notify(instance, now);
    } else {
      instance.severity = null;
      this.transition(instance, 'normal', 'unshelved', now, by);
    }
  }

  private disableNow(instance: Instance, by: string, reason?: string): void {
    const now = this.context.clock.now();
    const wasShelved = instance.shelved !== null;
    this.clearTimers(instance);
    instance.shelved = null;
    if (wasShelved) this.saveShelves();
    instance.current = null;
    instance.level = 0;
    instance.severity = null;
    instance.disabled = { by, at: toIso(now), ...(reason ? { reason } : {}) };
    this.transition(instance, 'disabled', 'disabled', now, by, reason);
  }

  private enableNow(instance: Instance, by: string): void {
    const now = this.context.clock.now();
    instance.disabled = null;
    instance.watchingSince = now;
    this.transition(instance, 'normal', 'enabled', now, by);
    this.evaluateFromScratch(instance, now);
  }

  /** A fresh (or re-enabled) rule looks at what is already known: the last value, the connection. */
  private evaluateFromScratch(instance: Instance, now: number): void {
    const rule = instance.rule;
    const state = instance.thing;
    if (rule.kind === 'threshold' || rule.kind === 'equals') {
      const prop = state.props.get(rule.property);
      if (prop && prop.lastSeen > 0) this.evaluateValue(instance, prop.value, now);
    } else if (rule.kind === 'disconnected') {
      this.evaluateConnection(instance, now);
    } else if (rule.kind === 'stale') {
      this.armStale(instance, now);
    }
  }

  private async persistEnabled(instance: Instance, enabled: boolean): Promise<void> {
    const state = instance.thing;
    state.rules = state.rules.map((rule) => (rule.id === instance.rule.id ? { ...rule, enabled } : rule));
    if (this.store.folder === undefined) return;
    state.source = 'file';
    await this.store.save(state.name, state.rules);
  }

  // ---------------------------------------------------------------- Things and their rules

  private ensureThing(name: string): ThingState {
    const existing = this.things.get(name);
    if (existing) return existing;
    const state: ThingState = {
      name,
      rules: [],
      source: 'default',
      instances: new Map(),
      props: new Map(),
      anyStale: [],
      disconnected: [],
      actionRules: [],
      lastSeen: 0,
      connection: undefined,
      connectedAt: 0,
      connectionReason: undefined,
      listed: false,
    };
    this.things.set(name, state);
    const fromFile = this.loadedRules.get(name);
    if (this.registryHas(name)) {
      const connection = this.context.registry.get(name).connection();
      state.connection = connection.status;
      state.connectionReason = connection.reason;
      if (connection.status === 'connected') state.connectedAt = this.context.clock.now();
    }
    this.applyRules(state, fromFile ?? this.makeDefaults(name), SYSTEM);
    state.source = fromFile ? 'file' : 'default';
    this.changed();
    return state;
  }

  private applyRules(state: ThingState, rules: readonly AlarmRule[], by: string): void {
    const now = this.context.clock.now();
    const keep = new Map<string, Instance>();
    const fresh: Instance[] = [];
    for (const rule of rules) {
      const old = state.instances.get(rule.id);
      if (old && sameRule(old.rule, rule)) keep.set(rule.id, old);
      else {
        const instance = new Instance(state, rule, now);
        keep.set(rule.id, instance);
        fresh.push(instance);
      }
    }
    let shelfEnded = false;
    for (const [id, old] of state.instances) {
      if (keep.get(id) === old) continue;
      this.clearTimers(old);
      shelfEnded ||= old.shelved !== null;
      if (old.state !== 'normal') this.publish(old, 'cleared', 'normal', old.state, now, by, 'rule changed or removed');
    }
    state.rules = [...rules];
    state.instances = keep;
    this.index(state);
    for (const instance of fresh) {
      if (!instance.rule.enabled) {
        instance.state = 'disabled';
        instance.disabled = { by, at: toIso(now) };
        continue;
      }
      this.restoreShelf(instance, now);
      this.evaluateFromScratch(instance, now);
    }
    if (shelfEnded) this.saveShelves();
    this.changed();
  }

  /** A shelf read back at start applies to the first instance of its alarm, for the time it has left. */
  private restoreShelf(instance: Instance, now: number): void {
    const shelf = this.restoredShelves.get(instance.id);
    if (shelf === undefined) return;
    this.restoredShelves.delete(instance.id);
    const until = Date.parse(shelf.until);
    if (!(until > now)) return;
    const { by, at, reason } = shelf;
    instance.state = 'shelved';
    instance.since = Date.parse(at) || now;
    instance.shelved = { by, at, until: shelf.until, reason, timer: this.context.clock.setTimeout(() => this.unshelveNow(instance, SYSTEM), until - now) };
  }

  /** Writes every shelf there is: the alarms' own and those whose Thing has not appeared yet. */
  private saveShelves(): void {
    // Shelves kept for alarms that have not come back end at their own time too.
    const now = this.context.clock.now();
    for (const [id, shelf] of this.restoredShelves) if (!(Date.parse(shelf.until) > now)) this.restoredShelves.delete(id);
    const shelves: Shelf[] = [...this.restoredShelves.values()];
    for (const state of this.things.values()) {
      for (const instance of state.instances.values()) {
        const shelf = shelfOf(instance);
        if (shelf) shelves.push(shelf);
      }
    }
    void this.shelves.save(shelves);
  }

  private index(state: ThingState): void {
    for (const prop of state.props.values()) {
      prop.valueRules = [];
      prop.staleRules = [];
    }
    state.anyStale = [];
    state.disconnected = [];
    state.actionRules = [];
    for (const instance of state.instances.values()) {
      const rule = instance.rule;
      if (rule.kind === 'disconnected') state.disconnected.push(instance);
      else if (rule.kind === 'action-failed') state.actionRules.push(instance);
      else if (rule.kind === 'stale' && rule.property === ANY_AFFORDANCE) state.anyStale.push(instance);
      else {
        let prop = state.props.get(rule.property);
        if (prop === undefined) {
          prop = { lastSeen: 0, interval: 0, value: undefined, valueRules: [], staleRules: [] };
          state.props.set(rule.property, prop);
        }
        if (rule.kind === 'stale') prop.staleRules.push(instance);
        else prop.valueRules.push(instance);
      }
    }
  }

  private onThingList(payload: unknown): void {
    if (!Array.isArray(payload)) return;
    const names = new Set<string>();
    for (const summary of payload as ThingSummary[]) {
      if (typeof summary?.name !== 'string') continue;
      names.add(summary.name);
      const state = this.ensureThing(summary.name);
      state.listed = true;
      if (summary.connection && typeof summary.connection.status === 'string' && state.connection === undefined) {
        this.onConnection(state, summary.connection.status, summary.connection.reason);
      }
    }
    // A removed instrument takes its alarms with it.
    for (const [name, state] of this.things) {
      if (!state.listed || names.has(name)) continue;
      for (const instance of state.instances.values()) {
        this.clearTimers(instance);
        // Its shelves stay too, for their time, should it come back.
        const shelf = shelfOf(instance);
        if (shelf) this.restoredShelves.set(instance.id, shelf);
      }
      // Its rules stay for when it comes back (the same instrument added again).
      if (state.source !== 'default') this.loadedRules.set(name, state.rules);
      this.things.delete(name);
      this.changed();
    }
  }

  // ---------------------------------------------------------------- transitions and outputs

  private transition(instance: Instance, next: AlarmState, event: AlarmEventKind, now: number, by: string, note?: string): void {
    const previous = instance.state;
    if (instance.severity !== null) instance.reported = instance.severity;
    if (next !== 'unacknowledged') this.clearReminder(instance);
    instance.state = next;
    instance.since = now;
    this.publish(instance, event, next, previous, now, by, note);
    this.changed();
  }

  private publish(instance: Instance, event: AlarmEventKind, state: AlarmState, previous: AlarmState, now: number, by: string, note?: string): void {
    const rule = instance.rule;
    const payload: AlarmTransition = {
      id: instance.id,
      thing: instance.thing.name,
      rule: rule.id,
      kind: rule.kind,
      property: ruleTarget(rule),
      event,
      severity: instance.severity ?? instance.reported ?? severityOfRule(rule),
      state,
      previous,
      message: instance.message || this.describeRule(instance),
      value: instance.value ?? null,
      time: toIso(now),
      by,
      ...(note ? { note } : {}),
    };
    try {
      this.context.broker.publish(new Message({ thing: instance.thing.name, affordance: ALARM_AFFORDANCE, messageType: 'property', payload }));
    } catch (error) {
      this.context.logger.warn('alarms: publishing a transition failed', error);
    }
  }

  /** Announces a new (or escalated, or still unacknowledged) alarm of major or worse, and arms its reminder. */
  private notify(instance: Instance, now: number, reminder = false): void {
    const severity = instance.severity;
    if (severity === null || severityRank(severity) < NOTIFY_RANK) return;
    if (!reminder) instance.remindedAt = null;
    this.armReminder(instance);
    if (this.notifyListeners.size === 0) return;
    const title = `${severity.toUpperCase()} alarm: ${this.thingTitle(instance.thing.name)}`;
    const raised = instance.raisedAt === null ? '' : ` since ${toIso(instance.raisedAt).slice(11, 16)} UTC`;
    const notification: AlarmNotification = {
      id: instance.id,
      thing: instance.thing.name,
      severity,
      title: reminder ? `Still unacknowledged — ${title}` : title,
      body: reminder ? `${instance.message} (raised${raised})` : instance.message,
      time: toIso(now),
    };
    for (const listener of this.notifyListeners) {
      try {
        listener(notification);
      } catch (error) {
        this.context.logger.warn('alarms: a notification listener failed', error);
      }
    }
  }

  private armReminder(instance: Instance): void {
    this.clearReminder(instance);
    if (this.reminderMs <= 0 || this.stopped) return;
    instance.reminderTimer = this.context.clock.setTimeout(() => {
      instance.reminderTimer = undefined;
      if (instance.state !== 'unacknowledged') return;
      const now = this.context.clock.now();
      instance.remindedAt = now;
      this.notify(instance, now, true);
      this.changed(); // windows announce it again too (browser notifications, the beep)
    }, this.reminderMs);
  }

  private clearReminder(instance: Instance): void {
    if (instance.reminderTimer === undefined) return;
    this.context.clock.clearTimeout(instance.reminderTimer);
    instance.reminderTimer = undefined;
  }

  /** Marks the snapshot dirty and pushes it soon (at most once per interval). */
  private changed(): void {
    this.snapshotCache = undefined;
    if (this.snapshotTimer !== undefined || this.stopped || !this.started) return;
    const now = this.context.clock.now();
    const wait = Math.max(0, this.lastPush + this.snapshotIntervalMs - now);
    this.snapshotTimer = this.context.clock.setTimeout(() => {
      this.snapshotTimer = undefined;
      this.lastPush = this.context.clock.now();
      if (this.snapshotListeners.size === 0) return;
      const snapshot = this.snapshot();
      for (const listener of this.snapshotListeners) {
        try {
          listener(snapshot);
        } catch (error) {
          this.context.logger.warn('alarms: a snapshot listener failed', error);
        }
      }
    }, wait);
  }

  private buildSnapshot(): AlarmSnapshot {
    const counts = emptyCounts();
    const worst: Record<string, Severity> = {};
    const shown: Instance[] = [];
    for (const state of this.things.values()) {
      for (const instance of state.instances.values()) {
        const alarmState = instance.state;
        if (alarmState === 'normal') continue;
        shown.push(instance);
        if (alarmState === 'shelved') counts.shelved += 1;
        else if (alarmState === 'disabled') counts.disabled += 1;
        else if (instance.severity !== null) {
          counts[instance.severity] += 1;
          if (needsAck(alarmState)) counts.unacknowledged += 1;
          if (severityRank(instance.severity) > severityRank(worst[state.name])) worst[state.name] = instance.severity;
        }
      }
    }
    shown.sort(compareInstances);
    const kept = shown.slice(0, MAX_SNAPSHOT_ALARMS);
    return {
      time: toIso(this.context.clock.now()),
      alarms: kept.map((instance) => this.toAlarm(instance)),
      omitted: shown.length - kept.length,
      counts,
      things: worst,
      notices: this.notices.map((notice) => ({ thing: notice.thing, time: toIso(notice.time), text: notice.text })),
    };
  }

  private toAlarm(instance: Instance): Alarm {
    const rule = instance.rule;
    const shelved = instance.shelved ? { by: instance.shelved.by, at: instance.shelved.at, until: instance.shelved.until, reason: instance.shelved.reason } : null;
    return {
      id: instance.id,
      thing: instance.thing.name,
      rule: rule.id,
      kind: rule.kind,
      property: ruleTarget(rule),
      severity: instance.state === 'normal' ? null : instance.severity,
      current: instance.current,
      state: instance.state,
      message: instance.message || this.describeRule(instance),
      ...(instance.value !== undefined ? { value: instance.value } : {}),
      since: toIso(instance.since),
      raisedAt: instance.raisedAt === null ? null : toIso(instance.raisedAt),
      ...(instance.remindedAt !== null && instance.state === 'unacknowledged' ? { remindedAt: toIso(instance.remindedAt) } : {}),
      acknowledged: instance.acknowledged,
      shelved,
      disabled: instance.disabled,
      ...(rule.guidance ? { guidance: rule.guidance } : {}),
    };
  }

  // ---------------------------------------------------------------- words for the operator

  private describeCondition(instance: Instance, severity: Severity, value: unknown, now: number): string {
    const rule = instance.rule;
    const name = this.propertyTitle(instance.thing.name, ruleTarget(rule));
    const unit = this.unitOf(instance.thing.name, ruleTarget(rule));
    const withUnit = (number: number): string => `${formatNumber(number)}${unit ? ` ${unit}` : ''}`;
    switch (rule.kind) {
      case 'threshold': {
        const level = instance.level;
        const limit = levelLimit(rule as ThresholdRule, level);
        const where = level > 0 ? 'at or above' : 'at or below';
        return typeof value === 'number' && limit !== undefined
          ? `${name} ${withUnit(value)} ${where} ${LEVEL_NAMES[level]} ${withUnit(limit)}`
          : `${name} outside its limits (${severity})`;
      }
      case 'equals':
        return `${name} is ${JSON.stringify(rule.value)}`;
      case 'stale': {
        const last = this.lastSeenFor(instance);
        const what = rule.property === ANY_AFFORDANCE ? 'no value from any property' : `no update of ${name}`;
        return `${what} for ${formatNumber(Math.round((now - last) / 100) / 10)} s (limit ${formatNumber(rule.afterSec)} s)`;
      }
      case 'disconnected': {
        const reason = instance.thing.connectionReason;
        return `${this.thingTitle(instance.thing.name)} disconnected${reason ? ` — ${reason}` : ''}`;
      }
      case 'action-failed':
        return `${rule.action === ANY_AFFORDANCE ? 'an action' : rule.action} failed`;
    }
  }

  private describeRule(instance: Instance): string {
    const rule = instance.rule;
    const name = this.propertyTitle(instance.thing.name, ruleTarget(rule));
    switch (rule.kind) {
      case 'threshold': {
        const parts = (['lolo', 'lo', 'hi', 'hihi'] as const).flatMap((key) => (rule[key] === undefined ? [] : [`${key.toUpperCase()} ${formatNumber(rule[key])}`]));
        return `${name}: ${parts.join(', ')}${rule.deadband > 0 ? ` (deadband ${formatNumber(rule.deadband)})` : ''}`;
      }
      case 'equals':
        return `${name} == ${JSON.stringify(rule.value)}`;
      case 'stale':
        return `${rule.property === ANY_AFFORDANCE ? 'any property' : name}: no update for ${formatNumber(rule.afterSec)} s`;
      case 'disconnected':
        return `${this.thingTitle(instance.thing.name)} disconnected`;
      case 'action-failed':
        return `${rule.action === ANY_AFFORDANCE ? 'any action' : rule.action} failed`;
    }
  }

  private registryHas(thing: string): boolean {
    try {
      return this.context.registry.has(thing);
    } catch {
      return false;
    }
  }

  private schemaOf(thing: string, property: string): (PropertyAffordance & DataSchema) | undefined {
    if (!this.registryHas(thing)) return undefined;
    try {
      return this.context.registry.get(thing).describe().properties[property];
    } catch {
      return undefined;
    }
  }

  private thingTitle(thing: string): string {
    if (!this.registryHas(thing)) return thing;
    try {
      return this.context.registry.get(thing).describe().title || thing;
    } catch {
      return thing;
    }
  }

  private propertyTitle(thing: string, property: string): string {
    return this.schemaOf(thing, property)?.title ?? property;
  }

  private unitOf(thing: string, property: string): string | undefined {
    return this.schemaOf(thing, property)?.unit;
  }

  private fastestInterval(state: ThingState | undefined): number {
    let best = 0;
    for (const prop of state?.props.values() ?? []) if (prop.interval > 0 && (best === 0 || prop.interval < best)) best = prop.interval;
    return best;
  }

  private thing(name: string): ThingState {
    const state = this.things.get(name);
    if (state) return state;
    if (this.registryHas(name)) return this.ensureThing(name);
    throw new LabError('NOT_FOUND', `no Thing named "${name}"`);
  }

  private instance(id: string): Instance {
    const slash = id.indexOf('/');
    const instance = slash < 0 ? undefined : this.things.get(id.slice(0, slash))?.instances.get(id.slice(slash + 1));
    if (!instance) throw new LabError('NOT_FOUND', `no alarm "${id}"`);
    return instance;
  }

  private cancelPending(instance: Instance): void {
    if (instance.pending === undefined) return;
    this.context.clock.clearTimeout(instance.pending.timer);
    instance.pending = undefined;
  }

  private clearStaleTimer(instance: Instance): void {
    if (instance.staleTimer === undefined) return;
    this.context.clock.clearTimeout(instance.staleTimer);
    instance.staleTimer = undefined;
  }

  private clearTimers(instance: Instance): void {
    this.cancelPending(instance);
    this.clearStaleTimer(instance);
    this.clearReminder(instance);
    if (instance.shelved) this.context.clock.clearTimeout(instance.shelved.timer);
  }
}

/** An alarm's shelf as the shelves file keeps it (its timer left out), or null. */
function shelfOf(instance: Instance): Shelf | null {
  const shelf = instance.shelved;
  return shelf ? { id: instance.id, by: shelf.by, at: shelf.at, until: shelf.until, reason: shelf.reason } : null;
}

const severityOfRule = (rule: AlarmRule): Severity =>
  rule.kind === 'equals' || rule.kind === 'action-failed' ? rule.severity : rule.kind === 'threshold' ? 'major' : 'invalid';

const sameRule = (a: AlarmRule, b: AlarmRule): boolean => JSON.stringify(a) === JSON.stringify(b);

const STATE_ORDER: Record<AlarmState, number> = { unacknowledged: 0, returned: 1, acknowledged: 2, shelved: 3, disabled: 4, normal: 5 };

/** Unacknowledged first, then by severity (highest first), then newest first. */
function compareInstances(a: Instance, b: Instance): number {
  return (
    STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
    severityRank(b.severity) - severityRank(a.severity) ||
    b.since - a.since ||
    a.id.localeCompare(b.id)
  );
}
