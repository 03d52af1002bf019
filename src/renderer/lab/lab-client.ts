import type { CallChannel, CallRequest, CallResponse, Credentials, LabApi, LiveBatch } from '../../shared/contract';
import type { Disposer } from '../../shared/disposable';
import { once } from '../../shared/disposable';
import type { Result } from '../../shared/errors';
import { liveKey } from '../store/keys';

export interface LiveSubscriptionError {
  thing: string;
  affordance: string;
  message: string;
}

/**
 * The renderer's one door to the host. Live subscriptions are ref-counted: many widgets on
 * one key make one lab:live:subscribe call, and the last release makes the unsubscribe.
 */
export class LabClient {
  private readonly refs = new Map<string, { thing: string; affordance: string; count: number }>();

  constructor(
    readonly api: LabApi,
    private readonly onSubscribeError: (error: LiveSubscriptionError) => void = () => {},
  ) {}

  get host(): LabApi['host'] {
    return this.api.host;
  }

  call<C extends CallChannel>(channel: C, request: CallRequest<C>): Promise<Result<CallResponse<C>>> {
    return this.api.call(channel, request);
  }

  onLiveBatch(listener: (batch: LiveBatch) => void): Disposer {
    return this.api.onLiveBatch(listener);
  }

  /** Holds a live subscription on (thing, affordance) until the returned disposer runs. */
  subscribe(thing: string, affordance: string): Disposer {
    const key = liveKey(thing, affordance);
    const entry = this.refs.get(key);
    if (entry) entry.count += 1;
    else {
      this.refs.set(key, { thing, affordance, count: 1 });
      void this.send('lab:live:subscribe', thing, affordance);
    }
    return once(() => this.release(key));
  }

  /** How many holders a key has (0 when not subscribed). */
  refCount(thing: string, affordance: string): number {
    return this.refs.get(liveKey(thing, affordance))?.count ?? 0;
  }

  private release(key: string): void {
    const entry = this.refs.get(key);
    if (!entry) return;
    entry.count -= 1;
    if (entry.count > 0) return;
    this.refs.delete(key);
    void this.send('lab:live:unsubscribe', entry.thing, entry.affordance);
  }

  private async send(channel: 'lab:live:subscribe' | 'lab:live:unsubscribe', thing: string, affordance: string): Promise<void> {
    const result = await this.api.call(channel, { thing, affordance });
    if (!result.ok) this.onSubscribeError({ thing, affordance, message: `${result.error.code}: ${result.error.message}` });
  }

  // Typed wrappers, so components never spell channel names.
  listThings = () => this.call('lab:things:list', {});
  clientInfo = () => this.call('lab:client:info', {});
  describe = (thing: string) => this.call('lab:things:describe', { thing });
  read = (thing: string, property: string) => this.call('lab:property:read', { thing, property });
  write = (thing: string, property: string, value: unknown) => this.call('lab:property:write', { thing, property, value });
  invoke = (thing: string, action: string, input: unknown) => this.call('lab:action:invoke', { thing, action, input });
  cancel = (thing: string, id: string) => this.call('lab:action:cancel', { thing, id });
  listInvocations = (thing?: string) => this.call('lab:invocations:list', thing === undefined ? {} : { thing });
  getInvocation = (thing: string, id: string) => this.call('lab:invocations:get', { thing, id });
  listInstruments = () => this.call('lab:instruments:list', {});
  addInstrument = (url: string, credentials?: Credentials) =>
    this.call('lab:instruments:add', credentials === undefined ? { url } : { url, credentials });
  removeInstrument = (id: string) => this.call('lab:instruments:remove', { id });
}
