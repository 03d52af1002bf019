import { LabError } from '../../shared/errors';
import { DisposableStore } from '../../shared/disposable';
import { CONNECTION_AFFORDANCE, type ConnectionState, type Invocation, type ThingDescription } from '../../shared/model';
import { Message, type Publisher } from '../core/message';
import type { ThingDriver } from './driver';
import type { FaultConfig } from './instrument-config';
import type { InstrumentDefinition, InstrumentModel, SimulationContext } from './instruments/types';
import { toIso, type Now } from '../core/clock';
import { deriveSeed, mulberry32 } from './prng';
import { Thing } from './thing';

export interface SimulatedThingOptions {
  name: string;
  title?: string;
  description?: string;
  instrument: InstrumentDefinition;
  publisher: Publisher;
  seed: number;
  updateHz?: number;
  faults?: FaultConfig;
  retentionMs?: number;
  cancelGraceMs?: number;
  now?: Now;
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * A simulated instrument behind the same ThingDriver interface as remote ones. Its model
 * ticks at `updateHz` with nominal time steps and seeded noise, so the same seed gives the
 * same data. Faults (from config) make the failure modes visible for training and tests:
 * - stall: property messages stop for a while; the connection stays `connected` (a real
 *   stalled stream does not announce itself: the UI must notice by the age of values).
 *   Requests still work. The current values are republished when it ends.
 * - disconnect: `disconnected` (reason, nextAttempt) → `connecting` → `connected`; requests
 *   fail with DISCONNECTED meanwhile, running invocations fail, values are republished after.
 * - actionFailure, slowActions, spikes: see FaultConfig.
 */
export class SimulatedThing implements ThingDriver {
  readonly name: string;
  readonly source = 'simulated' as const;
  readonly origin: string;
  readonly thing: Thing;
  private readonly publisher: Publisher;
  private readonly now: Now;
  private readonly faults: FaultConfig;
  private readonly updateHz: number;
  private readonly model: InstrumentModel;
  private state: ConnectionState;
  private running = false;
  private stopped = false;
  private stalled = false;
  /** The ticker and fault timers of the current run (start → stop): `stop()` disposes it. */
  private run = new DisposableStore();

  constructor(options: SimulatedThingOptions) {
    this.name = options.name;
    this.origin = `simulated:${options.instrument.kind}`;
    this.publisher = options.publisher;
    this.now = options.now ?? Date.now;
    this.faults = options.faults ?? {};
    this.updateHz = options.updateHz ?? options.instrument.defaultUpdateHz;
    this.state = { status: 'disconnected', reason: 'not started', since: toIso(this.now()) };
    const faultRng = mulberry32(deriveSeed(options.seed, options.name, 'faults'));
    this.thing = new Thing({
      name: options.name,
      title: options.title ?? options.instrument.title,
      description: options.description ?? options.instrument.description,
      publisher: options.publisher,
      now: this.now,
      retentionMs: options.retentionMs,
      cancelGraceMs: options.cancelGraceMs,
      canPublishProperties: () => !this.stopped && !this.stalled && this.state.status === 'connected',
      canPublishActions: () => !this.stopped,
      sleepFactor: () => this.faults.slowActions?.factor ?? 1,
      beforeAction: (action) => {
        const failure = this.faults.actionFailure;
        if (!failure || (failure.actions && !failure.actions.includes(action))) return;
        if (faultRng.next() < failure.probability) {
          throw new LabError('DRIVER_FAULT', failure.message ?? `${this.name}.${action} failed: simulated instrument fault`);
        }
      },
    });
    const spikes = this.faults.spikes;
    const sim: SimulationContext = {
      rng: mulberry32(deriveSeed(options.seed, options.name, 'noise')),
      spike: (value, scale) => {
        if (!spikes || faultRng.next() >= spikes.probability) return value;
        return value + (faultRng.next() < 0.5 ? -1 : 1) * scale * spikes.magnitude;
      },
    };
    this.model = options.instrument.create(this.thing, sim);
  }

  describe(): ThingDescription {
    return this.thing.describe();
  }

  connection(): ConnectionState {
    return { ...this.state };
  }

  /** True while a stall fault holds back property messages. */
  isStalled(): boolean {
    return this.stalled;
  }

