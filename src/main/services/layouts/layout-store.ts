import { randomUUID } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { DisposableStore } from '../../../shared/disposable';
import { LabError } from '../../../shared/errors';
import {
  LAYOUT_VERSION,
  LayoutBody,
  type Layout,
  type LayoutExport,
  type LayoutsFile,
} from '../../../shared/layout';
import { LAB_THING, LAYOUTS_AFFORDANCE, THINGS_AFFORDANCE, type ThingDescription, type ThingSummary } from '../../../shared/model';
import { toIso } from '../../core/clock';
import { Message } from '../../core/message';
import type { MessageSendStream } from '../../core/streams';
import type { Service, ServiceContext } from '../service';
import { generateLayout } from './generate-layout';
import { migrateLayouts } from './layout-migrations';

export { generateLayout } from './generate-layout';

export const LAYOUTS_FILE = 'layouts.json';

/**
 * The operator's layouts, shared by every window and client: kept in `layouts.json` in the data
 * folder (written atomically, owner-only; in memory only without a data folder), announced on
 * `('$lab', 'layouts')` after every change. The first time a Thing of a new type appears it gets
 * a generated template for its type; edits to that template apply to every Thing of the type.
 */
export class LayoutStore implements Service {
  readonly name = 'layouts';
  private layouts: Layout[] = [];
  private readonly owned = new DisposableStore();
  private writing: Promise<void> = Promise.resolve();
  private readonly path: string | undefined;
  /** Held strongly: the broker holds its sinks weakly. */
  private readonly thingsSink: MessageSendStream = {
    sendNowait: (message) => this.generateTemplates(message.payload as ThingSummary[]),
  };

  constructor(private readonly context: ServiceContext) {
    this.path = context.dataDir === undefined ? undefined : join(context.dataDir, LAYOUTS_FILE);
  }

  async start(): Promise<void> {
    this.layouts = await this.load();
    this.owned.add(this.context.broker.subscribe(LAB_THING, THINGS_AFFORDANCE, this.thingsSink));
    this.generateTemplates(this.context.registry.summaries());
  }

  async stop(): Promise<void> {
    this.owned.dispose();
    await this.writing.catch(() => undefined);
  }

  list(): Layout[] {
    return this.layouts;
  }

  get(id: string): Layout {
    const layout = this.layouts.find((candidate) => candidate.id === id);
    if (!layout) throw new LabError('NOT_FOUND', `no layout with id "${id}"`);
    return layout;
  }

  /** The template of a Thing type, if one exists. */
  forType(type: string): Layout | undefined {
    return this.layouts.find((layout) => layout.forType === type);
  }

  async create(body: LayoutBody): Promise<Layout> {
    const layout: Layout = { id: randomUUID(), forType: null, saved: LayoutBody.parse(body), working: null, savedAt: this.now() };
    return this.change(() => {
      this.layouts = [...this.layouts, layout];
      return layout;
    });
  }

  /** Replaces the working copy (what the operator is editing); nothing is saved yet. */
  async edit(id: string, body: LayoutBody): Promise<Layout> {
    const parsed = LayoutBody.parse(body);
    return this.replace(id, (layout) => ({ ...layout, working: sameBody(parsed, layout.saved) ? null : parsed }));
  }

  async save(id: string): Promise<Layout> {
    return this.replace(id, (layout) => (layout.working === null ? layout : { ...layout, saved: layout.working, working: null, savedAt: this.now() }));
  }

  async revert(id: string): Promise<Layout> {
    return this.replace(id, (layout) => ({ ...layout, working: null }));
  }

  /** A copy of what is on screen (the working copy if any) as a new, ordinary layout. */
  async duplicate(id: string, name?: string): Promise<Layout> {
    const source = this.get(id);
    const body = source.working ?? source.saved;
    return this.create({ ...body, name: name ?? `${body.name} (copy)` });
  }

  async remove(id: string): Promise<void> {
    this.get(id);
    await this.change(() => {
      this.layouts = this.layouts.filter((layout) => layout.id !== id);
    });
  }

  export(id: string): LayoutExport {
    const layout = this.get(id);
    return { format: 'lab-monitor-layout', version: LAYOUT_VERSION, forType: layout.forType, layout: layout.saved };
  }

