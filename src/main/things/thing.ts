import { LabError } from '../../shared/errors';
import type { ActionEventPayload, DataSchema, Invocation, ThingDescription } from '../../shared/model';
import { Message, type Publisher } from '../core/message';
import { type ActionContext, type ActionRunner, InvocationManager, type PropertyAccess } from './invocations';
import type { Now } from '../core/clock';
import { compileSchema, describeValidationError, fieldsOfErrors, type Validator } from './schema-validator';
import { buildThingDescription } from './thing-description';

export interface PropertySpec<T> {
  title: string;
  description?: string;
  /** JSON Schema of the value: type, unit, minimum/maximum, enum, items... */
  schema: DataSchema;
  readOnly?: boolean;
  /** Publishes every change; default true. */
  observable?: boolean;
  initial: T;
  /** Runs after validation on every write from outside; throw a LabError to refuse it. */
  onWrite?: (value: T) => void;
}

export interface ActionSpec<I, O> {
  title: string;
  description?: string;
  /** Without one the action takes no input: its handler gets null (undefined or {} are accepted). */
  input?: DataSchema;
  output?: DataSchema;
  /** Gets input validated against `input`, with schema defaults filled in. */
  handler: (input: I, context: ActionContext) => Promise<O>;
  /**
   * Actions sharing a group run one at a time (two ramps fighting over one setpoint, two
   * moves over one stage): invoking while another runs is refused with CONFLICT.
   */
  exclusive?: string;
}

/** Typed access to one property for the code that simulates (or drives) the Thing. */
export interface PropertyHandle<T> {
  readonly name: string;
  get(): T;
  /** Stores and, if observable and changed (objects and arrays always count), publishes. */
  set(value: T): void;
}

export interface PropertyDefinition {
  readonly title: string;
  readonly description?: string;
  readonly schema: DataSchema;
  readonly readOnly: boolean;
  readonly observable: boolean;
}

export interface ActionDefinition {
  readonly title: string;
  readonly description?: string;
  readonly input?: DataSchema;
  readonly output?: DataSchema;
}

interface PropertySlot extends PropertyDefinition {
  read(): unknown;
  /** Validates and stores a value from outside (or from an action); always published, like LabThings. */
  write(value: unknown): void;
}

interface ActionSlot extends ActionDefinition {
  readonly exclusive?: string;
  validateInput(input: unknown): unknown;
  run: ActionRunner;
}

export interface ThingInit {
  name: string;
  title: string;
  description?: string;
  publisher: Publisher;
  now?: Now;
  /** Finished invocations stay queryable this long; default 300 s. */
  retentionMs?: number;
  cancelGraceMs?: number;
  /** Property messages go out only while this says so (stalls, disconnects, after stop). */
  canPublishProperties?: () => boolean;
  /** Action messages go out only while this says so (after stop: never). */
  canPublishActions?: () => boolean;
  /** Multiplies every `context.sleep` (slow-actions fault). */
  sleepFactor?: () => number;
  /** Runs inside every invocation before its handler; throwing fails the invocation (fault injection). */
  beforeAction?: (action: string, context: ActionContext) => void | Promise<void>;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A Thing in the Web of Things sense: named properties with a JSON-Schema data schema and
 * actions run as invocations. Transport-free; publishes `property` and `action` messages.
 */
export class Thing {
  readonly name: string;
  readonly title: string;
  readonly description: string | undefined;
  readonly invocations: InvocationManager;
  private readonly properties = new Map<string, PropertySlot>();
  private readonly actions = new Map<string, ActionSlot>();
  private td: ThingDescription | null = null;
  /** The latest invocation of each exclusive group. */
  private readonly running = new Map<string, string>();

  constructor(private readonly init: ThingInit) {
    this.name = init.name;
    this.title = init.title;
    this.description = init.description;
    const access: PropertyAccess = {
      read: (name) => this.property(name).read(),
      write: (name, value) => this.property(name).write(value),
    };
    this.invocations = new InvocationManager({
      thing: init.name,
      publish: (message: Message<ActionEventPayload>) => {
        if (init.canPublishActions?.() ?? true) init.publisher.publish(message);
      },
      properties: access,
      now: init.now,
      retentionMs: init.retentionMs,
      cancelGraceMs: init.cancelGraceMs,
      sleepFactor: init.sleepFactor,
    });
  }

