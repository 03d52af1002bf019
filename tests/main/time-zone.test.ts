import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareIso } from '../../src/shared/time';
import { toIso } from '../../src/main/core/clock';
import { normaliseTimestamp } from '../../src/main/drivers/time';
import { ConnectionTracker } from '../../src/main/drivers/connection';
import { createLabCore } from '../../src/main/app/lab-core';
import type { ThingDriver } from '../../src/main/things/driver';
import type { Invocation } from '../../src/shared/model';

// Every time that crosses a module boundary is UTC with `Z`, and ordering uses the instant,
// whatever zone the machine is in. Node reads TZ again when it changes.
const ISO_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
let savedTz: string | undefined;
beforeAll(() => {
  savedTz = process.env.TZ;
  process.env.TZ = 'America/New_York';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('times with TZ=America/New_York', () => {
  it('runs in New York time (the check below is meaningful)', () => {
    expect(new Date('2025-01-15T12:00:00Z').getTimezoneOffset()).toBe(300);
  });

  it('drivers write UTC with Z: naive peer times are local, offsets are kept exact', () => {
    expect(normaliseTimestamp('2025-01-15T07:00:00')).toBe('2025-01-15T12:00:00.000Z');
    expect(normaliseTimestamp('2025-01-15T07:00:00-05:00')).toBe('2025-01-15T12:00:00.000Z');
    expect(toIso(Date.UTC(2025, 0, 15, 12))).toMatch(ISO_Z);
    const tracker = new ConnectionTracker('x', undefined, { now: () => Date.UTC(2025, 0, 15, 12), setTimeout: () => 0, clearTimeout: () => undefined });
    expect(tracker.current.since).toMatch(ISO_Z);
  });

  it('orders by the instant, not the string', () => {
    const times = ['2025-01-15T09:00:00.000Z', '2025-01-15T05:30:00-05:00', '2025-01-15T11:00:00+02:00'];
    // As strings 05:30 < 09:00 < 11:00; as instants 11:00+02 (09:00Z) ties, 05:30-05 is 10:30Z.
    expect([...times].sort(compareIso)).toEqual(['2025-01-15T09:00:00.000Z', '2025-01-15T11:00:00+02:00', '2025-01-15T05:30:00-05:00']);
  });

  it('lists every invocation of every Thing oldest first by instant', async () => {
    const invocation = (id: string, timeRequested: string): Invocation => ({
      id,
      thing: 'peer',
      action: 'go',
      status: 'completed',
      input: null,
      output: null,
      log: [],
      timeRequested,
      timeStarted: null,
      timeCompleted: null,
      href: null,
      error: null,
    } as unknown as Invocation);
    const peer = {
      name: 'peer',
      source: 'wot',
      describe: () => ({ title: 'peer', properties: {}, actions: {} }),
      connection: () => ({ status: 'connected', since: toIso(0) }),
      listInvocations: async () => [invocation('late', '2025-01-15T06:00:00-05:00'), invocation('early', '2025-01-15T10:00:00Z')],
      start: async () => undefined,
      stop: async () => undefined,
    } as unknown as ThingDriver;
    const core = await createLabCore({ things: () => [peer], instruments: false });
    try {
      const result = await core.handleCall('lab:invocations:list', {});
      expect(result.ok).toBe(true);
      expect(result.ok && (result.value as Invocation[]).map((i) => i.id)).toEqual(['early', 'late']);
    } finally {
      await core.dispose();
    }
  });
});
