import { z } from 'zod';

/**
 * The data model every process shares: Things, their connection state, action invocations
 * and what the live channel carries. Types come from the schemas (z.infer).
 */

export const MessageType = z.enum(['property', 'action']);
export type MessageType = z.infer<typeof MessageType>;

/** Affordance names reserved by Lab Monitor; they start with `$` so they never clash with a TD's. */
export const CONNECTION_AFFORDANCE = '$connection';
/**
 * Published on `(thing, '$write')` by the composition root after every operator write
 * (payload: property, value, outcome, who and with which role), so services such as the
 * recorder see writes as they see everything else: on the broker.
 */
export const WRITE_AFFORDANCE = '$write';
/** Published on `(thing, '$alarm')` by the alarm service for every alarm transition. */
export const ALARM_AFFORDANCE = '$alarm';
/** The pseudo-Thing that announces changes of the Thing list (instruments added or removed). */
export const LAB_THING = '$lab';
export const THINGS_AFFORDANCE = 'things';
/** On LAB_THING: every layout, announced after each change (see shared/layout.ts). */
export const LAYOUTS_AFFORDANCE = 'layouts';
/** Subscribes to every affordance of one Thing. */
export const ANY_AFFORDANCE = '*';
/** As a Thing name in a subscription (with ANY_AFFORDANCE): every Thing, present and future. */
export const ANY_THING = '*';

/**
 * `stale`: all that is known comes from what a broker kept (a retained Thing Description) and
 * nothing shows its publisher is still there; it may work, or may be long gone.
 */
export const ConnectionStatus = z.enum(['connecting', 'connected', 'disconnected', 'stale']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;

/** Published as a `property` message on `(thing, '$connection')` whenever it changes. */
export const ConnectionState = z.object({
  status: ConnectionStatus,
  /** Why it is in this state: the error of the last attempt, "stalled", "server closed"... */
  reason: z.string().optional(),
  /** ISO-8601 with time zone: when this state began. */
  since: z.string(),
  /** For reconnecting drivers: when the next attempt is due (ISO-8601), if any. */
  nextAttempt: z.string().optional(),
});
export type ConnectionState = z.infer<typeof ConnectionState>;

/** 'simulated', or the driver kind that brought the Thing in (labthings, wot, mqtt…). */
export const ThingSource = z.string().min(1).max(50);
export type ThingSource = z.infer<typeof ThingSource>;

export const ThingSummary = z.object({
  name: z.string(),
  title: z.string(),
  description: z.string().optional(),
  source: ThingSource,
  /** Where it comes from: a URL for remote Things, the config name for simulated ones. */
  origin: z.string().optional(),
  connection: ConnectionState,
  /** Its TD `id`, when it has one: the identity layouts keep across renames. */
  id: z.string().optional(),
  /** What makes Things alike for layout templates (see thingTypeOf in shared/layout.ts). */
  type: z.string().optional(),
});
export type ThingSummary = z.infer<typeof ThingSummary>;

/**
 * A W3C Thing Description (TD 1.1). Checked loosely here: the fields Lab Monitor reads are
 * typed, everything else passes through untouched.
 */
export const DataSchema: z.ZodType<DataSchema> = z.lazy(() =>
  z
    .object({
      type: z.enum(['boolean', 'integer', 'number', 'string', 'object', 'array', 'null']).optional(),
      title: z.string().optional(),
      description: z.string().optional(),
      unit: z.string().optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      exclusiveMinimum: z.number().optional(),
      exclusiveMaximum: z.number().optional(),
      multipleOf: z.number().positive().optional(),
      enum: z.array(z.unknown()).optional(),
      readOnly: z.boolean().optional(),
      writeOnly: z.boolean().optional(),
      default: z.unknown().optional(),
      properties: z.record(z.string(), DataSchema).optional(),
      required: z.array(z.string()).optional(),
      items: z.union([DataSchema, z.array(DataSchema)]).optional(),
      minItems: z.number().optional(),
      maxItems: z.number().optional(),
      oneOf: z.array(DataSchema).optional(),
      anyOf: z.array(DataSchema).optional(),
    })
    .loose(),
);
export interface DataSchema {
  type?: 'boolean' | 'integer' | 'number' | 'string' | 'object' | 'array' | 'null';
  title?: string;
  description?: string;
  unit?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  enum?: unknown[];
  readOnly?: boolean;
  writeOnly?: boolean;
  default?: unknown;
  properties?: Record<string, DataSchema>;
  required?: string[];
  items?: DataSchema | DataSchema[];
  minItems?: number;
  maxItems?: number;
  oneOf?: DataSchema[];
  anyOf?: DataSchema[];
  [key: string]: unknown;
}

export const Form = z
  .object({
    href: z.string(),
    op: z.union([z.string(), z.array(z.string())]).optional(),
    contentType: z.string().optional(),
    subprotocol: z.string().optional(),
    'htv:methodName': z.string().optional(),
  })
  .loose();
export type Form = z.infer<typeof Form>;

export const PropertyAffordance = z.intersection(
  DataSchema,
  z
    .object({
      observable: z.boolean().optional(),
      forms: z.array(Form),
      /** Set by Lab Monitor when some of its forms were refused (an unsafe href): why, in one line. */
      problem: z.string().optional(),
    })
    .loose(),
);
export type PropertyAffordance = z.infer<typeof PropertyAffordance>;

export const ActionAffordance = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    input: DataSchema.optional(),
    output: DataSchema.optional(),
    safe: z.boolean().optional(),
    idempotent: z.boolean().optional(),
    forms: z.array(Form),
    /** Set by Lab Monitor when some of its forms were refused (an unsafe href): why, in one line. */
    problem: z.string().optional(),
  })
  .loose();