  addProperty<T>(name: string, spec: PropertySpec<T>): PropertyHandle<T> {
    if (this.properties.has(name)) throw new Error(`${this.name}: property ${name} defined twice`);
    const validate: Validator<T> = compileSchema<T>(spec.schema);
    if (!validate(spec.initial)) {
      throw new Error(`${this.name}: initial value of ${describeValidationError(name, validate.errors)}`);
    }
    let value: T = spec.initial;
    const observable = spec.observable ?? true;
    const store = (next: T, force: boolean): void => {
      const changed = force || typeof next === 'object' || !Object.is(next, value);
      value = next;
      if (changed && observable && (this.init.canPublishProperties?.() ?? true)) {
        this.init.publisher.publish(new Message({ thing: this.name, affordance: name, messageType: 'property', payload: next }));
      }
    };
    this.properties.set(name, {
      title: spec.title,
      description: spec.description,
      schema: spec.schema,
      readOnly: spec.readOnly ?? false,
      observable,
      read: () => value,
      write: (raw) => {
        if (!validate(raw)) throw new LabError('INVALID_ARGUMENT', describeValidationError(name, validate.errors));
        spec.onWrite?.(raw);
        store(raw, true);
      },
    });
    this.td = null;
    return { name, get: () => value, set: (next) => store(next, false) };
  }

  addAction<I, O>(name: string, spec: ActionSpec<I, O>): void {
    if (this.actions.has(name)) throw new Error(`${this.name}: action ${name} defined twice`);
    // No input schema means "takes no input": null (undefined and {} are accepted as null).
    const validateInput = compileSchema<I>(spec.input ?? { type: 'null' });
    const validateOutput = spec.output ? compileSchema<O>(spec.output) : null;
    const subject = `${name} input`;
    this.actions.set(name, {
      exclusive: spec.exclusive,
      title: spec.title,
      description: spec.description,
      input: spec.input,
      output: spec.output,
      validateInput: (raw) => {
        let copy: unknown;
        if (!spec.input) {
          const empty = raw === undefined || raw === null || (isPlainObject(raw) && Object.keys(raw).length === 0);
          if (!empty) throw new LabError('INVALID_ARGUMENT', `${subject}: ${name} takes no input`);
          copy = null;
        } else if (raw === undefined || raw === null) {
          copy = spec.input.type === 'object' ? {} : raw;
        } else {
          // Defaults are filled in by the validator, so work on a copy of the caller's data.
          copy = structuredClone(raw);
        }
        if (!validateInput(copy)) {
          throw new LabError('INVALID_ARGUMENT', describeValidationError(subject, validateInput.errors), fieldsOfErrors(validateInput.errors));
        }
        return copy;
      },
      run: async (input, context) => {
        await this.init.beforeAction?.(name, context);
        // Validated before the invocation was created; checked again here to narrow the type.
        if (!validateInput(input)) throw new LabError('INVALID_ARGUMENT', describeValidationError(subject, validateInput.errors));
        const output = await spec.handler(input, context);
        if (validateOutput && !validateOutput(output)) {
          throw new LabError('INTERNAL', `${name} produced output that breaks its schema: ${describeValidationError('output', validateOutput.errors)}`);
        }
        return output;
      },
    });
    this.td = null;
  }

  readProperty(name: string): unknown {
    return this.property(name).read();
  }

  writeProperty(name: string, value: unknown): void {
    const slot = this.property(name);
    if (slot.readOnly) throw new LabError('READ_ONLY', `${this.name}.${name} is read-only`);
    slot.write(value);
  }

  /** Validates the input (INVALID_ARGUMENT before any invocation exists), then starts it. */
  invokeAction(name: string, input: unknown): Invocation {
    const slot = this.actions.get(name);
    if (!slot) throw new LabError('NOT_FOUND', `${this.name} has no action "${name}"`);
    const validated = slot.validateInput(input);
    if (slot.exclusive !== undefined) {
      const busy = this.running.get(slot.exclusive);
      const current = busy === undefined ? undefined : this.invocations.active(busy);
      if (current) {
        throw new LabError(
          'CONFLICT',
          `${this.name}.${name}: ${current.action} is already running (invocation ${current.id}); wait for it or cancel it first`,
        );
      }
    }
    const invocation = this.invocations.start(name, validated, slot.run);
    if (slot.exclusive !== undefined) this.running.set(slot.exclusive, invocation.id);
    return invocation;
  }

  /** Publishes the current value of every observable property (after a reconnect or a stall). */
  publishAll(): void {
    if (!(this.init.canPublishProperties?.() ?? true)) return;
    for (const [name, slot] of this.properties) {
      if (!slot.observable) continue;
      this.init.publisher.publish(new Message({ thing: this.name, affordance: name, messageType: 'property', payload: slot.read() }));
    }
  }

  hasAction(name: string): boolean {
    return this.actions.has(name);
  }

  propertyDefinitions(): [string, PropertyDefinition][] {
    return [...this.properties.entries()];
  }

  actionDefinitions(): [string, ActionDefinition][] {
    return [...this.actions.entries()];
  }

  /** The W3C TD 1.1 document; built once and cached until an affordance is added. */
  describe(): ThingDescription {
    this.td ??= buildThingDescription(this);
    return this.td;
  }

  private property(name: string): PropertySlot {
    const slot = this.properties.get(name);
    if (!slot) throw new LabError('NOT_FOUND', `${this.name} has no property "${name}"`);
    return slot;
  }
}
