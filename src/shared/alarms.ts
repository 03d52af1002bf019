import { z } from 'zod';

/**
 * Alarms as ISA-18.2 and Phoebus know them: rules on the values, connection and actions of a
 * Thing raise alarms of a severity; each alarm goes through normal → unacknowledged →
 * acknowledged → normal, latches as "returned, unacknowledged" when its condition clears
 * before anyone acknowledged it, and can be shelved for a while or disabled.
 * The alarm engine (main) owns the state; every window shows the same snapshot.
 */

/** Lowest to highest: minor (hi/lo), major (hihi/lolo), invalid (no data: stale, disconnected). */
export const Severity = z.enum(['minor', 'major', 'invalid']);
export type Severity = z.infer<typeof Severity>;
export const SEVERITIES: readonly Severity[] = Severity.options;
const RANK: Record<Severity, number> = { minor: 1, major: 2, invalid: 3 };
/** Orders severities; `null` (no alarm) ranks below all. */
export const severityRank = (severity: Severity | null | undefined): number => (severity ? RANK[severity] : 0);
export const moreSevere = (a: Severity | null, b: Severity | null): Severity | null => (severityRank(a) >= severityRank(b) ? a : b);

/**
 * - normal: nothing to see;
 * - unacknowledged: active, nobody acknowledged it yet;
 * - acknowledged: active, someone acknowledged it;
 * - returned: the condition cleared but nobody acknowledged it (latched);
 * - shelved: set aside for a while by an operator; comes back by itself;
 * - disabled: not evaluated until enabled again.
 */
/** The longest an alarm may be shelved: 7 days. */
export const MAX_SHELVE_SEC = 7 * 86_400;

export const AlarmState = z.enum(['normal', 'unacknowledged', 'acknowledged', 'returned', 'shelved', 'disabled']);
export type AlarmState = z.infer<typeof AlarmState>;
export const ALARM_STATE_LABELS: Record<AlarmState, string> = {
  normal: 'normal',
  unacknowledged: 'active, unacknowledged',
  acknowledged: 'active, acknowledged',
  returned: 'returned to normal, unacknowledged',
  shelved: 'shelved',
  disabled: 'disabled',
};
/** States that need an operator's acknowledgement. */
export const needsAck = (state: AlarmState): boolean => state === 'unacknowledged' || state === 'returned';
/** States the annunciator counts. */
export const isAnnunciated = (state: AlarmState): boolean =>
  state === 'unacknowledged' || state === 'acknowledged' || state === 'returned';

const ruleId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[\w.:-]+$/, 'letters, digits, "_", ".", ":" or "-" only');
const affordanceName = z.string().min(1).max(200);
const seconds = z.number().min(0).max(86_400);
const limit = z.number().finite().optional();

const RuleBase = {
  id: ruleId,
  /** False: disabled, not evaluated. */
  enabled: z.boolean().default(true),
  /**
   * Latching (the default, as in Phoebus): an alarm whose condition clears before it is
   * acknowledged stays "returned, unacknowledged" at its highest severity until acknowledged.
   */
  latch: z.boolean().default(true),
  /** The condition must hold this long before the alarm is raised. */
  delaySec: seconds.default(0),
  /** What the operator should do, shown with the alarm. */
  guidance: z.string().max(2000).optional(),
};

/** HIHI/LOLO raise major alarms, HI/LO minor ones; each clears only `deadband` inside its limit. */
export const ThresholdRule = z
  .object({
    ...RuleBase,
    kind: z.literal('threshold'),
    property: affordanceName,
    hihi: limit,
    hi: limit,
    lo: limit,
    lolo: limit,
    deadband: z.number().finite().min(0).default(0),
  })
  .refine((rule) => [rule.hihi, rule.hi, rule.lo, rule.lolo].some((value) => value !== undefined), {
    message: 'a threshold rule needs at least one of hihi, hi, lo, lolo',
  })
  .refine(
    (rule) => {
      const ordered = [rule.lolo, rule.lo, rule.hi, rule.hihi].filter((value): value is number => value !== undefined);
      return ordered.every((value, index) => index === 0 || value >= (ordered[index - 1] as number));
    },
    { message: 'limits must be ordered lolo ≤ lo ≤ hi ≤ hihi' },
  );

