import type { Disposer } from '../../shared/disposable';
import { DisposableStore } from '../../shared/disposable';
import { ALARM_AFFORDANCE, ANY_AFFORDANCE, CONNECTION_AFFORDANCE, LAB_THING, LAYOUTS_AFFORDANCE, THINGS_AFFORDANCE } from '../../shared/model';
import { ALARMS_STATE_AFFORDANCE, ALARMS_THING } from '../../shared/alarms';
import type { LabStore } from '../store/lab-store';
import { liveKey } from '../store/keys';
import type { LabClient } from './lab-client';

/**
 * Wires the client to the store: the live stream, the Thing list and its connection keys,
 * invocations after a reload, and the selected Thing's '*' subscription.
 */
export class LabController {
  private readonly owned = new DisposableStore();
  private readonly connectionSubs = new Map<string, Disposer>();
  /** Alarm transitions of every Thing, for the timeline. */
  private readonly alarmSubs = new Map<string, Disposer>();
  private selectedSub: { thing: string; dispose: Disposer } | undefined;

  constructor(
    readonly client: LabClient,
    readonly store: LabStore,
  ) {}

  start(): void {
    this.owned.add(
      this.client.onLiveBatch((batch) => {
        const outcome = this.store.getState().applyBatch(batch);
        for (const { thing, id } of outcome.refetch) void this.refetchInvocation(thing, id);
      }),
    );
    this.owned.add(this.client.subscribe(LAB_THING, THINGS_AFFORDANCE));
    // The host announces the layout list at once and after every change.
    this.owned.add(this.client.subscribe(LAB_THING, LAYOUTS_AFFORDANCE));
    // The alarm state, the same in every window: pushed by main on every change.
    this.owned.add(this.client.subscribe(ALARMS_THING, ALARMS_STATE_AFFORDANCE));
    // Follow the Thing list (connection keys) and the selection ('*' of the selected Thing).
    this.owned.add(
      this.store.subscribe((state, previous) => {
        if (state.things !== previous.things) this.syncConnectionSubs();
        if (state.selected !== previous.selected) this.syncSelection();
      }),
    );
    this.owned.add(() => {
      for (const dispose of this.connectionSubs.values()) dispose();
      this.connectionSubs.clear();
      for (const dispose of this.alarmSubs.values()) dispose();
      this.alarmSubs.clear();
      this.selectedSub?.dispose();
      this.selectedSub = undefined;
    });
    void this.refresh();
  }

  /** Everything a fresh channel needs: at start and after the link comes back. */
  async refresh(): Promise<void> {
    const things = await this.client.listThings();
    if (things.ok) this.store.getState().setThings(things.value);
    this.syncConnectionSubs();
    this.syncSelection();
    const invocations = await this.client.listInvocations();
    if (invocations.ok) this.store.getState().putInvocations(invocations.value);
    await this.refreshInstruments();
    const layouts = await this.client.call('lab:layouts:list', {});
    if (layouts.ok) this.store.getState().setLayouts(layouts.value);
    const role = await this.client.call('lab:session:role', {});
    if (role.ok) this.store.getState().setRole(role.value.role);
  }

  async refreshInstruments(): Promise<void> {
    const instruments = await this.client.listInstruments();
    if (instruments.ok) this.store.getState().setInstruments(instruments.value);
  }

  dispose(): void {
    this.owned.dispose();
  }

  private syncConnectionSubs(): void {
    const names = new Set(this.store.getState().things.map((thing) => thing.name));
    for (const [name, dispose] of this.connectionSubs) {
      if (!names.has(name)) {
        dispose();
        this.connectionSubs.delete(name);
      }
    }
    for (const name of names) {
      if (!this.connectionSubs.has(name)) this.connectionSubs.set(name, this.client.subscribe(name, CONNECTION_AFFORDANCE));
    }
    for (const [name, dispose] of this.alarmSubs) {
      if (!names.has(name)) {
        dispose();
        this.alarmSubs.delete(name);
      }
    }
    for (const name of names) {
      if (!this.alarmSubs.has(name)) this.alarmSubs.set(name, this.client.subscribe(name, ALARM_AFFORDANCE));
    }
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

  /** The TD (once), then a one-off read of every property that has no value yet. */
  private async loadThing(thing: string): Promise<void> {
    let td = this.store.getState().tds[thing];
    if (!td) {
      const described = await this.client.describe(thing);
      if (!described.ok) return;
      td = described.value;
      this.store.getState().setTd(thing, td);
    }
    const properties = td.properties;
    const missing = Object.keys(properties).filter(
      (name) => properties[name]?.writeOnly !== true && !this.store.getState().live[liveKey(thing, name)],
    );
    await Promise.all(
      missing.map(async (name) => {
        const read = await this.client.read(thing, name);
        if (read.ok) this.store.getState().setReadValue(thing, name, read.value);
      }),
    );
  }

  private async refetchInvocation(thing: string, id: string): Promise<void> {
    const result = await this.client.getInvocation(thing, id);
    if (result.ok) this.store.getState().putInvocations([result.value]);
  }
}
