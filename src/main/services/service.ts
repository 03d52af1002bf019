import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { BrokerPort } from '../core/ports';
import type { ThingRegistry } from '../things/registry';

/** What every main-side service gets from the composition root. */
export interface ServiceContext {
  broker: BrokerPort;
  registry: ThingRegistry;
  logger: Logger;
  clock: Clock;
  /**
   * The folder the service may write to (the user's data folder, `--data DIR`, a temporary
   * folder in tests); undefined when nothing may be written to disk.
   */
  dataDir: string | undefined;
}

/**
 * A long-lived consumer of the broker in the main process (recorder, alarms, publishers). It
 * runs whether or not a window is open: started once by the composition root after the Things,
 * stopped once at shutdown, where it flushes what it holds and releases every subscription
 * (keep them in one DisposableStore). Subscribe to everything with
 * `broker.subscribe(ANY_THING, ANY_AFFORDANCE, sink)`: Things added later are included.
 */
export interface Service {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}
