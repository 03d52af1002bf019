import { chmod, stat } from 'node:fs/promises';
import { z } from 'zod';
import { readJsonFile, writeJsonFile, type JsonCheck } from '../core/json-file';
import type { Logger } from '../core/logger';
import { DRIVER_KIND_IDS } from './kinds';

/**
 * The instruments file. Secrets are not written: only the URL, the kind and which auth
 * scheme it needs, so an instrument with credentials must be given them again after a
 * restart (it shows "credentials needed" until then).
 */
export const PersistedInstrument = z.object({
  id: z.string().min(1),
  url: z.string().min(1),
  kind: z.enum(DRIVER_KIND_IDS),
  auth: z.enum(['nosec', 'basic', 'bearer']).default('nosec'),
  /** The URL's query carried a secret, saved as "REDACTED": it must be given again after a restart. */
  querySecret: z.boolean().optional(),
});
export type PersistedInstrument = z.infer<typeof PersistedInstrument>;

const SettingsFile = z.object({ version: z.literal(1), instruments: z.array(PersistedInstrument) });
const checkSettingsFile: JsonCheck<PersistedInstrument[]> = (raw) => {
  const parsed = SettingsFile.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data.instruments } : { ok: false, problem: z.prettifyError(parsed.error) };
};

export class SettingsStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Never throws: a missing file is an empty list, a bad one is kept aside and logged. */
  async load(): Promise<PersistedInstrument[]> {
    const read = await readJsonFile(this.path, checkSettingsFile, this.now());
    if (read.kind === 'missing') return [];
    await this.makeOwnerOnly(this.path);
    if (read.kind === 'read') return read.value;
    this.logger.error(`instruments file ${this.path} is invalid (${read.problem}); starting with no instruments; ${read.kept}`);
    return [];
  }

  /** A file written by an older version (or by hand) may be readable by others: make it owner-only. */
  private async makeOwnerOnly(path: string): Promise<void> {
    if (process.platform === 'win32') return;
    try {
      if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
    } catch (error) {
      this.logger.warn(`could not make ${path} owner-only: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Atomic (temp file + rename) and serialised, so the file is always whole. */
  save(instruments: PersistedInstrument[]): Promise<void> {
    // Owner-only: the list says which instruments exist and where.
    this.writing = this.writing.catch(() => {}).then(() => writeJsonFile(this.path, { version: 1, instruments }));
    return this.writing;
  }
}
