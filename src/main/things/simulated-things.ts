import type { Publisher } from '../core/message';
import type { InstrumentConfig, InstrumentKind } from './instrument-config';
import type { InstrumentDefinition } from './instruments/types';
import { psu } from './instruments/psu';
import { spectrometer } from './instruments/spectrometer';
import { stage } from './instruments/stage';
import { thermo } from './instruments/thermo';
import { vacuum } from './instruments/vacuum';
import type { Now } from '../core/clock';
import { deriveSeed } from './prng';
import { SimulatedThing } from './simulated-thing';

const INSTRUMENTS: Readonly<Record<InstrumentKind, InstrumentDefinition>> = { thermo, stage, spectrometer, psu, vacuum };

/** Where the default configuration lives, relative to the app's root. */
export const DEFAULT_INSTRUMENT_CONFIG_PATH = 'config/instruments.json';

export interface SimulatedThingsOptions {
  /** Clock for timestamps; defaults to Date.now (fake timers replace it in tests). */
  now?: Now;
  /** How long `cancelInvocation` waits for the handler to stop; default 1 s. */
  cancelGraceMs?: number;
}

/**
 * One SimulatedThing per enabled entry of a validated config (see loadInstrumentConfig).
 * They are not started: add them to the registry, then call `start()`.
 */
export function createSimulatedThings(
  config: InstrumentConfig,
  publisher: Publisher,
  options: SimulatedThingsOptions = {},
): SimulatedThing[] {
  return config.instruments
    .filter((entry) => entry.enabled)
    .map((entry) => {
      const name = entry.name ?? entry.kind;
      return new SimulatedThing({
        name,
        title: entry.title,
        description: entry.description,
        instrument: INSTRUMENTS[entry.kind],
        publisher,
        seed: entry.seed ?? deriveSeed(config.seed, name),
        updateHz: entry.updateHz,
        faults: entry.faults,
        retentionMs: config.retentionSec * 1000,
        cancelGraceMs: options.cancelGraceMs,
        now: options.now,
      });
    });
}
