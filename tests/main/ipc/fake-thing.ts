import { LabError } from '../../../src/shared/errors';
import type { ConnectionState, Invocation, ThingDescription } from '../../../src/shared/model';
import { Message, type Publisher } from '../../../src/main/core/message';
import type { ThingDriver } from '../../../src/main/things/driver';

/** A minimal Thing for transport tests: one writable number property and one action. */
export class FakeThing implements ThingDriver {
  readonly source = 'simulated' as const;
  readonly origin = 'test';
  value = 20;
  started = false;
  stopped = false;
  private readonly invocations = new Map<string, Invocation>();

  constructor(
    readonly name: string,
    private readonly publisher: Publisher,
  ) {}

  describe(): ThingDescription {
    return {
      '@context': 'https://www.w3.org/2022/wot/td/v1.1',
      title: `Fake ${this.name}`,
      properties: { level: { type: 'number', forms: [{ href: 'level' }] } },
      actions: { run: { forms: [{ href: 'run' }] } },
      securityDefinitions: { nosec: { scheme: 'nosec' } },
      security: 'nosec',
    };
  }

  connection(): ConnectionState {
    return { status: 'connected', since: '2026-01-01T00:00:00Z' };
  }

  async readProperty(property: string): Promise<unknown> {
    if (property !== 'level') throw new LabError('NOT_FOUND', `no property "${property}"`);
    return this.value;
  }

  async writeProperty(property: string, value: unknown): Promise<void> {
    if (property !== 'level') throw new LabError('NOT_FOUND', `no property "${property}"`);
    if (typeof value !== 'number') throw new LabError('INVALID_ARGUMENT', 'level must be a number');
    this.value = value;
    this.emit(value);
  }

  emit(value: unknown): void {
    this.publisher.publish(new Message({ thing: this.name, affordance: 'level', messageType: 'property', payload: value }));
  }

  async invokeAction(action: string, input: unknown): Promise<Invocation> {
    if (action === 'explode') throw new Error('boom');
    const invocation: Invocation = {
      id: `inv-${this.invocations.size + 1}`,
      thing: this.name,
      action,
      status: 'completed',
      progress: 100,
      timeRequested: '2026-01-01T00:00:00Z',
      timeStarted: '2026-01-01T00:00:00Z',
      timeCompleted: '2026-01-01T00:00:01Z',
      input,
      output: null,
      log: [],
      error: null,
    };
    this.invocations.set(invocation.id, invocation);
    return invocation;
  }

  async cancelInvocation(id: string): Promise<Invocation> {
    return this.getInvocation(id);
  }

  async getInvocation(id: string): Promise<Invocation> {
    const invocation = this.invocations.get(id);
    if (!invocation) throw new LabError('NOT_FOUND', `no invocation "${id}"`);
    return invocation;
  }

  async listInvocations(): Promise<Invocation[]> {
    return [...this.invocations.values()];
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }
}
