import { ActionEventPayload, ConnectionState, CONNECTION_AFFORDANCE } from '../../../src/shared/model';
import type { Message, Publisher } from '../../../src/main/core/message';

/** A Publisher fake that keeps every message, in order. */
export class RecordingPublisher implements Publisher {
  readonly messages: Message[] = [];

  publish(message: Message): void {
    this.messages.push(message);
  }

  clear(): void {
    this.messages.length = 0;
  }

  on(thing: string, affordance: string): Message[] {
    return this.messages.filter((message) => message.thing === thing && message.affordance === affordance);
  }

  values(thing: string, affordance: string): unknown[] {
    return this.on(thing, affordance).map((message) => message.payload);
  }

  numbers(thing: string, affordance: string): number[] {
    return this.values(thing, affordance).filter((value): value is number => typeof value === 'number');
  }

  properties(thing: string): Message[] {
    return this.messages.filter((message) => message.thing === thing && message.messageType === 'property' && message.affordance !== CONNECTION_AFFORDANCE);
  }

  actionEvents(thing: string, action: string): ActionEventPayload[] {
    return this.on(thing, action)
      .filter((message) => message.messageType === 'action')
      .map((message) => ActionEventPayload.parse(message.payload));
  }

  connections(thing: string): ConnectionState[] {
    return this.values(thing, CONNECTION_AFFORDANCE).map((payload) => ConnectionState.parse(payload));
  }
}

/** ISO-8601 with an explicit zone (Z or ±hh:mm). */
export const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