export type ActionAffordance = z.infer<typeof ActionAffordance>;

export const ThingDescription = z
  .object({
    '@context': z.union([z.string(), z.array(z.unknown())]),
    id: z.string().optional(),
    title: z.string(),
    description: z.string().optional(),
    base: z.string().optional(),
    properties: z.record(z.string(), PropertyAffordance).default({}),
    actions: z.record(z.string(), ActionAffordance).default({}),
    events: z.record(z.string(), z.unknown()).optional(),
    securityDefinitions: z.record(z.string(), z.unknown()),
    security: z.union([z.string(), z.array(z.string())]),
    forms: z.array(Form).optional(),
  })
  .loose();
export type ThingDescription = z.infer<typeof ThingDescription>;

export const InvocationStatus = z.enum(['pending', 'running', 'completed', 'cancelled', 'error']);
export type InvocationStatus = z.infer<typeof InvocationStatus>;
export const TERMINAL_STATUSES: readonly InvocationStatus[] = ['completed', 'cancelled', 'error'];

export const LogLevel = z.enum(['debug', 'info', 'warning', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;

export const LogRecord = z.object({
  /** ISO-8601 with time zone. */
  time: z.string(),
  level: LogLevel,
  message: z.string(),
});
export type LogRecord = z.infer<typeof LogRecord>;

/** RFC 9457 problem details, as LabThings uses for failed invocations. */
export const ProblemDetails = z.object({
  title: z.string(),
  detail: z.string().optional(),
  status: z.number().int().optional(),
  type: z.string().optional(),
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

export const Invocation = z.object({
  id: z.string(),
  thing: z.string(),
  action: z.string(),
  status: InvocationStatus,
  /** 0–100, or null when the action reports none. */
  progress: z.number().min(0).max(100).nullable(),
  /** ISO-8601 with time zone. */
  timeRequested: z.string(),
  timeStarted: z.string().nullable(),
  timeCompleted: z.string().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  log: z.array(LogRecord),
  error: ProblemDetails.nullable(),
});
export type Invocation = z.infer<typeof Invocation>;

/**
 * Payload of every `action` message: the invocation without its whole log, plus the log
 * records added since the previous message of the same invocation (usually none or one).
 */
export const ActionEventPayload = z.object({
  invocation: Invocation.omit({ log: true }),
  newLog: z.array(LogRecord),
});
export type ActionEventPayload = z.infer<typeof ActionEventPayload>;

/**
 * How a Thing keeps each property's value fresh, published as a `property` message on
 * `(thing, '$freshness')` (a record of property name → Freshness) whenever it changes:
 * `pushed` (the peer sends every change), `polled` (read every `periodMs`, and every read
 * is published, so the age shown is the time since the value was last confirmed), or
 * `on-demand` (read once; the value is as old as that read).
 */
export const FRESHNESS_AFFORDANCE = '$freshness';
export const Freshness = z.object({
  mode: z.enum(['pushed', 'polled', 'on-demand']),
  periodMs: z.number().positive().optional(),
});
export type Freshness = z.infer<typeof Freshness>;
export const FreshnessMap = z.record(z.string(), Freshness);
export type FreshnessMap = z.infer<typeof FreshnessMap>;

/** The reason given to an invocation the peer no longer knows (it restarted meanwhile). */
export const LOST_ON_RESTART = 'lost when the instrument restarted';
/** The reason given to the open invocations of a Thing that was removed. */
export const LOST_ON_REMOVE = 'lost: the instrument was removed';
