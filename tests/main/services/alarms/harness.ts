import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, vi } from 'vitest';
import type { AlarmRuleInput, AlarmTransition } from '../../../../src/shared/alarms';
import { ALARM_AFFORDANCE, ANY_AFFORDANCE, ANY_THING, CONNECTION_AFFORDANCE, type ConnectionStatus } from '../../../../src/shared/model';
import { MessageBroker } from '../../../../src/main/core/broker';
import { systemClock } from '../../../../src/main/core/clock';
import { silentLogger, type Logger } from '../../../../src/main/core/logger';
import { Message } from '../../../../src/main/core/message';
import type { MessageSendStream } from '../../../../src/main/core/streams';
import { AlarmService, type AlarmNotification, type AlarmServiceOptions } from '../../../../src/main/services/alarms';
import { ThingRegistry } from '../../../../src/main/things/registry';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'lab-alarms-'));

/** Harnesses not stopped yet: each test's are stopped after it. */
const running = new Set<{ stop(): Promise<void> }>();

/** For a test file: fake timers from `now` in each test, and every harness it made stopped after it. */
export function useAlarmTestClock(now = '2026-03-01T10:00:00Z'): void {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date(now) });
  });
  afterEach(async () => {
    for (const harness of [...running]) await harness.stop();
    vi.useRealTimers();
  });
}

/** A broker, an empty registry and an alarm service; values are published as a Thing would. */
export async function makeAlarms(options: { dataDir?: string; rules?: Record<string, AlarmRuleInput[]>; logger?: Logger; service?: AlarmServiceOptions } = {}) {
  const broker = new MessageBroker({ logger: silentLogger });
  const registry = new ThingRegistry(broker);
  const service = new AlarmService(
    { broker, registry, logger: options.logger ?? silentLogger, clock: systemClock, dataDir: options.dataDir },
    { snapshotIntervalMs: 0, ...options.service },
  );
  const transitions: AlarmTransition[] = [];
  const notifications: AlarmNotification[] = [];
  const sink: MessageSendStream = {
    sendNowait: (message) => {
      if (message.affordance === ALARM_AFFORDANCE) transitions.push(message.payload as AlarmTransition);
    },
  };
  const stopListening = broker.subscribe(ANY_THING, ANY_AFFORDANCE, sink);
  service.onNotify((notification) => notifications.push(notification));
  await service.start();
  for (const [thing, rules] of Object.entries(options.rules ?? {})) await service.setRules(thing, rules, 'tester');
  transitions.length = 0;
  const value = (thing: string, property: string, payload: unknown): void =>
    broker.publish(new Message({ thing, affordance: property, messageType: 'property', payload }));
  const connection = (thing: string, status: ConnectionStatus, reason?: string): void =>
    broker.publish(new Message({ thing, affordance: CONNECTION_AFFORDANCE, messageType: 'property', payload: { status, reason, since: new Date().toISOString() } }));
  const alarm = (id: string) => {
    const found = service.list().find((each) => each.id === id);
    if (!found) throw new Error(`no alarm ${id}`);
    return found;
  };
  const harness = {
    broker,
    registry,
    service,
    transitions,
    notifications,
    value,
    connection,
    alarm,
    events: () => transitions.map((each) => `${each.event}:${each.state}`),
    async stop() {
      running.delete(harness);
      stopListening();
      await service.stop();
      void sink;
    },
  };
  running.add(harness);
  return harness;
}