/** The property equals a value (booleans, enums, strings, numbers): `saturated == true`. */
export const EqualsRule = z.object({
  ...RuleBase,
  kind: z.literal('equals'),
  property: affordanceName,
  value: z.union([z.boolean(), z.string().max(200), z.number().finite()]),
  severity: z.enum(['minor', 'major']).default('major'),
});

/** No update of the property (or of any property, '*') for `afterSec` while the Thing is connected. */
export const StaleRule = z.object({
  ...RuleBase,
  kind: z.literal('stale'),
  property: affordanceName,
  afterSec: z.number().min(0.1).max(86_400),
});

/** The Thing is disconnected. */
export const DisconnectedRule = z.object({ ...RuleBase, kind: z.literal('disconnected') });

/** An invocation of the action (or of any action, '*') ended in error; a later success clears it. */
export const ActionFailedRule = z.object({
  ...RuleBase,
  kind: z.literal('action-failed'),
  action: affordanceName,
  severity: z.enum(['minor', 'major']).default('major'),
});

export const AlarmRule = z.discriminatedUnion('kind', [ThresholdRule, EqualsRule, StaleRule, DisconnectedRule, ActionFailedRule]);
export type AlarmRule = z.infer<typeof AlarmRule>;
export type AlarmRuleInput = z.input<typeof AlarmRule>;
export type AlarmRuleKind = AlarmRule['kind'];

export const MAX_RULES_PER_THING = 10_000;
export const RuleList = z
  .array(AlarmRule)
  .max(MAX_RULES_PER_THING)
  .refine((rules) => new Set(rules.map((rule) => rule.id)).size === rules.length, { message: 'rule ids must be unique' });

/** The rules file of one Thing (`alarms/<thing>.json` in the data folder). */
export const ALARM_RULES_VERSION = 1;
export const ThingRulesFile = z.object({
  version: z.literal(ALARM_RULES_VERSION),
  thing: z.string().min(1),
  rules: RuleList,
});
export type ThingRulesFile = z.infer<typeof ThingRulesFile>;

export const ThingRules = z.object({
  thing: z.string(),
  rules: z.array(AlarmRule),
  /** 'file': read from the data folder; 'default': the default rules (no file, or a bad one). */
  source: z.enum(['file', 'default', 'memory']),
});
export type ThingRules = z.infer<typeof ThingRules>;

/** What a rule watches: a property, '$connection', an action name, or '*'. */
export const ruleTarget = (rule: AlarmRule): string =>
  rule.kind === 'disconnected' ? '$connection' : rule.kind === 'action-failed' ? rule.action : rule.property;

const Who = z.object({ by: z.string(), at: z.string() });

/** One alarm: a rule of a Thing and its state. */
export const Alarm = z.object({
  /** `thing/rule`. */
  id: z.string(),
  thing: z.string(),
  rule: z.string(),
  kind: z.enum(['threshold', 'equals', 'stale', 'disconnected', 'action-failed']),
  /** What the rule watches (see ruleTarget). */
  property: z.string(),
  /** The alarm's severity (latched: the highest since it was raised); null while normal. */
  severity: Severity.nullable(),
  /** The condition's severity right now (null: the condition does not hold). */
  current: Severity.nullable(),
  state: AlarmState,
  /** The operator's words for what is wrong (or was, for a returned alarm). */
  message: z.string(),
  /** The value that raised it (numbers, booleans, short strings). */
  value: z.union([z.number(), z.boolean(), z.string(), z.null()]).optional(),
  /** When the current state began (ISO 8601, Z). */
  since: z.string(),
  /** When it was last raised; null if never. */
  raisedAt: z.string().nullable(),
  /** While unacknowledged: when it was last announced again (it is every few minutes until acknowledged). */
  remindedAt: z.string().optional(),
  acknowledged: Who.extend({ note: z.string().optional() }).nullable(),
  shelved: Who.extend({ until: z.string(), reason: z.string() }).nullable(),
  disabled: Who.extend({ reason: z.string().optional() }).nullable(),
  guidance: z.string().optional(),
});
export type Alarm = z.infer<typeof Alarm>;

