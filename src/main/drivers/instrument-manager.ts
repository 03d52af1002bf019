import { randomUUID } from 'node:crypto';
import type { Credentials, Instrument } from '../../shared/contract';
import { LabError } from '../../shared/errors';
import type { ConnectionState } from '../../shared/model';
import type { Publisher } from '../core/message';
import type { ThingDriver } from '../things/driver';
import type { ThingRegistry } from '../things/registry';
import { Backoff, type BackoffOptions } from './backoff';
import { ownedTimeout, systemClock, type Clock } from '../core/clock';
import { AsyncDisposableStore, type Disposer } from '../../shared/disposable';
import type { InstrumentLink, KindContext } from './driver-kind';
import { hasQuerySecret, originOf, redactQuerySecrets, redactUrl, type FetchLike } from './http';
import { DRIVER_KINDS, kindsFor, SUPPORTED_SCHEMES, type DriverKindId } from './kinds';
import type { RemoteDriverOptions } from './remote-driver';
import { consoleLogger, type Logger } from '../core/logger';
import { reasonOf } from './reconnect';
import { SettingsStore, type PersistedInstrument } from './settings-store';
import { toIso } from '../core/clock';

export type InstrumentKind = DriverKindId;

export interface InstrumentManagerOptions {
  registry: ThingRegistry;
  publisher: Publisher;
  /** The JSON file that keeps the operator's instruments. */
  settingsPath: string;
  logger?: Logger;
  fetch?: FetchLike;
  clock?: Clock;
  backoff?: BackoffOptions;
  /** Passed to each driver (tests shorten the polls). */
  driverOptions?: Pick<RemoteDriverOptions, 'invocationPollMs' | 'propertyPollMs' | 'streamIdleMs'>;
}

interface Entry {
  id: string;
  /** The URL as listed and saved: secret-looking query values replaced by "REDACTED". */
  url: string;
  /** The URL connected to, secrets included: kept in memory only. */
  connectUrl: string;
  /** Its query carries a secret (not saved: after a restart it must be added again). */
  querySecret: boolean;
  /** Aborts every request made for this instrument when it is removed. */
  abort: AbortController;
  /** Keys of the Things already brought in, so a retry after a partial discovery adds only the missing ones. */
  keys: Set<string>;
  kind: InstrumentKind;
  credentials?: Credentials;
  auth: PersistedInstrument['auth'];
  persist: boolean;
  drivers: ThingDriver[];
  /** Set once a kind has connected it. */
  link?: InstrumentLink;
  state: ConnectionState;
  /** Cancels the next discovery attempt; set while one waits. */
  retry: Disposer | undefined;
  backoff: Backoff;
  removed: boolean;
  /**
   * What the instrument holds: its requests' abort, the retry timer, its drivers in the
   * registry, the kind's link (an MQTT connection). Disposed in one call when it is removed.
   */
  owned: AsyncDisposableStore;
  /** Tears it down through the manager's store (once). */
  release: () => Promise<void>;
}

/**
 * The operator's remote instruments: adds them by URL, finds out what they are, puts their
 * Things in the registry and keeps the list in the settings file.
 *
 * - `mqtt://` / `mqtts://` → MQTT broker (Things from retained TDs).
 * - http(s) → a LabThings server root (GET thing_descriptions/), else a single TD that is
 *   LabThings-shaped or generic WoT.
 * - Instruments added through `add` are persisted; `connectAll` (the `--connect` URLs)
 *   are for this run only. Credentials are never written to disk.
 * - An unreachable instrument is kept and retried with backoff; each Thing then
 *   reconnects on its own.
 */
export class InstrumentManager {
  private readonly entries = new Map<string, Entry>();
  private readonly store: SettingsStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private started = false;
  /** Every instrument's teardown: `stop()` disposes them in one call. */
  private owned: AsyncDisposableStore;

