import type { Message, Publisher } from '../../../src/main/core/message';
import type { Logger } from '../../../src/main/core/logger';
import { ConnectionState } from '../../../src/shared/model';
import { CONNECTION_AFFORDANCE } from '../../../src/shared/model';

/** Keeps every published message, for assertions. */
export class RecordingPublisher implements Publisher {
  readonly messages: Message[] = [];
  publish(message: Message): void {
    this.messages.push(message);
  }
  values(thing: string, affordance: string): unknown[] {
    return this.messages.filter((m) => m.thing === thing && m.affordance === affordance).map((m) => m.payload);
  }
  states(thing: string): ConnectionState[] {
    return this.values(thing, CONNECTION_AFFORDANCE).map((payload) => ConnectionState.parse(payload));
  }
  statuses(thing: string): string[] {
    return this.states(thing).map((state) => state.status);
  }
}

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void {
    this.lines.push(`info ${message}`);
  }
  warn(message: string): void {
    this.lines.push(`warn ${message}`);
  }
  error(message: string): void {
    this.lines.push(`error ${message}`);
  }
}

/** Polls until the check passes (or throws its last failure after the timeout). */
export async function until<T>(check: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const fastBackoff = { initialMs: 20, maxMs: 100, random: () => 1 - Number.EPSILON };
