import type { Disposer } from '../../shared/disposable';
import { DisposableStore } from '../../shared/disposable';
import { ANY_AFFORDANCE } from '../../shared/model';
import { liveKey } from '../store/keys';
import type { LabStore } from '../store/lab-store';
import type { SeriesRegistry } from '../store/series';
import type { LabClient } from './lab-client';
import { findProblems, keyProperties, sameProblems } from './watch';

export interface WatchControllerOptions {
  /** How often problems are re-evaluated (stalls are noticed by the passing of time). */
  periodMs?: number;
}

/**
 * Keeps watch over every Thing, not only the selected one: a '*' subscription per Thing (so a
 * stall, a spike or a failed action anywhere reaches this window), each Thing's TD and a first
 * read of its key values, and the list of problems the overview, the sidebar and the header show.
 */
export class WatchController {
  private readonly owned = new DisposableStore();
  private readonly subs = new Map<string, Disposer>();
  private readonly loading = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly client: LabClient,
    readonly store: LabStore,
    readonly series: SeriesRegistry,
    private readonly options: WatchControllerOptions = {},
  ) {}

  start(): void {
    this.owned.add(
      this.store.subscribe((state, previous) => {
        if (state.things !== previous.things) this.syncThings();
        if (state.things !== previous.things || state.invocations !== previous.invocations || state.acknowledged !== previous.acknowledged) {
          this.evaluate();
        }
        if (state.link.status !== previous.link.status) {
          if (state.link.status === 'connected') this.reloadAll();
          this.evaluate();
        }
        if (state.pinned !== previous.pinned) for (const name of Object.keys(state.pinned)) void this.load(name);
      }),
    );
    this.timer = setInterval(() => this.evaluate(), this.options.periodMs ?? 500);
    this.owned.add(() => {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.timer = undefined;
      for (const dispose of this.subs.values()) dispose();
      this.subs.clear();
    });
    this.syncThings();
  }

  dispose(): void {
    this.owned.dispose();
  }

  /** Re-computes the problems now; the store changes only when they differ. */
  evaluate(): void {
    const state = this.store.getState();
    const problems = findProblems(
      {
        things: state.things,
        tds: state.tds,
        live: state.live,
        invocations: state.invocations,
        acknowledged: state.acknowledged,
        linkUp: state.link.status === 'connected',
        activity: (thing) => this.series.thingActivity(thing),
      },
      Date.now(),
    );
    if (!sameProblems(problems, state.problems)) state.setProblems(problems);
  }

  private syncThings(): void {
    const names = new Set(this.store.getState().things.map((thing) => thing.name));
    for (const [name, dispose] of this.subs) {
      if (!names.has(name)) {
        dispose();
        this.subs.delete(name);
      }
    }
    for (const name of names) {
      if (this.subs.has(name)) continue;
      this.subs.set(name, this.client.subscribe(name, ANY_AFFORDANCE));
      void this.load(name);
    }
  }

  /** After the link returns, values may have changed unseen: read the key values again. */
  private reloadAll(): void {
    for (const name of this.subs.keys()) void this.load(name);
  }

  /** The TD (once), then a first read of the key values that have none yet. */
  private async load(thing: string): Promise<void> {
    if (this.loading.has(thing)) return;
    this.loading.add(thing);
    try {
      let td = this.store.getState().tds[thing];
      if (!td) {
        const described = await this.client.describe(thing);
        if (!described.ok) return;
        td = described.value;
        this.store.getState().setTd(thing, td);
      }
      const wanted = keyProperties(td, this.store.getState().pinned[thing]).filter((name) => !this.store.getState().live[liveKey(thing, name)]);
      await Promise.all(
        wanted.map(async (name) => {
          const read = await this.client.read(thing, name);
          if (read.ok) this.store.getState().setReadValue(thing, name, read.value);
        }),
      );
    } finally {
      this.loading.delete(thing);
    }
  }
}
