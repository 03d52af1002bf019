import { join } from 'node:path';
import { z } from 'zod';
import { MAX_SHELVE_SEC } from '../../../shared/alarms';
import { readJsonFile, writeJsonFile, type JsonCheck } from '../../core/json-file';
import type { Logger } from '../../core/logger';
import type { RuleNotice } from './rule-store';

/** One shelved alarm, as the operator shelved it. Times are ISO 8601, Z. */
export const Shelf = z.object({
  id: z.string().min(1).max(1000),
  by: z.string().max(200),
  at: z.string(),
  until: z.string(),
  reason: z.string().max(2000),
});
export type Shelf = z.infer<typeof Shelf>;

const SHELVES_VERSION = 1;
/** Beside the rules folder, not in it: every `alarms/*.json` is a Thing's rules. */
export const SHELVES_FILE = 'alarm-shelves.json';
const ShelvesFile = z.object({ version: z.literal(SHELVES_VERSION), shelves: z.array(Shelf).max(100_000) });

const checkShelvesFile: JsonCheck<Shelf[]> = (raw) => {
  const parsed = ShelvesFile.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data.shelves } : { ok: false, problem: z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ') };
};

/**
 * Which alarms are shelved and until when, so a restart does not bring back every alarm an
 * operator set aside (a shelf still ends at its own time). One versioned file in the data
 * folder, written atomically and owner-only; a bad file is kept aside and the operator told.
 * Without a data folder nothing is read or written.
 */
export class ShelfStore {
  private writing: Promise<void> = Promise.resolve();
  readonly path: string | undefined;

  constructor(
    dataDir: string | undefined,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.path = dataDir === undefined ? undefined : join(dataDir, SHELVES_FILE);
  }

  /** The shelves that have not ended yet. Never throws: a bad file becomes a notice. */
  async load(): Promise<{ shelves: Shelf[]; notices: RuleNotice[] }> {
    if (this.path === undefined) return { shelves: [], notices: [] };
    const read = await readJsonFile(this.path, checkShelvesFile, this.now());
    if (read.kind === 'missing') return { shelves: [], notices: [] };
    if (read.kind === 'bad') {
      this.logger.error(`alarm shelves file ${this.path} is invalid (${read.problem}); ${read.kept}; no alarm stays shelved`);
      return {
        shelves: [],
        notices: [{ thing: '', time: this.now(), text: `Shelved alarms could not be read back (${read.problem}); ${read.kept}. Every alarm is active again.` }],
      };
    }
    // A shelf ends at its own time, and never later than the longest shelving from now (a file edited by hand).
    const now = this.now();
    const latest = now + MAX_SHELVE_SEC * 1000;
    const shelves = read.value.flatMap((shelf) => {
      const until = Date.parse(shelf.until);
      return until > now ? [until > latest ? { ...shelf, until: new Date(latest).toISOString() } : shelf] : [];
    });
    return { shelves, notices: [] };
  }

  /** Replaces the file with these shelves; serialised, so the last call wins. */
  save(shelves: readonly Shelf[]): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    const body = { version: SHELVES_VERSION, shelves: [...shelves] };
    this.writing = this.writing
      .catch(() => undefined)
      .then(() => writeJsonFile(path, body))
      .catch((error: unknown) => this.logger.error(`alarm shelves file ${path} could not be written`, error));
    return this.writing;
  }

  flush(): Promise<void> {
    return this.writing;
  }
}
