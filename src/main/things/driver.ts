import type {
  ConnectionState,
  FreshnessMap,
  Invocation,
  ThingDescription,
  ThingSource,
} from '../../shared/model';

/**
 * The one interface every Thing implements, simulated or remote (LabThings, WoT, MQTT).
 * Live data (property changes, action transitions, connection state as a `property`
 * message on `(name, '$connection')`) goes to the broker the driver was given; these
 * methods are the request side. Failures throw `LabError` with a code (NOT_FOUND,
 * INVALID_ARGUMENT, READ_ONLY, DISCONNECTED, DRIVER_FAULT, TIMEOUT, ...).
 */
export interface ThingDriver {
  /** Unique name of the Thing in this app (the key of every broker message it publishes). */
  readonly name: string;
  readonly source: ThingSource;
  /** URL or configuration name it comes from. */
  readonly origin?: string;

  /** Its Thing Description (W3C TD 1.1). */
  describe(): ThingDescription;
  connection(): ConnectionState;

  readProperty(property: string): Promise<unknown>;
  writeProperty(property: string, value: unknown): Promise<void>;

  invokeAction(action: string, input: unknown): Promise<Invocation>;
  cancelInvocation(id: string): Promise<Invocation>;
  getInvocation(id: string): Promise<Invocation>;
  listInvocations(): Promise<Invocation[]>;

  /** Starts publishing (and connecting, for remote Things). */
  start(): Promise<void>;
  /**
   * Stops timers and connections; publishes nothing afterwards. `removed`: the Thing leaves
   * the app, so invocations still open end (as failed, with the reason) before it goes.
   */
  stop(why?: 'removed'): Promise<void>;

  /** How each property is kept fresh (see FRESHNESS_AFFORDANCE); every property pushed when absent. */
  freshness?(): FreshnessMap;
  /** A disconnected remote Thing tries again now instead of waiting for its next attempt. */
  retryNow?(): void;
}