  async readProperty(property: string): Promise<unknown> {
    const value = this.thing.readProperty(property);
    this.ensureConnected();
    return value;
  }

  async writeProperty(property: string, value: unknown): Promise<void> {
    this.thing.readProperty(property);
    this.ensureConnected();
    this.thing.writeProperty(property, value);
  }

  async invokeAction(action: string, input: unknown): Promise<Invocation> {
    if (!this.thing.hasAction(action)) {
      throw new LabError('NOT_FOUND', `${this.name} has no action "${action}"`);
    }
    this.ensureConnected();
    return this.thing.invokeAction(action, input);
  }

  async cancelInvocation(id: string): Promise<Invocation> {
    this.thing.invocations.get(id);
    this.ensureConnected();
    return this.thing.invocations.cancel(id);
  }

  async getInvocation(id: string): Promise<Invocation> {
    return this.thing.invocations.get(id);
  }

  async listInvocations(): Promise<Invocation[]> {
    return this.thing.invocations.list();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopped = false;
    this.run = new DisposableStore();
    this.setConnection({ status: 'connected' });
    this.thing.publishAll();
    const ticker = setInterval(() => this.model.tick(1 / this.updateHz), 1000 / this.updateHz);
    ticker.unref?.();
    this.run.add(() => clearInterval(ticker));
    this.scheduleFaults();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.run.dispose();
    this.stalled = false;
    const unfinished = (await this.listInvocations()).filter((invocation) => invocation.status === 'pending' || invocation.status === 'running');
    this.thing.invocations.abortAll(new LabError('DISCONNECTED', `${this.name} was stopped`));
    // Let cooperative handlers report their end before going silent (a stubborn one is not waited for).
    let grace: Timer | undefined;
    await Promise.race([
      Promise.all(unfinished.map((invocation) => this.thing.invocations.settled(invocation.id).catch(() => undefined))),
      new Promise<void>((resolve) => (grace = setTimeout(resolve, 1000))),
    ]);
    clearTimeout(grace);
    this.setConnection({ status: 'disconnected', reason: 'stopped' });
    this.stopped = true;
    this.thing.invocations.dispose();
  }

  private ensureConnected(): void {
    if (this.state.status !== 'connected') {
      throw new LabError('DISCONNECTED', `${this.name} is ${this.state.status}${this.state.reason ? ` (${this.state.reason})` : ''}`);
    }
  }

  private setConnection(next: Omit<ConnectionState, 'since'>): void {
    this.state = { ...next, since: toIso(this.now()) };
    if (this.stopped) return;
    this.publisher.publish(
      new Message<ConnectionState>({ thing: this.name, affordance: CONNECTION_AFFORDANCE, messageType: 'property', payload: { ...this.state } }),
    );
  }

  /** A timer of the current run; it leaves the run's store when it fires. */
  private after(seconds: number, run: () => void): void {
    const timer = setTimeout(() => {
      forget();
      if (this.running) run();
    }, seconds * 1000);
    timer.unref?.();
    const forget = this.run.add(() => clearTimeout(timer));
  }

  private scheduleFaults(): void {
    const { stall, disconnect } = this.faults;
    if (stall) {
      const begin = (): void => {
        this.stalled = true;
        this.after(stall.durationSec, () => {
          this.stalled = false;
          if (this.state.status === 'connected') this.thing.publishAll();
        });
        this.after(stall.everySec, begin);
      };
      this.after(stall.firstAfterSec ?? stall.everySec, begin);
    }
    if (disconnect) {
      const drop = (): void => {
        const reason = 'link lost (simulated fault)';
        this.setConnection({
          status: 'disconnected',
          reason,
          nextAttempt: toIso(this.now() + disconnect.downSec * 1000),
        });
        this.thing.invocations.abortAll(new LabError('DISCONNECTED', `${this.name}: ${reason}`));
        this.after(disconnect.downSec, () => {
          this.setConnection({ status: 'connecting', reason: 'reconnecting after link loss' });
          this.after(disconnect.connectingSec, () => {
            this.setConnection({ status: 'connected' });
            if (!this.stalled) this.thing.publishAll();
          });
        });
        this.after(disconnect.everySec, drop);
      };
      this.after(disconnect.firstAfterSec ?? disconnect.everySec, drop);
    }
  }
}
