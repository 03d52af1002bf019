import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { Logger } from '../../core/logger';
import type { RetentionSettings } from './queries';

/** The operator's recorder settings: `recorder.json` in the data folder (version 1). */
export const RECORDER_SETTINGS_FILE = 'recorder.json';

export const DEFAULT_RETENTION: RetentionSettings = { maxAgeDays: 30, maxBytes: 2 * 1024 ** 3 };

const SettingsFile = z.object({
  version: z.literal(1),
  retention: z.object({
    maxAgeDays: z.number().positive().max(36_500),
    maxBytes: z.number().int().min(1024 * 1024),
  }),
});

export const recorderSettingsPath = (dataDir: string): string => join(dataDir, RECORDER_SETTINGS_FILE);

/**
 * Reads the retention settings; writes the defaults (owner-only, atomically) when the file
 * is missing so the operator finds them to edit. A file that does not parse keeps the
 * defaults for this run, is logged, and is left as it is.
 */
export async function loadRecorderSettings(dataDir: string, logger: Logger): Promise<RetentionSettings> {
  const path = recorderSettingsPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      try {
        await mkdir(dirname(path), { recursive: true });
        await writeFileAtomic(path, `${JSON.stringify({ version: 1, retention: DEFAULT_RETENTION }, null, 2)}\n`, { mode: 0o600 });
      } catch (writeError) {
        logger.warn(`could not write the recorder settings ${path}`, writeError);
      }
    } else logger.warn(`could not read the recorder settings ${path}; using the defaults`, error);
    return { ...DEFAULT_RETENTION };
  }
  try {
    const parsed = SettingsFile.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data.retention;
    logger.warn(`recorder settings ${path} are not valid (${z.prettifyError(parsed.error)}); using the defaults (30 days, 2 GB)`);
  } catch (error) {
    logger.warn(`recorder settings ${path} are not JSON (${error instanceof Error ? error.message : String(error)}); using the defaults`);
  }
  return { ...DEFAULT_RETENTION };
}