export const AlarmCounts = z.object({
  minor: z.number().int().nonnegative(),
  major: z.number().int().nonnegative(),
  invalid: z.number().int().nonnegative(),
  unacknowledged: z.number().int().nonnegative(),
  shelved: z.number().int().nonnegative(),
  disabled: z.number().int().nonnegative(),
});
export type AlarmCounts = z.infer<typeof AlarmCounts>;

/**
 * Pushed to every client on `('$alarms', 'state')` whenever anything changes: every alarm that
 * is not normal (most severe and unacknowledged first; at most MAX_SNAPSHOT_ALARMS), counts over
 * all of them, and notices for the operator (a rules file that could not be read).
 */
export const ALARMS_THING = '$alarms';
export const ALARMS_STATE_AFFORDANCE = 'state';
export const MAX_SNAPSHOT_ALARMS = 500;
export const AlarmSnapshot = z.object({
  time: z.string(),
  alarms: z.array(Alarm),
  /** Alarms left out of `alarms` (beyond MAX_SNAPSHOT_ALARMS). */
  omitted: z.number().int().nonnegative(),
  counts: AlarmCounts,
  /** Highest annunciated severity per Thing (Things without alarms are absent). */
  things: z.record(z.string(), Severity),
  notices: z.array(z.object({ thing: z.string(), time: z.string(), text: z.string() })),
});
export type AlarmSnapshot = z.infer<typeof AlarmSnapshot>;

/** What happened to an alarm; published on `(thing, '$alarm')` (see ALARM_AFFORDANCE). */
export const AlarmEventKind = z.enum([
  'raised',
  'escalated',
  'returned',
  'cleared',
  'acknowledged',
  'shelved',
  'unshelved',
  'disabled',
  'enabled',
]);
export type AlarmEventKind = z.infer<typeof AlarmEventKind>;

/** The payload of every `(thing, '$alarm')` message: one transition. */
export const AlarmTransition = z.object({
  id: z.string(),
  thing: z.string(),
  rule: z.string(),
  kind: Alarm.shape.kind,
  property: z.string(),
  event: AlarmEventKind,
  severity: Severity.nullable(),
  state: AlarmState,
  previous: AlarmState,
  message: z.string(),
  value: Alarm.shape.value,
  /** ISO 8601, Z. */
  time: z.string(),
  /** Who did it: a client's label, or 'system' for the engine itself. */
  by: z.string(),
  /** The acknowledgement note, shelving reason or disabling reason, if any. */
  note: z.string().optional(),
});
export type AlarmTransition = z.infer<typeof AlarmTransition>;

/** Suggested rule values for a property, from its schema and its observed update rate. */
export const RuleSuggestion = z.object({
  type: z.string().optional(),
  unit: z.string().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  hihi: z.number().optional(),
  hi: z.number().optional(),
  lo: z.number().optional(),
  lolo: z.number().optional(),
  deadband: z.number().optional(),
  /** Enum values or [true, false]: candidates for an equality rule. */
  values: z.array(z.union([z.boolean(), z.string(), z.number()])).optional(),
  /** Observed updates per second (median interval), if seen. */
  observedHz: z.number().optional(),
  staleAfterSec: z.number(),
  lastValue: z.unknown().optional(),
});
export type RuleSuggestion = z.infer<typeof RuleSuggestion>;

export const emptyCounts = (): AlarmCounts => ({ minor: 0, major: 0, invalid: 0, unacknowledged: 0, shelved: 0, disabled: 0 });

/** The highest annunciated severity of one Thing, for its sidebar entry or overview tile. */
export const thingSeverity = (snapshot: AlarmSnapshot | null | undefined, thing: string): Severity | null =>
  snapshot?.things[thing] ?? null;
