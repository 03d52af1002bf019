import type { MessageType } from '../../shared/model';

export type { MessageType };

export interface MessageInit<P = unknown> {
  thing: string;
  affordance: string;
  messageType: MessageType;
  payload: P;
}

const describe = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
};

/**
 * A pub/sub event, as labthings-fastapi's `Message`: which Thing and affordance it comes
 * from, whether that is a property or an action, and its payload (kept by reference).
 * Validated on construction, so a broken producer fails where it is, not in a subscriber.
 */
export class Message<P = unknown> {
  readonly thing: string;
  readonly affordance: string;
  readonly messageType: MessageType;
  readonly payload: P;

  constructor(init: MessageInit<P>) {
    if (typeof init?.thing !== 'string') {
      throw new TypeError(`Message field "thing" must be a string, got ${describe(init?.thing)}`);
    }
    if (typeof init.affordance !== 'string') {
      throw new TypeError(`Message field "affordance" must be a string, got ${describe(init.affordance)}`);
    }
    if (init.messageType !== 'property' && init.messageType !== 'action') {
      throw new TypeError(
        `Message field "messageType" must be "property" or "action", got ${describe(init.messageType)}`,
      );
    }
    this.thing = init.thing;
    this.affordance = init.affordance;
    this.messageType = init.messageType;
    this.payload = init.payload;
  }
}

/** What a producer needs of the broker: publish never awaits a subscriber. */
export interface Publisher {
  publish(message: Message): void;
}

