import type { Disposer } from '../../shared/disposable';
import { DisposableStore } from '../../shared/disposable';
import { EVENTS_AFFORDANCE } from '../../shared/history';
import { ALARM_AFFORDANCE, ANY_AFFORDANCE, LAB_THING, LAYOUTS_AFFORDANCE, LOST_ON_REMOVE, THINGS_AFFORDANCE } from '../../shared/model';
import { ALARMS_STATE_AFFORDANCE, ALARMS_THING } from '../../shared/alarms';
import type { LabStore } from '../store/lab-store';
import type { LabClient } from './lab-client';
import { loadTimeline, refreshRecorderStatus } from './timeline';

/** How often the header's recorder state is refreshed. */
const RECORDER_STATUS_MS = 5000;
import { CONNECTION_AND_ACTIONS, ThingWatch } from './thing-watch';

/**
 * Wires the client to the store: the live stream, the Thing list, what is watched of every
 * Thing (connection, freshness, action transitions: see ThingWatch), invocations after a
 * reload, and the selected Thing's '*' subscription.
 */
/** Alarm transitions of every Thing (the timeline shows them). */
const ALARM_TRANSITIONS = (): readonly string[] => [ALARM_AFFORDANCE];

export class LabController {
  private readonly owned = new DisposableStore();
  /** Every Thing's connection and actions; other views add their own selectors to it. */
  readonly watch: ThingWatch;
  private selectedSub: { thing: string; dispose: Disposer } | undefined;

  constructor(
    readonly client: LabClient,
    readonly store: LabStore,
  ) {
    this.watch = new ThingWatch(client, store);
  }

  start(): void {
    this.owned.add(
      this.client.onLiveBatch((batch) => {
        const outcome = this.store.getState().applyBatch(batch);
        for (const { thing, id } of outcome.refetch) void this.refetchInvocation(thing, id);
        if (outcome.reloadTimeline) void loadTimeline(this.client, this.store);
      }),
    );
    this.owned.add(this.client.subscribe(LAB_THING, THINGS_AFFORDANCE));
    // The host announces the layout list at once and after every change.
    this.owned.add(this.client.subscribe(LAB_THING, LAYOUTS_AFFORDANCE));
    // The alarm state, the same in every window: pushed by main on every change.
    this.owned.add(this.client.subscribe(ALARMS_THING, ALARMS_STATE_AFFORDANCE));
    // Every event the recorder records, as it records them (the timeline's live tail).
    this.owned.add(this.client.subscribe(LAB_THING, EVENTS_AFFORDANCE));
    const statusTimer = setInterval(() => void refreshRecorderStatus(this.client, this.store), RECORDER_STATUS_MS);
    this.owned.add(() => clearInterval(statusTimer));
    this.owned.add(this.watch.add(CONNECTION_AND_ACTIONS));
    // Alarm transitions of every Thing, for the timeline.
    this.owned.add(this.watch.add(ALARM_TRANSITIONS));
    this.watch.start();
    this.owned.add(() => this.watch.dispose());
    // Follow the selection ('*' of the selected Thing); a Thing that leaves the list takes
    // its unfinished invocations with it (nothing will ever report their end).
    this.owned.add(
      this.store.subscribe((state, previous) => {
        if (state.things !== previous.things) {
          const names = new Set(state.things.map((thing) => thing.name));
          const gone = previous.things.filter((thing) => !names.has(thing.name)).map((thing) => thing.name);
          if (gone.length > 0) this.store.getState().endOpenInvocations(gone, LOST_ON_REMOVE);
        }
        if (state.selected !== previous.selected) this.syncSelection();
        if (state.timelineQuery !== previous.timelineQuery) this.queryChanged();
      }),
    );
    this.owned.add(() => {
      this.selectedSub?.dispose();
      this.selectedSub = undefined;
    });
    void this.refresh();
  }

  /** Everything a fresh channel needs: at start and after the link comes back. */
  async refresh(): Promise<void> {
    // First: the role decides which controls the page shows.
    const info = await this.client.clientInfo();
    if (info.ok) this.store.getState().setRole(info.value.role);
    const things = await this.client.listThings();
    if (things.ok) this.store.getState().setThings(things.value);
    this.watch.sync();
    this.syncSelection();
    const invocations = await this.client.listInvocations();
    if (invocations.ok) this.store.getState().putInvocations(invocations.value);
    // The timeline as recorded: what happened before this page opened, or while the link was down.
    await Promise.all([loadTimeline(this.client, this.store), refreshRecorderStatus(this.client, this.store)]);
    await this.refreshInstruments();
    const layouts = await this.client.call('lab:layouts:list', {});
    if (layouts.ok) this.store.getState().setLayouts(layouts.value);
  }

  private queryTimer: ReturnType<typeof setTimeout> | undefined;

  /** A new filter or search: asked of the recorder, a little after the last keystroke. */
  private queryChanged(): void {
    if (this.store.getState().timelineSource !== 'recorder') return;
    clearTimeout(this.queryTimer);
    this.queryTimer = setTimeout(() => void loadTimeline(this.client, this.store), 150);
  }

  async refreshInstruments(): Promise<void> {
    const instruments = await this.client.listInstruments();
    if (instruments.ok) this.store.getState().setInstruments(instruments.value);
  }

  dispose(): void {
    clearTimeout(this.queryTimer);
    this.owned.dispose();
  }

  private syncSelection(): void {
    const selected = this.store.getState().selected;
    if (this.selectedSub?.thing === selected) return;
    this.selectedSub?.dispose();
    this.selectedSub = undefined;
    if (selected === null) return;
    this.selectedSub = { thing: selected, dispose: this.client.subscribe(selected, ANY_AFFORDANCE) };
    void this.loadThing(selected);
  }

  /**
   * The TD (once), then a read of every property, so a view that comes back shows values as
   * they are now (a setpoint changed while another Thing was shown), and its invocations.
   */
  private async loadThing(thing: string): Promise<void> {
    const asked = Date.now();
    let td = this.store.getState().tds[thing];
    if (!td) {
      const described = await this.client.describe(thing);
      if (!described.ok) return;
      td = described.value;
      this.store.getState().setTd(thing, td);
    }
    const properties = td.properties;
    const readable = Object.keys(properties).filter((name) => properties[name]?.writeOnly !== true);
    await Promise.all([
      ...readable.map(async (name) => {
        const read = await this.client.read(thing, name);
        // A live value received after the read was asked is newer: it stays.
        if (read.ok) this.store.getState().setReadValue(thing, name, read.value, Date.now(), asked);
      }),
      (async () => {
        const invocations = await this.client.listInvocations(thing);
        if (invocations.ok) this.store.getState().putInvocations(invocations.value);
      })(),
    ]);
  }

  private async refetchInvocation(thing: string, id: string): Promise<void> {
    const result = await this.client.getInvocation(thing, id);
    if (result.ok) this.store.getState().putInvocations([result.value]);
  }
}
