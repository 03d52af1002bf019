/** ISO-8601 with an explicit zone (always UTC, `Z`), as the shared model requires. */
export const toIso = (ms: number): string => new Date(ms).toISOString();

export type Clock = () => number;
export const systemClock: Clock = () => Date.now();
