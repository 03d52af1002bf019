import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LabError } from '../../../src/shared/errors';
import { Invocation } from '../../../src/shared/model';
import { Thing } from '../../../src/main/things/thing';
import { ISO_WITH_ZONE, RecordingPublisher } from './helpers';

interface CountInput {
  steps: number;
}

/** A Thing with a slow cooperative action, a failing one, a stubborn one and a chatty one. */
const makeThing = (publisher: RecordingPublisher, retentionMs?: number) => {
  const thing = new Thing({ name: 'bench', title: 'Bench', publisher, retentionMs });
  const level = thing.addProperty<number>('level', { title: 'Level', schema: { type: 'number' }, initial: 0 });
  thing.addAction<CountInput, number>('count', {
    title: 'Count',
    input: {
      type: 'object',
      properties: { steps: { type: 'integer', minimum: 1, maximum: 100, default: 4 } },
      additionalProperties: false,
    },
    output: { type: 'integer' },
    handler: async ({ steps }, context) => {
      for (let step = 1; step <= steps; step++) {
        await context.sleep(100);
        level.set(step);
        context.progress((step / steps) * 100);
        context.log.info(`step ${step}/${steps}`);
      }
      return steps;
    },
  });
  thing.addAction<null, null>('fail', {
    title: 'Fail',
    handler: async (_input, context) => {
      context.log.warning('about to fail on purpose');
      throw new Error('deliberate failure');
    },
  });
  thing.addAction<null, string>('stubborn', {
    title: 'Ignores cancel',
    handler: async () => {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return 'done anyway';
    },
  });
  thing.addAction<{ lines: number }, null>('chatty', {
    title: 'Chatty',
    input: { type: 'object', properties: { lines: { type: 'integer' } }, required: ['lines'] },
    handler: async ({ lines }, context) => {
      for (let index = 0; index < lines; index++) context.log.debug(`line ${index}`);
      return null;
    },
  });
  thing.addAction<null, number>('fine', {
    title: 'Fine-grained progress',
    output: { type: 'number' },
    handler: async (_input, context) => {
      for (let tenth = 1; tenth <= 1000; tenth++) context.progress(tenth / 10);
      return Number(context.properties.read('level'));
    },
  });
  return thing;
};

const rejection = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LabError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a rejection');
};

