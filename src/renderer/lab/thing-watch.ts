import type { Disposer } from '../../shared/disposable';
import { once } from '../../shared/disposable';
import { CONNECTION_AFFORDANCE, FRESHNESS_AFFORDANCE, type ThingDescription } from '../../shared/model';
import { liveKey } from '../store/keys';
import type { LabStore } from '../store/lab-store';
import type { LabClient } from './lab-client';

/** Which affordances of one Thing a watcher wants followed (the TD is undefined until it arrives). */
export type WatchSelector = (thing: string, td: ThingDescription | undefined) => readonly string[];

/**
 * What every window follows of every Thing, selected or not: its connection, how its
 * properties are kept fresh, and every transition of every action. A view that comes back
 * then shows the current truth at once (an action that failed meanwhile shows failed).
 */
export const CONNECTION_AND_ACTIONS: WatchSelector = (_thing, td) => [CONNECTION_AFFORDANCE, FRESHNESS_AFFORDANCE, ...Object.keys(td?.actions ?? {})];

/**
 * Watches every Thing in the store's list: for each Thing the union of what the registered
 * selectors ask for is held as live subscriptions (ref-counted by the client), kept in step
 * as Things come and go and their TDs arrive, and released on dispose. The TD of every Thing
 * is fetched once, so selectors can name its affordances. Other views (an overview of all
 * Things) register their own selector with `add`.
 */
export class ThingWatch {
  private readonly selectors = new Set<WatchSelector>();
  private readonly held = new Map<string, { thing: string; affordance: string; dispose: Disposer }>();
  private readonly describing = new Set<string>();
  private unsubscribeStore: (() => void) | undefined;
  private disposed = false;

  constructor(
    private readonly client: LabClient,
    private readonly store: LabStore,
  ) {}

  /** Follows the store's Thing list and TDs from now on. */
  start(): void {
    if (this.unsubscribeStore || this.disposed) return;
    this.unsubscribeStore = this.store.subscribe((state, previous) => {
      if (state.things !== previous.things || state.tds !== previous.tds) this.sync();
    });
    this.sync();
  }

  /** Adds a selector for every Thing; the disposer takes it away (and what only it held). */
  add(selector: WatchSelector): Disposer {
    this.selectors.add(selector);
    this.sync();
    return once(() => {
      this.selectors.delete(selector);
      this.sync();
    });
  }

  /** Keys held now, as `thing/affordance` (for tests and diagnostics). */
  keys(): string[] {
    return [...this.held.values()].map(({ thing, affordance }) => `${thing}/${affordance}`).sort();
  }

  /** Brings the subscriptions in step with the Thing list, the TDs and the selectors. */
  sync(): void {
    if (this.disposed) return;
    const { things, tds } = this.store.getState();
    const wanted = new Map<string, { thing: string; affordance: string }>();
    for (const { name } of things) {
      const td = tds[name];
      if (!td) this.describe(name);
      for (const selector of this.selectors) {
        for (const affordance of selector(name, td)) wanted.set(liveKey(name, affordance), { thing: name, affordance });
      }
    }
    for (const [key, entry] of this.held) {
      if (wanted.has(key)) continue;
      entry.dispose();
      this.held.delete(key);
    }
    for (const [key, { thing, affordance }] of wanted) {
      if (!this.held.has(key)) this.held.set(key, { thing, affordance, dispose: this.client.subscribe(thing, affordance) });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unsubscribeStore?.();
    for (const entry of this.held.values()) entry.dispose();
    this.held.clear();
    this.selectors.clear();
  }

  private describe(thing: string): void {
    if (this.describing.has(thing)) return;
    this.describing.add(thing);
    void this.client.describe(thing).then((described) => {
      this.describing.delete(thing);
      if (this.disposed || !described.ok) return;
      if (!this.store.getState().tds[thing]) this.store.getState().setTd(thing, described.value);
    });
  }
}
