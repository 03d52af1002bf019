import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAYOUT_VERSION, LayoutsFile, resolveThing, thingTypeOf, type Layout, type LayoutBody } from '../../../../src/shared/layout';
import { LAB_THING, LAYOUTS_AFFORDANCE } from '../../../../src/shared/model';
import { MessageBroker } from '../../../../src/main/core/broker';
import { systemClock } from '../../../../src/main/core/clock';
import type { Message } from '../../../../src/main/core/message';
import { migrateLayouts } from '../../../../src/main/services/layouts/layout-migrations';
import { generateLayout, LAYOUTS_FILE, LayoutStore } from '../../../../src/main/services/layouts/layout-store';
import type { ServiceContext } from '../../../../src/main/services/service';
import { ThingRegistry } from '../../../../src/main/things/registry';
import { createSimulatedThings } from '../../../../src/main/things/simulated-things';
import { loadInstrumentConfig } from '../../../../src/main/things/instrument-config';

class RecordingLogger {
  lines: string[] = [];
  info = (line: string) => void this.lines.push(`info ${line}`);
  warn = (line: string) => void this.lines.push(`warn ${line}`);
  error = (line: string) => void this.lines.push(`error ${line}`);
}

let dir: string;
let store: LayoutStore | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lab-layouts-'));
});
afterEach(async () => {
  await store?.stop();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function setup(options: { dataDir?: string | undefined; stages?: number } = {}) {
  const broker = new MessageBroker();
  const registry = new ThingRegistry(broker);
  const logger = new RecordingLogger();
  const stages = Array.from({ length: options.stages ?? 0 }, (_, i) => ({ kind: 'stage' as const, name: `stage${i + 1}` }));
  const things = createSimulatedThings(loadInstrumentConfig({ instruments: [{ kind: 'thermo' }, ...stages] }), broker);
  const context: ServiceContext = { broker, registry, logger, clock: systemClock, dataDir: 'dataDir' in options ? options.dataDir : dir };
  store = new LayoutStore(context);
  return { broker, registry, logger, things, store };
}

const body = (name: string): LayoutBody => ({
  name,
  panels: [{ id: 'v', kind: 'value', thing: { name: 'thermo' }, property: 'temperature', x: 0, y: 0, w: 3, h: 2 }],
});

describe('layout schema and migrations', () => {
  it('reads a version 1 file: names become Thing references, "$self" the template placeholder, no working copy', () => {
    const v1 = {
      version: 1,
      layouts: [
        { id: 'a', name: 'Morning', panels: [{ id: 'p', kind: 'value', thing: 'thermo', property: 'temperature', x: 0, y: 0, w: 3, h: 2 }] },
        { id: 'b', name: 'Stage', type: 'simulated:stage', panels: [{ id: 'q', kind: 'properties', thing: '$self', x: 0, y: 0, w: 12, h: 8 }] },
      ],
    };
    const outcome = migrateLayouts(v1);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.migratedFrom).toBe(1);
    expect(LayoutsFile.parse(outcome.file).version).toBe(LAYOUT_VERSION);
    expect(outcome.file.layouts[0]?.saved.panels[0]).toMatchObject({ thing: { name: 'thermo' } });
    expect(outcome.file.layouts[1]).toMatchObject({ forType: 'simulated:stage', working: null, saved: { panels: [{ thing: { self: true } }] } });
  });

  it('refuses files from a newer version and broken ones, saying why', () => {
    const newer = migrateLayouts({ version: 99, layouts: [] });
    expect(newer.ok === false && newer.problem).toMatch(/newer Lab Monitor/);
    const broken = migrateLayouts({ version: 2, layouts: [{ id: 'x' }] });
    expect(broken.ok).toBe(false);
    const badPanel = migrateLayouts({ version: 2, layouts: [{ id: 'x', forType: null, working: null, savedAt: 'now', saved: { name: 'n', panels: [{ id: 'p', kind: 'value', x: 40, y: 0, w: 1, h: 1, thing: { name: 't' }, property: 'p' }] } }] });
    expect(badPanel.ok).toBe(false);
  });

  it('resolves a panel Thing by TD id first, then by name, and the template placeholder to the shown Thing', () => {
    const things = [{ name: 'host/stage', id: 'urn:stage-1' }, { name: 'stage' }];
    expect(resolveThing({ name: 'stage', id: 'urn:stage-1' }, undefined, things)).toBe('host/stage');
    expect(resolveThing({ name: 'stage' }, undefined, things)).toBe('stage');
    expect(resolveThing({ name: 'gone' }, undefined, things)).toBeUndefined();
    expect(resolveThing({ self: true }, 'stage', things)).toBe('stage');
  });

  it('tells Thing types apart by @type, then simulated kind, then title', () => {
    expect(thingTypeOf({ '@type': ['Stage', 'Motor'], title: 'x' }, 'http://a')).toBe('type:Stage,Motor');
    expect(thingTypeOf({ title: 'XYZ stage' }, 'simulated:stage')).toBe('simulated:stage');
    expect(thingTypeOf({ title: 'Counter' }, 'http://lab-pc:5000/')).toBe('title:Counter');
  });
});

describe('LayoutStore', () => {
  it('generates one template per Thing type the first time it appears: key values, a chart, actions, property table', async () => {
    const { registry, things, store } = setup({ stages: 2 });
    for (const thing of things) registry.add(thing);
    await store.start();
    const templates = store.list().filter((layout) => layout.forType !== null);
    expect(templates.map((layout) => layout.forType).sort()).toEqual(['simulated:stage', 'simulated:thermo']);
    const stage = store.forType('simulated:stage') as Layout;
    const kinds = stage.saved.panels.map((panel) => panel.kind);
    expect(kinds).toContain('value');
    expect(kinds).toContain('chart');
    expect(kinds).toContain('action');
    expect(kinds.at(-1)).toBe('properties');
    expect(stage.saved.panels.every((panel) => !('thing' in panel) || ('self' in panel.thing))).toBe(true);
  });

  it('an edit is a working copy until saved; Revert drops it; Save keeps it across a restart', async () => {
    const { store: first } = setup();
    await first.start();
    const created = await first.create(body('Morning'));
    const edited = await first.edit(created.id, body('Morning, edited'));
    expect(edited.working?.name).toBe('Morning, edited');
    expect(edited.saved.name).toBe('Morning');
    expect((await first.revert(created.id)).working).toBeNull();
    await first.edit(created.id, body('Evening'));
    const saved = await first.save(created.id);
    expect(saved).toMatchObject({ saved: { name: 'Evening' }, working: null });
    // Editing back to the saved content leaves no working copy.
    expect((await first.edit(created.id, body('Evening'))).working).toBeNull();
    await first.stop();
    store = undefined;

    const { store: second } = setup();
    await second.start();
    expect(second.get(created.id).saved.name).toBe('Evening');
    const mode = statSync(join(dir, LAYOUTS_FILE)).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('duplicates, deletes, exports and imports; an imported type template replaces that type', async () => {
    const { registry, things, store } = setup({ stages: 1 });
    for (const thing of things) registry.add(thing);
    await store.start();
    const created = await store.create(body('Morning'));
    const copy = await store.duplicate(created.id);
    expect(copy.saved.name).toBe('Morning (copy)');
    await store.remove(copy.id);
    expect(() => store.get(copy.id)).toThrow(/no layout/);
    const template = store.forType('simulated:stage') as Layout;
    const exported = store.export(template.id);
    const imported = await store.import({ ...exported, layout: { ...exported.layout, name: 'Stage from elsewhere' } });
    expect(imported.id).toBe(template.id);
    expect(store.list().filter((layout) => layout.forType === 'simulated:stage')).toHaveLength(1);
    expect(store.forType('simulated:stage')?.saved.name).toBe('Stage from elsewhere');
  });

  it('announces every change on ($lab, layouts) so every window follows', async () => {
    const { broker, store } = setup();
    const seen: Layout[][] = [];
    const sink = { sendNowait: (message: Message) => void seen.push(message.payload as Layout[]) };
    broker.subscribe(LAB_THING, LAYOUTS_AFFORDANCE, sink);
    await store.start();
    await store.create(body('One'));
    expect(seen.at(-1)?.map((layout) => layout.saved.name)).toContain('One');
  });

  it('keeps a corrupt file aside, tells the operator and starts with defaults', async () => {
    writeFileSync(join(dir, LAYOUTS_FILE), '{ "version": 2, "layouts": [ { "id": 3 } ] }');
    const { store, logger } = setup();
    await store.start();
    expect(store.list()).toEqual([]);
    expect(logger.lines.join('\n')).toMatch(/is not a layouts file .* kept as .*layouts\.json\.bad-/);
    expect(readdirSync(dir).some((name) => name.startsWith(`${LAYOUTS_FILE}.bad-`))).toBe(true);
    await store.create(body('After'));
    expect(JSON.parse(readFileSync(join(dir, LAYOUTS_FILE), 'utf8')).layouts).toHaveLength(1);
  });

  it('without a data folder keeps layouts in memory and writes nothing', async () => {
    const { store } = setup({ dataDir: undefined });
    await store.start();
    await store.create(body('Temporary'));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('generates a layout from any Thing Description', () => {
    const layout = generateLayout({ title: 'Bare', properties: {}, actions: {}, '@context': 'x', security: 'nosec', securityDefinitions: {} } as never);
    expect(layout.panels.map((panel) => panel.kind)).toEqual(['properties']);
  });
});
