import type { Credentials } from '../../shared/contract';
import type { ConnectionState } from '../../shared/model';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { Publisher } from '../core/message';
import type { ThingDriver } from '../things/driver';
import type { BackoffOptions } from './backoff';
import type { FetchLike } from './http';
import type { RemoteDriverOptions } from './remote-driver';

/** What a kind gets to connect one instrument the operator added. */
export interface KindContext {
  /** The instrument's URL, without user info (credentials are apart). */
  url: string;
  credentials?: Credentials;
  publisher: Publisher;
  logger: Logger;
  clock: Clock;
  backoff?: BackoffOptions;
  fetch?: FetchLike;
  /** Passed to each driver (tests shorten the polls). */
  driverOptions?: Pick<RemoteDriverOptions, 'invocationPollMs' | 'propertyPollMs' | 'streamIdleMs'>;
  /** The origin of the URL the operator added: credentials go there only. */
  credentialOrigin?: string;
  /** Aborted when the instrument is removed: its requests end at once. */
  signal?: AbortSignal;
  /** True for a Thing key an earlier attempt already brought in (a retry adds only the missing ones). */
  known?(key: string): boolean;
  /** A name for a Thing that no other Thing in the app has: its own if free. */
  uniqueName(key: string): string;
  /** Hands over each Thing found (with the server's key for it), to be put in the registry; the kind starts it. */
  onThing(driver: ThingDriver, key?: string): void;
  /**
   * One result per key for this connection attempt: kinds that share a probe (the HTTP kinds
   * share discovery) ask it once.
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

/** A connected instrument, as the manager holds it. */
export interface InstrumentLink {
  /** The connection of the whole instrument, when it has one apart from its Things' (a broker). */
  connection?(): ConnectionState;
  /** The reconnect that was due later starts now (Retry now); false when none was waiting. */
  retryNow?(): boolean;
  stop(): Promise<void>;
}

/**
 * One way of reaching instruments (src/main/drivers/kinds.ts lists them all): how its URLs are
 * recognised, how its drivers are built. Adding a kind is one file that exports one of these
 * plus its line in `DRIVER_KINDS`.
 */
export interface DriverKind {
  /** Saved in the instruments file and shown to the operator. */
  readonly id: string;
  /** What it is, in the operator's words. */
  readonly title: string;
  /** URL schemes it takes, with the colon (`http:`). Kinds sharing one are asked in registry order. */
  readonly schemes: readonly string[];
  /**
   * Connects the instrument at `context.url`: finds its Things and hands each to `onThing`.
   * Resolves undefined when what answers there is not of this kind (the next kind is asked).
   * Throws DISCONNECTED or TIMEOUT to be tried again later, any other error to refuse the URL.
   */
  connect(context: KindContext): Promise<InstrumentLink | undefined>;
}
