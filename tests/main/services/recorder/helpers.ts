import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageBroker } from '../../../../src/main/core/broker';
import { systemClock, type Clock } from '../../../../src/main/core/clock';
import { silentLogger, type Logger } from '../../../../src/main/core/logger';
import { Message } from '../../../../src/main/core/message';
import type { ServiceContext } from '../../../../src/main/services/service';
import { ThingRegistry } from '../../../../src/main/things/registry';
import { Recorder, type RecorderOptions } from '../../../../src/main/services/recorder/recorder';

/** A clock whose time the test sets; timers are real. */
export function manualClock(start = Date.parse('2026-03-14T12:00:00.000Z')): Clock & { set(ms: number): void; advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
    set: (ms) => {
      now = ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

export function tempDir(prefix = 'lab-recorder-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Rig {
  broker: MessageBroker;
  registry: ThingRegistry;
  context: ServiceContext;
  recorder: Recorder;
  clock: ReturnType<typeof manualClock>;
  logs: string[];
  publish(thing: string, affordance: string, payload: unknown, messageType?: 'property' | 'action'): void;
}

export function recordingLogger(logs: string[]): Logger {
  const keep = (level: string) => (message: string, ...details: unknown[]) => {
    logs.push(`${level}: ${message}${details.length ? ` ${details.map(String).join(' ')}` : ''}`);
  };
  return { info: keep('info'), warn: keep('warn'), error: keep('error') };
}

export async function startRig(dataDir: string | undefined, options: RecorderOptions = {}, clock = manualClock()): Promise<Rig> {
  const broker = new MessageBroker({ logger: silentLogger });
  const registry = new ThingRegistry(broker);
  const logs: string[] = [];
  const context: ServiceContext = { broker, registry, logger: recordingLogger(logs), clock, dataDir };
  const recorder = new Recorder(context, { batchMs: 50, ...options });
  await recorder.start();
  return {
    broker,
    registry,
    context,
    recorder,
    clock,
    logs,
    publish: (thing, affordance, payload, messageType = 'property') => broker.publish(new Message({ thing, affordance, messageType, payload })),
  };
}