  constructor(private readonly options: InstrumentManagerOptions) {
    this.logger = options.logger ?? consoleLogger;
    this.clock = options.clock ?? systemClock;
    this.store = new SettingsStore(options.settingsPath, this.logger, () => this.clock.now());
    this.owned = this.newStore('instruments');
  }

  private newStore(what: string): AsyncDisposableStore {
    return new AsyncDisposableStore((error) => this.logger.warn(`stopping ${what}: ${reasonOf(error)}`));
  }

  list(): Instrument[] {
    return [...this.entries.values()].map((entry) => ({
      id: entry.id,
      url: entry.url,
      kind: entry.kind,
      things: entry.drivers.map((driver) => driver.name),
      connection: this.connectionOf(entry),
    }));
  }

  /** Loads the saved instruments and connects each; never throws for a bad file. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const saved of await this.store.load()) {
      if (this.findByUrl(saved.url)) continue;
      const entry = this.createEntry(saved.url, saved.kind, undefined, true, saved.id, saved.auth);
      if (saved.querySecret === true) {
        entry.querySecret = true;
        entry.state = this.state('disconnected', 'its URL carries a secret (not stored on disk): remove and add it again');
        continue;
      }
      if (saved.auth !== 'nosec') {
        entry.state = this.state('disconnected', `needs ${saved.auth} credentials (not stored on disk): remove and add it again`);
        continue;
      }
      void this.attempt(entry);
    }
  }

  /** Tears every instrument down in one call; the manager can be started again. */
  async stop(): Promise<void> {
    this.started = false;
    this.entries.clear();
    const owned = this.owned;
    this.owned = this.newStore('instruments');
    await owned.dispose().catch((error: unknown) => this.logger.warn(`stopping instruments: ${reasonOf(error)}`));
  }

  /**
   * Adds and connects an instrument the operator typed in, and saves it. A server that
   * answers but is not a Thing is refused at once; one that does not answer is kept and
   * retried.
   */
  async add(url: string, credentials?: Credentials, options: { persist?: boolean } = {}): Promise<Instrument> {
    const normalised = normaliseUrl(url, credentials);
    if (this.findByUrl(normalised.url)) throw new LabError('CONFLICT', `${redactUrl(normalised.url)} is already added`);
    const persist = options.persist ?? true;
    const entry = this.createEntry(normalised.url, normalised.kind, normalised.credentials, persist, randomUUID());
    if (hasQuerySecret(normalised.url)) {
      entry.querySecret = true;
      entry.url = redactQuerySecrets(normalised.url);
    }
    const outcome = await this.attempt(entry);
    if (outcome && !(outcome.code === 'DISCONNECTED' || outcome.code === 'TIMEOUT')) {
      this.entries.delete(entry.id);
      await entry.release();
      throw outcome;
    }
    if (persist) await this.save();
    return this.describe(entry);
  }

  /** The `--connect` URLs: connected for this run, not saved. Bad ones are logged, not thrown. */
  async connectAll(urls: readonly string[]): Promise<Instrument[]> {
    const added: Instrument[] = [];
    for (const url of urls) {
      try {
        added.push(await this.add(url, undefined, { persist: false }));
      } catch (error) {
        this.logger.error(`--connect ${redactUrl(url)}: ${reasonOf(error)}`);
      }
    }
    return added;
  }

