import type { Disposer } from '../../shared/disposable';
import type { Publisher } from './message';
import type { MessageSendStream } from './streams';

/** What a consumer needs of the broker; `subscribe` returns the disposer. */
export interface Subscribable {
  subscribe(thing: string, affordance: string, stream: MessageSendStream): Disposer;
  unsubscribe(thing: string, affordance: string, stream: MessageSendStream): void;
}

/** Both sides: what the composition root hands to Things, drivers and services. */
export interface BrokerPort extends Publisher, Subscribable {}
