import { chmod, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
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

export class SettingsStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Never throws: a missing file is an empty list, a bad one is kept aside and logged. */
  async load(): Promise<PersistedInstrument[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return [];
      this.logger.error(`instruments file ${this.path} cannot be read (${error instanceof Error ? error.message : String(error)}); starting with no instruments`);
      return [];
    }
    await this.makeOwnerOnly(this.path);
    let problem: string;
    try {
      const parsed = SettingsFile.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.instruments;
      problem = z.prettifyError(parsed.error);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    const backup = `${this.path}.bad-${this.now()}`;
    try {
      await copyFile(this.path, backup);
      await this.makeOwnerOnly(backup);
      this.logger.error(`instruments file ${this.path} is invalid (${problem}); starting with no instruments; the bad file was kept as ${backup}`);
    } catch (error) {
      this.logger.error(`instruments file ${this.path} is invalid (${problem}) and could not be backed up (${error instanceof Error ? error.message : String(error)}); starting with no instruments`);
    }
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
    const text = `${JSON.stringify({ version: 1, instruments }, null, 2)}\n`;
    this.writing = this.writing
      .catch(() => {})
      .then(async () => {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        // Owner-only: the list says which instruments exist and where.
        await writeFileAtomic(this.path, text, { mode: 0o600 });
      });
    return this.writing;
  }
}
