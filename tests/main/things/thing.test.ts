import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LabError } from '../../../src/shared/errors';
import { Thing } from '../../../src/main/things/thing';
import { RecordingPublisher } from './helpers';

const makeThing = (publisher: RecordingPublisher) => {
  const thing = new Thing({ name: 'oven', title: 'Oven', publisher });
  const temperature = thing.addProperty<number>('temperature', {
    title: 'Temperature',
    schema: { type: 'number', unit: 'degC' },
    readOnly: true,
    initial: 20,
  });
  const setpoint = thing.addProperty<number>('setpoint', {
    title: 'Setpoint',
    schema: { type: 'number', unit: 'degC', minimum: 0, maximum: 200 },
    initial: 25,
  });
  thing.addProperty<string>('mode', { title: 'Mode', schema: { type: 'string', enum: ['auto', 'manual'] }, initial: 'auto' });
  const serial = thing.addProperty<string>('serial', {
    title: 'Serial',
    schema: { type: 'string' },
    readOnly: true,
    observable: false,
    initial: 'A1',
  });
  return { thing, temperature, setpoint, serial };
};

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (error instanceof LabError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return undefined;
};

describe('Thing properties', () => {
  let publisher: RecordingPublisher;
  beforeEach(() => {
    publisher = new RecordingPublisher();
  });
  afterEach(() => vi.useRealTimers());

  it('accepts a valid write, stores it and publishes a property message with the value', () => {
    const { thing } = makeThing(publisher);
    thing.writeProperty('setpoint', 150);
    expect(thing.readProperty('setpoint')).toBe(150);
    const [message] = publisher.on('oven', 'setpoint');
    expect(message).toMatchObject({ thing: 'oven', affordance: 'setpoint', messageType: 'property', payload: 150 });
  });

  it('publishes every write, even one that does not change the value', () => {
    const { thing } = makeThing(publisher);
    thing.writeProperty('setpoint', 25);
    thing.writeProperty('setpoint', 25);
    expect(publisher.values('oven', 'setpoint')).toEqual([25, 25]);
  });

  it('refuses out-of-range values naming the property and the constraint', () => {
    const { thing } = makeThing(publisher);
    expect(codeOf(() => thing.writeProperty('setpoint', 201))).toBe('INVALID_ARGUMENT: setpoint: must be <= 200 (maximum)');
    expect(codeOf(() => thing.writeProperty('setpoint', -1))).toBe('INVALID_ARGUMENT: setpoint: must be >= 0 (minimum)');
    expect(codeOf(() => thing.writeProperty('setpoint', '50'))).toBe('INVALID_ARGUMENT: setpoint: must be number (type)');
    expect(codeOf(() => thing.writeProperty('mode', 'turbo'))).toBe('INVALID_ARGUMENT: mode: must be one of "auto", "manual" (enum)');
    expect(thing.readProperty('setpoint')).toBe(25);
    expect(publisher.messages).toHaveLength(0);
  });

  it('refuses writes to read-only properties', () => {
    const { thing } = makeThing(publisher);
    expect(codeOf(() => thing.writeProperty('temperature', 30))).toBe('READ_ONLY: oven.temperature is read-only');
    expect(thing.readProperty('temperature')).toBe(20);
  });

  it('answers NOT_FOUND for unknown properties and actions', () => {
    const { thing } = makeThing(publisher);
    expect(codeOf(() => thing.readProperty('pressure'))).toBe('NOT_FOUND: oven has no property "pressure"');
    expect(codeOf(() => thing.writeProperty('pressure', 1))).toMatch(/^NOT_FOUND/);
    expect(codeOf(() => thing.invokeAction('explode', {}))).toBe('NOT_FOUND: oven has no action "explode"');
  });

  it('publishes internal changes of observable properties only when the value changes', () => {
    const { temperature, serial } = makeThing(publisher);
    temperature.set(21);
    temperature.set(21);
    temperature.set(22);
    serial.set('B2');
    expect(publisher.values('oven', 'temperature')).toEqual([21, 22]);
    expect(publisher.on('oven', 'serial')).toHaveLength(0);
  });

  it('fails fast when an initial value breaks its own schema', () => {
    const thing = new Thing({ name: 't', title: 'T', publisher });
    expect(() => thing.addProperty<number>('p', { title: 'P', schema: { type: 'number', maximum: 1 }, initial: 2 })).toThrow(
      /initial value of p: must be <= 1/,
    );
  });

  it('gates property messages when the owner says so', () => {
    let open = false;
    const thing = new Thing({ name: 'g', title: 'G', publisher, canPublishProperties: () => open });
    const value = thing.addProperty<number>('v', { title: 'V', schema: { type: 'number' }, initial: 0 });
    value.set(1);
    open = true;
    value.set(2);
    expect(publisher.values('g', 'v')).toEqual([2]);
    thing.publishAll();
    expect(publisher.values('g', 'v')).toEqual([2, 2]);
  });
});

describe('exclusive actions', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a second action of the same group while one runs, and accepts it once that finished', async () => {
    const thing = new Thing({ name: 'stage', title: 'Stage', publisher: new RecordingPublisher() });
    const slow = (ms: number) => async (_input: null, context: { sleep(ms: number): Promise<void> }) => {
      await context.sleep(ms);
      return null;
    };
    thing.addAction<null, null>('move', { title: 'Move', exclusive: 'motion', handler: slow(1000) });
    thing.addAction<null, null>('home', { title: 'Home', exclusive: 'motion', handler: slow(10) });
    thing.addAction<null, null>('blink', { title: 'Blink', handler: slow(10) });
    const move = thing.invokeAction('move', null);
    expect(codeOf(() => thing.invokeAction('home', null))).toBe(
      `CONFLICT: stage.home: move is already running (invocation ${move.id}); wait for it or cancel it first`,
    );
    // Other actions are not held up.
    expect(thing.invokeAction('blink', null).status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1100);
    expect(thing.invokeAction('home', null).status).toBe('pending');
  });
});
