import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credentials, Instrument } from '../../shared/contract';
import type { Logger } from '../core/logger';
import type { BrokerPort } from '../core/ports';
import type { Publisher } from '../core/message';
import { InstrumentManager } from '../drivers/instrument-manager';
import type { ThingDriver } from '../things/driver';
import { InstrumentKind, loadInstrumentConfig } from '../things/instrument-config';
import type { ThingRegistry } from '../things/registry';
import { createSimulatedThings } from '../things/simulated-things';

// Which Things Lab Monitor starts with: the simulated instruments of a configuration, and the
// manager of the remote instruments the operator adds.

/** What the core needs of the remote-instrument manager (src/main/drivers); the lifecycle hooks are optional. */
export interface InstrumentsApi {
  list(): Instrument[];
  add(url: string, credentials?: Credentials): Promise<Instrument>;
  remove(id: string): Promise<void>;
  /** An instrument waiting for its next attempt tries now; false when it was not waiting. */
  retry?(id: string): boolean;
  /** Loads and connects the saved instruments. */
  start?(): Promise<void>;
  /** Connects the `--connect` URLs for this run; logs the ones that fail. */
  connectAll?(urls: readonly string[]): Promise<unknown>;
  stop?(): Promise<void>;
}

export interface InstrumentsContext {
  broker: BrokerPort;
  registry: ThingRegistry;
  settingsPath?: string;
  /** Longest wait between reconnect attempts (2 s when absent). */
  reconnectMaxMs?: number;
  logger: Logger;
}

/** Every simulated instrument, healthy: used when no configuration file is given. */
const ALL_SIMULATED = { instruments: InstrumentKind.options.map((kind) => ({ kind })) };

export interface InstrumentConfigChoice {
  config: string | object;
  /** One line for the log saying which configuration is in use and why. */
  note: string;
}

/**
 * Which simulated-instrument configuration to start with: the one named on the command line,
 * else the operator's own file in the user's data folder, else the one shipped with the app
 * (`config/instruments.json` at the app root), else all five simulated instruments.
 */
export function chooseInstrumentConfig(options: { explicit?: string; userFile?: string; shipped: string }): InstrumentConfigChoice {
  if (options.explicit !== undefined) return { config: options.explicit, note: `instrument configuration: ${options.explicit}` };
  if (options.userFile !== undefined && existsSync(options.userFile)) {
    return { config: options.userFile, note: `instrument configuration: ${options.userFile}` };
  }
  const where = options.userFile === undefined ? '' : ` (no ${options.userFile} yet)`;
  if (existsSync(options.shipped)) {
    return { config: options.shipped, note: `starting the simulated instruments of the default configuration${where}` };
  }
  return { config: ALL_SIMULATED, note: `starting all five simulated instruments${where}` };
}

export function simulatedThings(config: string | object | undefined, publisher: Publisher): ThingDriver[] {
  return createSimulatedThings(loadInstrumentConfig(config ?? ALL_SIMULATED), publisher);
}

/** The default manager; without a settings file, instruments are kept for this run only. */
export function defaultInstruments({ broker, registry, settingsPath, logger, reconnectMaxMs }: InstrumentsContext): InstrumentsApi {
  const manager = new InstrumentManager({
    registry,
    publisher: broker,
    ...(reconnectMaxMs === undefined ? {} : { backoff: { maxMs: reconnectMaxMs } }),
    // A file that never exists: nothing is loaded, and nothing is written (persist: false).
    settingsPath: settingsPath ?? join(tmpdir(), `lab-monitor-unsaved-${process.pid}.json`),
    logger,
  });
  if (settingsPath !== undefined) return manager;
  return {
    list: () => manager.list(),
    add: (url, credentials) => manager.add(url, credentials, { persist: false }),
    remove: (id) => manager.remove(id),
    retry: (id) => manager.retry(id),
    connectAll: (urls) => manager.connectAll(urls),
    stop: () => manager.stop(),
  };
}

