import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ALARM_RULES_VERSION, ThingRulesFile, type AlarmRule } from '../../../shared/alarms';
import { describeError as describe, readJsonFile, writeJsonFile, type JsonCheck } from '../../core/json-file';
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
    const read = await readJsonFile(path, checkRulesFile, this.now());
    if (read.kind === 'read') return { ok: true, thing: read.value.thing, rules: read.value.rules };
    const { problem, kept } = read.kind === 'bad' ? read : { problem: 'the file is gone', kept: 'nothing was kept' };
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
    const body: ThingRulesFile = { version: ALARM_RULES_VERSION, thing, rules: [...rules] };
    const previous = this.writing.get(thing) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => writeJsonFile(path, body));
    this.writing.set(thing, next);
    return next;
  }

  /** Waits for every write in progress. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.writing.values()]);
  }
}

/** Older file versions would become the current one here (there is only version 1 so far). */
const checkRulesFile: JsonCheck<ThingRulesFile> = (raw) => {
  const version = typeof raw === 'object' && raw !== null && 'version' in raw ? raw.version : undefined;
  if (typeof version === 'number' && version > ALARM_RULES_VERSION) return { ok: false, problem: `it was written by a newer Lab Monitor (version ${version})` };
  const parsed = ThingRulesFile.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ') };
};

const isMissing = (error: unknown): boolean => error instanceof Error && 'code' in error && error.code === 'ENOENT';

