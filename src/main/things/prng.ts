/**
 * Seeded pseudo-random numbers for the simulated instruments: the same seed gives the same
 * data, so tests and training runs are reproducible. mulberry32 is a few lines, fast and
 * good enough for noise; no dependency needed.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal (mean 0, standard deviation 1). */
  gaussian(): number;
}

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    // Box–Muller; draws exactly two uniforms per call so the sequence stays predictable.
    gaussian: () => {
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Derives an independent 32-bit seed per instrument and stream from one configured seed (FNV-1a). */
export function deriveSeed(seed: number, ...labels: string[]): number {
  let hash = (2166136261 ^ (seed >>> 0)) >>> 0;
  for (const char of labels.join('\u0000')) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash;
}
