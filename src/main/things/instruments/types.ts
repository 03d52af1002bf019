import type { Rng } from '../prng';
import type { Thing } from '../thing';

/** What an instrument model gets from its simulated driver. */
export interface SimulationContext {
  /** Seeded noise for this instrument (same seed, same data). */
  readonly rng: Rng;
  /** Returns `value`, or now and then (spikes fault) an outlier `scale` × magnitude away. */
  spike(value: number, scale: number): number;
}

/** The physics of one simulated instrument; it defines its affordances on the Thing it gets. */
export interface InstrumentModel {
  /** Advances the simulation by `dtSec` (nominal, so runs are reproducible) and updates readbacks. */
  tick(dtSec: number): void;
}

export interface InstrumentDefinition {
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  readonly defaultUpdateHz: number;
  create(thing: Thing, sim: SimulationContext): InstrumentModel;
}

export const round = (value: number, decimals: number): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

export const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));
