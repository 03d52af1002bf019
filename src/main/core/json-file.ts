import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** What reading a JSON file of the data folder gave. */
export type JsonFileRead<T> =
  | { kind: 'missing' }
  | { kind: 'read'; value: T }
  /** Unreadable, not JSON or not valid: `kept` says where the file was copied aside (or why it could not be). */
  | { kind: 'bad'; problem: string; kept: string };

/** Checks a parsed file: its value, or the words for what is wrong with it. */
export type JsonCheck<T> = (raw: unknown) => { ok: true; value: T } | { ok: false; problem: string };

/**
 * Reads and checks a JSON file. A missing file is `missing`; a bad one is copied aside to
 * `<path>.bad-<now>`, owner-only (so nothing the operator wrote is lost when the next save replaces it).
 * Never throws.
 */
export async function readJsonFile<T>(path: string, check: JsonCheck<T>, now: number): Promise<JsonFileRead<T>> {
  let problem: string;
  try {
    const checked = check(JSON.parse(await readFile(path, 'utf8')));
    if (checked.ok) return { kind: 'read', value: checked.value };
    problem = checked.problem;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return { kind: 'missing' };
    problem = describeError(error);
  }
  const backup = `${path}.bad-${now}`;
  try {
    await copyFile(path, backup);
    // What the operator wrote stays theirs: the copy is owner-only whatever the original was.
    if (process.platform !== 'win32') await chmod(backup, 0o600);
    return { kind: 'bad', problem, kept: `the file was kept as ${backup}` };
  } catch (error) {
    return { kind: 'bad', problem, kept: `it could not be backed up (${describeError(error)})` };
  }
}

/** Writes JSON atomically (temp file + rename), owner-only, creating an owner-only folder. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
}

export const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));
