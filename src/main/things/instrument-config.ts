import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LabError } from '../../shared/errors';

const seconds = z.number().positive();

/** Repeating fault windows: first at `firstAfterSec` (default `everySec`), then every `everySec`. */
const StallFault = z
  .strictObject({
    everySec: seconds,
    durationSec: seconds,
    firstAfterSec: z.number().nonnegative().optional(),
  })
  .refine((fault) => fault.durationSec < fault.everySec, { message: 'durationSec must be shorter than everySec' });

const DisconnectFault = z
  .strictObject({
    everySec: seconds,
    /** Time spent `disconnected` before reconnecting. */
    downSec: seconds,
    /** Time spent `connecting` before `connected` again. */
    connectingSec: z.number().nonnegative().default(1),
    firstAfterSec: z.number().nonnegative().optional(),
  })
  .refine((fault) => fault.downSec + fault.connectingSec < fault.everySec, {
    message: 'downSec + connectingSec must be shorter than everySec',
  });

export const FaultConfig = z.strictObject({
  /** Stops publishing property values for a while; the connection stays `connected`. */
  stall: StallFault.optional(),
  /** Drops the link: `disconnected` (with reason), then `connecting`, then `connected`. */
  disconnect: DisconnectFault.optional(),
  /** Invocations fail with DRIVER_FAULT, always or with a seeded probability. */
  actionFailure: z
    .strictObject({
      probability: z.number().min(0).max(1).default(1),
      /** Only these actions; all when omitted. */
      actions: z.array(z.string()).optional(),
      message: z.string().optional(),
    })
    .optional(),
  /** Every wait inside an action takes `factor` times longer. */
  slowActions: z.strictObject({ factor: z.number().min(1).max(100) }).optional(),
  /** Occasional outliers in readbacks: per value and update, `magnitude` × the instrument's typical outlier. */
  spikes: z
    .strictObject({
      probability: z.number().min(0).max(1).default(0.02),
      magnitude: z.number().positive().default(1),
    })
    .optional(),
});
export type FaultConfig = z.infer<typeof FaultConfig>;

export const InstrumentKind = z.enum(['thermo', 'stage', 'spectrometer', 'psu', 'vacuum']);
export type InstrumentKind = z.infer<typeof InstrumentKind>;

export const InstrumentEntry = z.strictObject({
  kind: InstrumentKind,
  /** Thing name; defaults to the kind. Letters, digits, `_` and `-`, starting with a letter. */
  name: z
    .string()
    .regex(/^[A-Za-z][\w-]{0,63}$/, 'must start with a letter and contain only letters, digits, "_" or "-" (max 64)')
    .optional(),
  title: z.string().min(1).optional(),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  /** Simulation and publish rate; the instrument's default when omitted. */
  updateHz: z.number().min(0.1).max(100).optional(),
  /** Overrides the seed derived from the file's seed and the name. */
  seed: z.number().int().optional(),
  faults: FaultConfig.default({}),
});
export type InstrumentEntry = z.infer<typeof InstrumentEntry>;

export const InstrumentConfig = z
  .strictObject({
    $schema: z.string().optional(),
    /** Same seed → same simulated data. */
    seed: z.number().int().default(1),
    /** How long finished invocations stay queryable. */
    retentionSec: z.number().positive().default(300),
    instruments: z.array(InstrumentEntry),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.instruments.forEach((entry, index) => {
      const name = entry.name ?? entry.kind;
      if (seen.has(name)) {
        context.addIssue({ code: 'custom', path: ['instruments', index, 'name'], message: `duplicate Thing name "${name}"` });
      }
      seen.add(name);
    });
  });
export type InstrumentConfig = z.infer<typeof InstrumentConfig>;
export type InstrumentConfigInput = z.input<typeof InstrumentConfig>;

const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');

/**
 * Reads and validates the simulated-instrument configuration: a path to a JSON file or an
 * already parsed object. Errors name the file and each bad field, e.g.
 * `config/instruments.json: instruments[1].updateHz: Too big: expected number to be <=100`.
 */
export function loadInstrumentConfig(source: string | object): InstrumentConfig {
  let raw: unknown = source;
  const label = typeof source === 'string' ? source : 'instrument config';
  if (typeof source === 'string') {
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (error) {
      throw new LabError('NOT_FOUND', `${label}: cannot read (${error instanceof Error ? error.message : String(error)})`);
    }
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new LabError('INVALID_ARGUMENT', `${label}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const parsed = InstrumentConfig.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`);
    throw new LabError('INVALID_ARGUMENT', `${label}: ${problems.join('; ')}`);
  }
  return parsed.data;
}