describe('action invocations', () => {
  let publisher: RecordingPublisher;
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-11-25T06:12:03.123Z') });
    publisher = new RecordingPublisher();
  });
  afterEach(() => vi.useRealTimers());

  it('runs pending → running → completed with progress, log, output and zoned timestamps', async () => {
    const thing = makeThing(publisher);
    const created = thing.invokeAction('count', { steps: 4 });
    expect(created.status).toBe('pending');
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.timeRequested).toMatch(ISO_WITH_ZONE);
    await vi.advanceTimersByTimeAsync(1000);

    const done = thing.invocations.get(created.id);
    expect(Invocation.parse(done)).toEqual(done);
    expect(done).toMatchObject({ status: 'completed', output: 4, progress: 100, error: null, input: { steps: 4 } });
    for (const time of [done.timeRequested, done.timeStarted, done.timeCompleted]) expect(time).toMatch(ISO_WITH_ZONE);
    expect(done.log.map((record) => record.message)).toEqual(['step 1/4', 'step 2/4', 'step 3/4', 'step 4/4']);

    const events = publisher.actionEvents('bench', 'count');
    const statuses = events.map((event) => event.invocation.status);
    expect(statuses[0]).toBe('pending');
    expect(statuses[1]).toBe('running');
    expect(statuses.at(-1)).toBe('completed');
    expect(new Set(statuses)).toEqual(new Set(['pending', 'running', 'completed']));
    // Every log line went out exactly once, in order, across the messages.
    expect(events.flatMap((event) => event.newLog.map((record) => record.message))).toEqual(done.log.map((record) => record.message));
    expect(events.every((event) => !('log' in event.invocation))).toBe(true);
    expect(events.every((event) => event.invocation.id === created.id)).toBe(true);
  });

  it('fills schema defaults and refuses bad input before creating an invocation', async () => {
    const thing = makeThing(publisher);
    const created = thing.invokeAction('count', {});
    expect(created.input).toEqual({ steps: 4 });
    expect(() => thing.invokeAction('count', { steps: 0 })).toThrow('count input.steps: must be >= 1 (minimum)');
    expect(() => thing.invokeAction('count', { steps: 2, speed: 1 })).toThrow('count input: has no field "speed" (additionalProperties)');
    expect(() => thing.invokeAction('chatty', {})).toThrow('chatty input: "lines" is required (required)');
    expect(() => thing.invokeAction('fail', { x: 1 })).toThrow('fail input: fail takes no input');
    expect(thing.invokeAction('fail', null).input).toBeNull();
    expect(thing.invokeAction('fail', undefined).input).toBeNull();
    expect(thing.invokeAction('fail', {}).input).toBeNull();
    expect(thing.invocations.list()).toHaveLength(4);
  });

  it('publishes progress only when the integer percent changes', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('fine', null);
    await vi.advanceTimersByTimeAsync(0);
    const progressEvents = publisher.actionEvents('bench', 'fine').filter((event) => event.invocation.status === 'running');
    // running (null progress) + one per whole percent 0..100
    expect(progressEvents.length).toBeLessThanOrEqual(102);
    expect(progressEvents.length).toBeGreaterThanOrEqual(100);
    expect(thing.invocations.get(id).status).toBe('completed');
  });

  it('cancels a running invocation cooperatively', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('count', { steps: 10 });
    await vi.advanceTimersByTimeAsync(250);
    expect(thing.invocations.get(id).status).toBe('running');
    const cancelled = await thing.invocations.cancel(id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.progress).toBe(20);
    expect(cancelled.timeCompleted).toMatch(ISO_WITH_ZONE);
    expect(cancelled.log.map((record) => record.message)).toEqual(['step 1/10', 'step 2/10', 'cancel requested', 'cancelled']);
    expect(thing.readProperty('level')).toBe(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(thing.readProperty('level')).toBe(2);
    expect(publisher.actionEvents('bench', 'count').at(-1)?.invocation.status).toBe('cancelled');
  });

  it('cancels a pending invocation before its handler runs', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('count', { steps: 3 });
    const cancelled = await thing.invocations.cancel(id);
    expect(cancelled).toMatchObject({ status: 'cancelled', timeStarted: null });
    expect(thing.readProperty('level')).toBe(0);
  });

  it('refuses to cancel a finished invocation (CONFLICT) and tells unknown ids apart (NOT_FOUND)', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('count', { steps: 1 });
    await vi.advanceTimersByTimeAsync(200);
    expect(await rejection(thing.invocations.cancel(id))).toBe(`CONFLICT: invocation ${id} already completed`);
    const unknown = '00000000-0000-0000-0000-000000000000';
    expect(await rejection(thing.invocations.cancel(unknown))).toBe(`NOT_FOUND: no invocation with id ${unknown} on bench`);
    expect(() => thing.invocations.get(unknown)).toThrow(/NOT_FOUND|no invocation/);
  });

  it('turns a throwing handler into status error with problem details and logs the error', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('fail', null);
    await vi.advanceTimersByTimeAsync(0);
    const failed = thing.invocations.get(id);
    expect(failed.status).toBe('error');
    expect(failed.error).toEqual({ title: 'Error', detail: 'deliberate failure', status: 500 });
    expect(failed.log.map((record) => [record.level, record.message])).toEqual([
      ['warning', 'about to fail on purpose'],
      ['error', 'failed: deliberate failure'],
    ]);
    expect(publisher.actionEvents('bench', 'fail').at(-1)?.invocation.error?.detail).toBe('deliberate failure');
    expect(await rejection(thing.invocations.cancel(id))).toBe(`CONFLICT: invocation ${id} already failed`);
  });

  it('marks a handler that ignores the signal cancelled only when it returns', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('stubborn', null);
    await vi.advanceTimersByTimeAsync(100);
    const answer = thing.invocations.cancel(id);
    await vi.advanceTimersByTimeAsync(1000);
    expect((await answer).status).toBe('running');
    await vi.advanceTimersByTimeAsync(4000);
    expect(thing.invocations.get(id)).toMatchObject({ status: 'cancelled', output: 'done anyway' });
  });

  it('keeps at most 1000 log records per invocation, dropping the oldest', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('chatty', { lines: 1500 });
    await vi.advanceTimersByTimeAsync(0);
    const { log } = thing.invocations.get(id);
    expect(log).toHaveLength(1000);
    expect(log[0]?.message).toBe('line 500');
    expect(log.at(-1)?.message).toBe('line 1499');
  });

  it('removes finished invocations after the retention period, not before', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('count', { steps: 1 });
    await vi.advanceTimersByTimeAsync(100);
    expect(thing.invocations.get(id).status).toBe('completed');
    await vi.advanceTimersByTimeAsync(299_000);
    expect(thing.invocations.list().map((invocation) => invocation.id)).toEqual([id]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(thing.invocations.list()).toEqual([]);
    expect(() => thing.invocations.get(id)).toThrow(LabError);
  });

  it('honours a configured retention period and keeps running invocations', async () => {
    const thing = makeThing(publisher, 5_000);
    const short = thing.invokeAction('count', { steps: 1 });
    const long = thing.invokeAction('count', { steps: 100 });
    await vi.advanceTimersByTimeAsync(5_200);
    expect(thing.invocations.list().map((invocation) => invocation.id)).toEqual([long.id]);
    expect(() => thing.invocations.get(short.id)).toThrow(/no invocation/);
  });

  it('fails unfinished invocations when aborted by a fault', async () => {
    const thing = makeThing(publisher);
    const { id } = thing.invokeAction('count', { steps: 10 });
    await vi.advanceTimersByTimeAsync(150);
    thing.invocations.abortAll(new LabError('DISCONNECTED', 'bench: link lost'));
    const failed = await thing.invocations.settled(id);
    expect(failed.status).toBe('error');
    expect(failed.error).toEqual({ title: 'DISCONNECTED', detail: 'bench: link lost', status: 503 });
  });
});