  async remove(id: string): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) throw new LabError('NOT_FOUND', `no instrument with id "${id}"`);
    this.entries.delete(id);
    await entry.release();
    if (entry.persist) await this.save();
  }

  /**
   * The operator asked to try now: an instrument waiting for its next discovery attempt
   * makes it at once, and each of its disconnected Things reconnects at once.
   */
  retry(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) throw new LabError('NOT_FOUND', `no instrument with id "${id}"`);
    let retried = false;
    if (entry.retry !== undefined) {
      entry.retry();
      void this.attempt(entry);
      retried = true;
    }
    if (entry.link?.retryNow?.()) retried = true;
    for (const driver of entry.drivers) {
      if (driver.connection().status === 'disconnected' && driver.retryNow) {
        driver.retryNow();
        retried = true;
      }
    }
    return retried;
  }

  // ---- internals ----------------------------------------------------------------------

  private createEntry(
    url: string,
    kind: InstrumentKind,
    credentials: Credentials | undefined,
    persist: boolean,
    id: string,
    auth: PersistedInstrument['auth'] = credentials?.scheme ?? 'nosec',
  ): Entry {
    const owned = this.newStore(`instrument ${redactUrl(url)}`);
    const entry: Entry = {
      id,
      url,
      connectUrl: url,
      querySecret: false,
      abort: new AbortController(),
      keys: new Set(),
      kind,
      credentials,
      auth,
      persist,
      drivers: [],
      state: this.state('connecting'),
      retry: undefined,
      backoff: new Backoff(this.options.backoff),
      removed: false,
      owned,
      release: this.owned.add(() => this.teardown(entry)),
    };
    // Disposed in reverse: the retry timer (added later) is cancelled, requests are aborted,
    // the drivers leave the registry, then the link stops.
    owned.add(() => entry.link?.stop());
    owned.add(async () => {
      const drivers = entry.drivers;
      entry.drivers = [];
      await Promise.allSettled(drivers.map((driver) => this.options.registry.remove(driver.name)));
    });
    owned.add(() => entry.abort.abort());
    this.entries.set(id, entry);
    return entry;
  }

  /** One discovery attempt; on a failure it schedules the next. Returns the failure. */
  private async attempt(entry: Entry): Promise<LabError | undefined> {
    entry.retry = undefined;
    if (entry.removed) return undefined;
    entry.state = this.state('connecting', entry.backoff.failures > 0 ? entry.state.reason : undefined);
    try {
      const link = await this.connect(entry);
      if (entry.removed) {
        await link.stop();
        return undefined;
      }
      entry.link = link;
      if (entry.persist && this.started) void this.save().catch((error: unknown) => this.logger.error(`saving instruments: ${reasonOf(error)}`));
      entry.backoff.reset();
      entry.state = this.state('connected');
      return undefined;
    } catch (error) {
      const labError = error instanceof LabError ? error : new LabError('DRIVER_FAULT', reasonOf(error));
      if (entry.removed) return labError;
      const delay = entry.backoff.next();
      entry.state = this.state('disconnected', labError.message, delay);
      this.logger.warn(`instrument ${redactUrl(entry.url)}: ${labError.message}`);
      entry.retry = ownedTimeout(entry.owned, this.clock, () => void this.attempt(entry), delay);
      return labError;
    }
  }

  /** Asks each kind of the URL's scheme in registry order; the first that knows it connects it. */
  private async connect(entry: Entry): Promise<InstrumentLink> {
    const memos = new Map<string, Promise<unknown>>();
    const context: KindContext = {
      url: entry.connectUrl,
      credentialOrigin: originOf(entry.connectUrl),
      signal: entry.abort.signal,
      known: (key) => entry.keys.has(key),
      credentials: entry.credentials,
      publisher: this.options.publisher,
      logger: this.logger,
      clock: this.clock,
      backoff: this.options.backoff,
      fetch: this.options.fetch,
      driverOptions: this.options.driverOptions,
      uniqueName: (key) => this.uniqueName(key, entry.url),
      onThing: (driver, key) => {
        if (entry.removed) return void driver.stop();
        this.options.registry.add(driver);
        entry.drivers.push(driver);
        if (key !== undefined) entry.keys.add(key);
      },
      memo: <T>(key: string, compute: () => Promise<T>): Promise<T> => {
        if (!memos.has(key)) memos.set(key, compute());
        return memos.get(key) as Promise<T>;
      },
    };
    const scheme = new URL(entry.url).protocol;
    for (const kind of kindsFor(scheme)) {
      const link = await kind.connect(context);
      if (link) {
        entry.kind = kind.id;
        return link;
      }
    }
    throw new LabError('DRIVER_FAULT', `${redactUrl(entry.url)} is none of: ${kindsFor(scheme).map((kind) => kind.title).join(', ')}`);
  }

  /** The server's name if free, else prefixed with the host, else numbered. */
  private uniqueName(key: string, url: string): string {
    const taken = (name: string): boolean =>
      this.options.registry.has(name) || [...this.entries.values()].some((entry) => entry.drivers.some((driver) => driver.name === name));
    if (!taken(key)) return key;
    const host = new URL(url).host;
    const prefixed = `${host}/${key}`;
    if (!taken(prefixed)) return prefixed;
    for (let n = 2; ; n += 1) if (!taken(`${prefixed}-${n}`)) return `${prefixed}-${n}`;
  }

  private async teardown(entry: Entry): Promise<void> {
    entry.removed = true;
    await entry.owned.dispose();
  }

  private connectionOf(entry: Entry): ConnectionState {
    // A broker is the connection of all its Things, and exists before any TD arrives.
    const own = entry.link?.connection?.();
    if (own) return own;
    if (entry.drivers.length === 0) return entry.state;
    const states = entry.drivers.map((driver) => driver.connection());
    return (
      states.find((state) => state.status === 'disconnected') ??
      states.find((state) => state.status === 'connecting') ??
      states[0] ??
      entry.state
    );
  }

  private describe(entry: Entry): Instrument {
    const found = this.list().find((instrument) => instrument.id === entry.id);
    if (!found) throw new LabError('NOT_FOUND', `instrument ${entry.id} was removed`);
    return found;
  }

  private findByUrl(url: string): Entry | undefined {
    return [...this.entries.values()].find((entry) => entry.connectUrl === url || entry.url === url);
  }

  private save(): Promise<void> {
    const saved: PersistedInstrument[] = [...this.entries.values()]
      .filter((entry) => entry.persist)
      // entry.url has its query secrets redacted: they never reach the disk.
      .map((entry) => ({ id: entry.id, url: entry.url, kind: entry.kind, auth: entry.auth, ...(entry.querySecret ? { querySecret: true } : {}) }));
    return this.store.save(saved);
  }

  private state(status: ConnectionState['status'], reason?: string, nextAttemptMs?: number): ConnectionState {
    const state: ConnectionState = { status, since: toIso(this.clock.now()) };
    if (reason !== undefined) state.reason = reason;
    if (nextAttemptMs !== undefined) state.nextAttempt = toIso(this.clock.now() + nextAttemptMs);
    return state;
  }
}

/**
 * Checks the scheme and moves user info out of the URL into credentials, so the URL can
 * be shown, logged and saved.
 */
function normaliseUrl(
  url: string,
  credentials?: Credentials,
): { url: string; kind: InstrumentKind; credentials?: Credentials } {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new LabError('INVALID_ARGUMENT', 'not a valid URL');
  }
  const scheme = parsed.protocol;
  if (!SUPPORTED_SCHEMES.includes(scheme)) {
    const names = SUPPORTED_SCHEMES.map((known) => known.replace(/:$/, ''));
    throw new LabError('INVALID_ARGUMENT', `unsupported URL scheme "${scheme}" (use ${names.slice(0, -1).join(', ')} or ${names.at(-1)})`);
  }
  let found = credentials;
  if (parsed.username || parsed.password) {
    found ??= { scheme: 'basic', username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
    parsed.username = '';
    parsed.password = '';
  }
  // The first kind of the scheme until one has connected it.
  const kind = (kindsFor(scheme)[0] ?? DRIVER_KINDS[0]).id;
  return found ? { url: parsed.toString(), kind, credentials: found } : { url: parsed.toString(), kind };
}
