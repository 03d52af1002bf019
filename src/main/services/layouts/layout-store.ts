import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
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
import { readJsonFile, writeJsonFile } from '../../core/json-file';
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
    try {
      await writeJsonFile(path, this.export(id));
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
      // Checked like anything an operator sends: it is built from what the instrument describes.
      const generated = LayoutBody.safeParse(generateLayout(td));
      if (!generated.success) {
        this.context.logger.warn(`layouts: no template for ${thing.type}: ${z.prettifyError(generated.error)}`);
        continue;
      }
      fresh.push({ id: randomUUID(), forType: thing.type, saved: generated.data, working: null, savedAt: this.now() });
    }
    if (fresh.length === 0) return;
    void this.change(() => {
      this.layouts = [...this.layouts, ...fresh];
    }).catch((error: unknown) => this.context.logger.error('layouts: saving the generated templates failed', error));
  }

  private async load(): Promise<Layout[]> {
    if (this.path === undefined) return [];
    let migratedFrom: number | undefined;
    const read = await readJsonFile<LayoutsFile>(
      this.path,
      (raw) => {
        const outcome = migrateLayouts(raw);
        if (!outcome.ok) return { ok: false, problem: outcome.problem.replace(/\s*\n\s*/g, '; ').slice(0, 500) };
        migratedFrom = outcome.migratedFrom;
        return { ok: true, value: outcome.file };
      },
      this.context.clock.now(),
    );
    if (read.kind === 'missing') return [];
    if (read.kind === 'bad') {
      this.context.logger.error(`layouts: ${this.path} is not a layouts file (${read.problem}); ${read.kept}; starting with no layouts`);
      return [];
    }
    if (migratedFrom !== undefined) {
      this.context.logger.info(`layouts: ${this.path} read from version ${migratedFrom}; it is written as version ${LAYOUT_VERSION} from now on`);
    }
    return read.value.layouts;
  }

  private persist(): Promise<void> {
    const path = this.path;
    if (path === undefined) return Promise.resolve();
    const file: LayoutsFile = { version: LAYOUT_VERSION, layouts: this.layouts };
    // Serialised, so the file on disk is always the latest whole state.
    this.writing = this.writing
      .catch(() => undefined)
      .then(() => writeJsonFile(path, file));
    return this.writing.catch((error: unknown) => {
      throw new LabError('INTERNAL', `layouts could not be saved: ${(error as Error).message}`);
    });
  }
}

const sameBody = (a: LayoutBody, b: LayoutBody): boolean => JSON.stringify(a) === JSON.stringify(b);
