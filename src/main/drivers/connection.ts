import type { ConnectionState, ConnectionStatus } from '../../shared/model';
import { CONNECTION_AFFORDANCE } from '../../shared/model';
import { Message, type Publisher } from '../core/message';
import type { Clock } from '../core/clock';
import { toIso } from '../core/clock';

/**
 * Holds one Thing's connection state and publishes it on (thing, '$connection') at every
 * change. The state change is the gap marker: charts break their lines between a
 * `disconnected` and the next `connected`.
 */
export class ConnectionTracker {
  private state: ConnectionState;

  constructor(
    private readonly thing: string,
    private readonly publisher: Publisher | undefined,
    private readonly clock: Clock,
  ) {
    this.state = { status: 'disconnected', reason: 'not started', since: toIso(clock.now()) };
  }

  get current(): ConnectionState {
    return this.state;
  }

  set(status: ConnectionStatus, reason?: string, nextAttemptMs?: number): void {
    const next: ConnectionState = { status, since: toIso(this.clock.now()) };
    if (reason !== undefined) next.reason = reason;
    if (nextAttemptMs !== undefined) next.nextAttempt = toIso(this.clock.now() + nextAttemptMs);
    const same =
      next.status === this.state.status && next.reason === this.state.reason && next.nextAttempt === this.state.nextAttempt;
    if (same) return;
    this.state = next;
    this.publisher?.publish(
      new Message({ thing: this.thing, affordance: CONNECTION_AFFORDANCE, messageType: 'property', payload: next }),
    );
  }
}
