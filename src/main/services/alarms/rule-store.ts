import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { ALARM_RULES_VERSION, ThingRulesFile, type AlarmRule } from '../../../shared/alarms';
import type { Logger } from '../../core/logger';

/** Something the operator must be told (shown in the alarm panel, logged). */
export interface RuleNotice {
  thing: string;
  time: number;
  text: string;
}

export interface LoadedRules {
  rules: Map<string, AlarmRule[]>;
  notices: RuleNotice[];
}

const SUFFIX = '.json';
/** The folder inside the data folder. */
export const RULES_FOLDER = 'alarms';

/** A Thing name as a file name: anything but letters, digits, `_`, `-` and `.` is %-encoded. */
export const ruleFileName = (thing: string): string =>
  `${thing.replace(/[^\w.-]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`).replace(/^\./, '%2E')}${SUFFIX}`;

const decodeFileName = (file: string): string => {
  try {
    return decodeURIComponent(file.slice(0, -SUFFIX.length));
  } catch {
    return file.slice(0, -SUFFIX.length);
  }
};

/**
 * The alarm rules of each Thing, one versioned JSON file per Thing in `<dataDir>/alarms/`,
 * written atomically and owner-only. A file that cannot be read or parsed is kept aside
 * (`<file>.bad-<ms>`), its Thing gets the default rules, and a notice says so. Without a data
 * folder nothing is read or written.
 */
export class RuleStore {
  private readonly writing = new Map<string, Promise<void>>();
  readonly folder: string | undefined;

  constructor(
    dataDir: string | undefined,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.folder = dataDir === undefined ? undefined : join(dataDir, RULES_FOLDER);
  }

  pathOf(thing: string): string | undefined {
    return this.folder === undefined ? undefined : join(this.folder, ruleFileName(thing));
  }

  /** Never throws: unreadable files become notices. */
  async loadAll(): Promise<LoadedRules> {
    const out: LoadedRules = { rules: new Map(), notices: [] };
    if (this.folder === undefined) return out;
    let files: string[];
    try {
      files = (await readdir(this.folder)).filter((file) => file.endsWith(SUFFIX));
    } catch (error) {
      if (isMissing(error)) return out;
      this.logger.error(`alarm rules folder ${this.folder} cannot be read: ${describe(error)}; default rules are used`);
      out.notices.push({ thing: '', time: this.now(), text: `The alarm rules folder cannot be read (${describe(error)}); default rules are in use.` });
      return out;
    }
    for (const file of files.sort()) {
      const loaded = await this.loadFile(join(this.folder, file), decodeFileName(file));
      if (loaded.ok) out.rules.set(loaded.thing, loaded.rules);
      else out.notices.push(loaded.notice);
    }
    return out;
  }

  private async loadFile(path: string, nameFromFile: string): Promise<{ ok: true; thing: string; rules: AlarmRule[] } | { ok: false; notice: RuleNotice }> {
    let problem: string;
    try {
      const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
      const version = typeof raw === 'object' && raw !== null && 'version' in raw ? raw.version : undefined;
      if (typeof version === 'number' && version > ALARM_RULES_VERSION) {
        problem = `it was written by a newer Lab Monitor (version ${version})`;
      } else {
        const parsed = ThingRulesFile.safeParse(migrate(raw));
        if (parsed.success) return { ok: true, thing: parsed.data.thing, rules: parsed.data.rules };
        problem = z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ');
      }
    } catch (error) {
      problem = describe(error);
    }
    const backup = `${path}.bad-${this.now()}`;
    let kept: string;
    try {
      await copyFile(path, backup);
      kept = `the file was kept as ${backup}`;
    } catch (error) {
      kept = `it could not be backed up (${describe(error)})`;
    }
    this.logger.error(`alarm rules file ${path} is invalid (${problem}); ${kept}; default rules are used for "${nameFromFile}"`);
    return {
      ok: false,
      notice: {
        thing: nameFromFile,
        time: this.now(),
        text: `The alarm rules of ${nameFromFile} could not be read (${problem}); ${kept}. Default rules are in use until you save new ones.`,
      },
    };
  }

  /** Atomic, owner-only, serialised per Thing. Resolves once the file is written; a no-op without a folder. */
  save(thing: string, rules: readonly AlarmRule[]): Promise<void> {
    const path = this.pathOf(thing);
    if (path === undefined || this.folder === undefined) return Promise.resolve();
    const folder = this.folder;
    const body: ThingRulesFile = { version: ALARM_RULES_VERSION, thing, rules: [...rules] };
    const text = `${JSON.stringify(body, null, 2)}\n`;
    const previous = this.writing.get(thing) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        await mkdir(folder, { recursive: true, mode: 0o700 });
        await writeFileAtomic(path, text, { mode: 0o600 });
      });
    this.writing.set(thing, next);
    return next;
  }

  /** Waits for every write in progress. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.writing.values()]);
  }
}

/** Older file versions become the current one here (there is only version 1 so far). */
function migrate(raw: unknown): unknown {
  return raw;
}

const isMissing = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'ENOENT';
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