  /** Writes a layout's export to a file (atomically, owner-only). */
  async exportTo(id: string, path: string): Promise<void> {
    const text = `${JSON.stringify(this.export(id), null, 2)}\n`;
    try {
      await writeFileAtomic(path, text, { mode: 0o600 });
    } catch (error) {
      throw new LabError('INTERNAL', `the layout could not be written to ${path}: ${(error as Error).message}`);
    }
  }

  /** Imports a file another Lab Monitor exported; a type's template replaces that type's one. */
  async import(file: LayoutExport): Promise<Layout> {
    const existing = file.forType === null ? undefined : this.forType(file.forType);
    if (existing) return this.replace(existing.id, (layout) => ({ ...layout, saved: file.layout, working: null, savedAt: this.now() }));
    const layout: Layout = { id: randomUUID(), forType: file.forType, saved: file.layout, working: null, savedAt: this.now() };
    return this.change(() => {
      this.layouts = [...this.layouts, layout];
      return layout;
    });
  }

  // ---- internals ----------------------------------------------------------------------

  private now(): string {
    return toIso(this.context.clock.now());
  }

  private replace(id: string, update: (layout: Layout) => Layout): Promise<Layout> {
    const current = this.get(id);
    const next = update(current);
    return this.change(() => {
      this.layouts = this.layouts.map((layout) => (layout.id === id ? next : layout));
      return next;
    });
  }

  /** Applies a change, announces it and writes the file; the returned promise waits for the write. */
  private async change<T>(apply: () => T): Promise<T> {
    const result = apply();
    this.announce();
    await this.persist();
    return result;
  }

  private announce(): void {
    this.context.broker.publish(new Message({ thing: LAB_THING, affordance: LAYOUTS_AFFORDANCE, messageType: 'property', payload: this.layouts }));
  }

  private generateTemplates(things: readonly ThingSummary[]): void {
    if (!Array.isArray(things)) return;
    const fresh: Layout[] = [];
    for (const thing of things) {
      if (thing.type === undefined || this.forType(thing.type) || fresh.some((layout) => layout.forType === thing.type)) continue;
      if (!this.context.registry.has(thing.name)) continue;
      let td: ThingDescription;
      try {
        td = this.context.registry.get(thing.name).describe();
      } catch {
        continue; // a Thing whose description is not known yet gets its template later
      }
      fresh.push({ id: randomUUID(), forType: thing.type, saved: generateLayout(td), working: null, savedAt: this.now() });
    }
    if (fresh.length === 0) return;
    void this.change(() => {
      this.layouts = [...this.layouts, ...fresh];
    }).catch((error: unknown) => this.context.logger.error('layouts: saving the generated templates failed', error));
  }

  private async load(): Promise<Layout[]> {
    if (this.path === undefined) return [];
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.context.logger.error(`layouts: ${this.path} cannot be read (${(error as Error).message}); starting with no layouts`);
      return [];
    }
    let outcome: ReturnType<typeof migrateLayouts>;
    try {
      outcome = migrateLayouts(JSON.parse(text));
    } catch (error) {
      outcome = { ok: false, problem: `not JSON (${(error as Error).message})` };
    }
    if (outcome.ok) {
      if (outcome.migratedFrom !== undefined) {
        this.context.logger.info(`layouts: ${this.path} read from version ${outcome.migratedFrom}; it is written as version ${LAYOUT_VERSION} from now on`);
      }
      return outcome.file.layouts;
    }
    const backup = `${this.path}.bad-${this.context.clock.now()}`;
    await copyFile(this.path, backup).catch(() => undefined);
    const problem = outcome.problem.replace(/\s*\n\s*/g, '; ').slice(0, 500);
    this.context.logger.error(`layouts: ${this.path} is not a layouts file (${problem}); kept as ${backup}, starting with no layouts`);
    return [];
  }

  private persist(): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    const file: LayoutsFile = { version: LAYOUT_VERSION, layouts: this.layouts };
    const text = `${JSON.stringify(file, null, 2)}\n`;
    // Serialised, so the file on disk is always the latest whole state.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
        await writeFileAtomic(path, text, { mode: 0o600 });
        await chmod(path, 0o600);
      });
    return this.writing.catch((error: unknown) => {
      throw new LabError('INTERNAL', `layouts could not be saved: ${(error as Error).message}`);
    });
  }
}

const sameBody = (a: LayoutBody, b: LayoutBody): boolean => JSON.stringify(a) === JSON.stringify(b);
