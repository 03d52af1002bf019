import type { EventsRequest, EventsResponse, ExportRequest, RecorderStatus, SeriesRequest, SeriesResponse } from '../../shared/history';
import type { Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import type { BrokerPort } from '../core/ports';
import type { ThingRegistry } from '../things/registry';
import type { Result } from '../../shared/errors';
import type { Role } from '../../shared/contract';

/** Who a call made by a service is made for (a peer on a broker, a rule...). */
export interface ServiceCaller {
  role: Role;
  label: string;
}

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
  /**
   * Routes a call as any client's (validation, roles, what the recorder sees), for services
   * that act on peers' behalf (a publisher taking writes from a broker). Never throws.
   */
  call?(channel: string, request: unknown, caller: ServiceCaller): Promise<Result<unknown>>;
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

/**
 * What a recording service answers (the recorder implements it); the composition root routes
 * the history calls to the first running service that has one.
 */
export interface HistoryProvider {
  series(request: SeriesRequest): Promise<SeriesResponse>;
  events(request: EventsRequest): Promise<EventsResponse>;
  status(): Promise<RecorderStatus>;
  /** Writes an export to `file`; resolves with what was written. */
  exportTo(request: ExportRequest, file: string): Promise<{ rows: number; bytes: number }>;
}

/** A service that keeps history: `history` is what the history calls are answered by. */
export interface HistoryService extends Service {
  readonly history: HistoryProvider;
}

export const hasHistory = (service: Service): service is HistoryService =>
  typeof (service as Partial<HistoryService>).history === 'object' && (service as Partial<HistoryService>).history !== null;
