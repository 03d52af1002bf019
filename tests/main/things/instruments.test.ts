import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { loadInstrumentConfig } from '../../../src/main/things/instrument-config';
import type { SimulatedThing } from '../../../src/main/things/simulated-thing';
import { createSimulatedThings } from '../../../src/main/things/simulated-things';
import { RecordingPublisher } from './helpers';

const numberOf = async (thing: SimulatedThing, property: string): Promise<number> => {
  const value = await thing.readProperty(property);
  if (typeof value !== 'number') throw new Error(`${property} is not a number: ${String(value)}`);
  return value;
};

describe('simulated instruments', () => {
  let publisher: RecordingPublisher;
  let things: Map<string, SimulatedThing>;
  const get = (name: string): SimulatedThing => {
    const thing = things.get(name);
    if (!thing) throw new Error(`no ${name}`);
    return thing;
  };

  beforeEach(async () => {
    vi.useFakeTimers({ now: new Date('2026-11-25T06:00:00.000Z') });
    publisher = new RecordingPublisher();
    const list = createSimulatedThings(loadInstrumentConfig('config/instruments.json'), publisher);
    things = new Map(list.map((thing) => [thing.name, thing]));
    for (const thing of list) await thing.start();
  });
  afterEach(async () => {
    for (const thing of things.values()) await thing.stop();
    vi.useRealTimers();
  });

  describe('thermo', () => {
    it('moves noticeably toward a new setpoint within a few seconds and settles stable', async () => {
      const thermo = get('thermo');
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await numberOf(thermo, 'temperature')).toBeCloseTo(25, 0);
      await thermo.writeProperty('setpoint', 80);
      expect(await thermo.readProperty('stable')).toBe(false);
      await vi.advanceTimersByTimeAsync(3000);
      expect(await numberOf(thermo, 'temperature')).toBeGreaterThan(45);
      expect(await numberOf(thermo, 'heaterPower')).toBeGreaterThan(20);
      await vi.advanceTimersByTimeAsync(17_000);
      expect(Math.abs((await numberOf(thermo, 'temperature')) - 80)).toBeLessThan(0.5);
      expect(await thermo.readProperty('stable')).toBe(true);
      const published = publisher.numbers('thermo', 'temperature');
      expect(published.length).toBeGreaterThan(250);
    });

    it('rampTo reports progress and logs, and a cancel leaves the setpoint where the ramp got to', async () => {
      const thermo = get('thermo');
      const done = await thermo.invokeAction('rampTo', { target: 27, ratePerMin: 120 });
      await vi.advanceTimersByTimeAsync(1100);
      expect(await thermo.getInvocation(done.id)).toMatchObject({ status: 'completed', progress: 100, output: { setpoint: 27 } });
      expect((await thermo.getInvocation(done.id)).log.length).toBeGreaterThanOrEqual(3);

      const ramp = await thermo.invokeAction('rampTo', { target: 87, ratePerMin: 60 });
      await vi.advanceTimersByTimeAsync(30_000);
      const cancelled = await thermo.cancelInvocation(ramp.id);
      expect(cancelled.status).toBe('cancelled');
      const setpoint = await numberOf(thermo, 'setpoint');
      expect(setpoint).toBeGreaterThan(55);
      expect(setpoint).toBeLessThan(59);
      expect(cancelled.progress).toBeCloseTo(50, 0);
      await vi.advanceTimersByTimeAsync(5000);
      expect(await numberOf(thermo, 'setpoint')).toBe(setpoint);
      const progress = publisher.actionEvents('thermo', 'rampTo').filter((event) => event.invocation.id === ramp.id);
      expect(progress.length).toBeGreaterThan(40);
      expect(progress.length).toBeLessThan(120);
    });

    it('refuses a setpoint above 200 degC', async () => {
      await expect(get('thermo').writeProperty('setpoint', 250)).rejects.toThrow('setpoint: must be <= 200 (maximum)');
      await expect(get('thermo').invokeAction('rampTo', { target: 250 })).rejects.toThrow('rampTo input.target: must be <= 200 (maximum)');
    });
  });

  describe('stage', () => {
    it('a long moveTo takes more than 10 s; cancel stops the stage where it is', async () => {
      const stage = get('stage');
      const move = await stage.invokeAction('moveTo', { x: 20_000, y: 0, z: 0 });
      await vi.advanceTimersByTimeAsync(5000);
      expect(await stage.readProperty('moving')).toBe(true);
      expect(publisher.values('stage', 'moving')).toContain(true);
      const cancelled = await stage.cancelInvocation(move.id);
      expect(cancelled.status).toBe('cancelled');
      const stoppedAt = z.object({ x: z.number(), y: z.number(), z: z.number() }).parse(cancelled.output);
      expect(stoppedAt.x).toBeGreaterThan(4500);
      expect(stoppedAt.x).toBeLessThan(5500);
      expect(cancelled.progress).toBeCloseTo(25, 0);
      await vi.advanceTimersByTimeAsync(3000);
      expect(await stage.readProperty('moving')).toBe(false);
      expect(Math.abs((await numberOf(stage, 'x')) - stoppedAt.x)).toBeLessThan(0.2);
      expect(cancelled.log.some((record) => record.message.startsWith('stopped at'))).toBe(true);
    });

    it('completes moves, refuses a second move while busy, and homes', async () => {
      const stage = get('stage');
      await stage.writeProperty('speed', 5000);
      const move = await stage.invokeAction('moveTo', { x: 1000, y: -2000, z: 500 });
      // One motion at a time: refused before any invocation exists, naming the running one.
      await expect(stage.invokeAction('home', null)).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringContaining(`moveTo is already running (invocation ${move.id})`),
      });
      await vi.advanceTimersByTimeAsync(1000);
      expect(await stage.getInvocation(move.id)).toMatchObject({ status: 'completed', output: { x: 1000, y: -2000, z: 500 } });
      const home = await stage.invokeAction('home', null);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await stage.getInvocation(home.id)).toMatchObject({ status: 'completed', output: { x: 0, y: 0, z: 0 } });
      await expect(stage.invokeAction('moveTo', {})).rejects.toThrow('moveTo input: give at least 1 value (minProperties)');
    });
  });

  describe('spectrometer', () => {
    it('publishes 256-point spectra that scale with exposure × gain and saturate', async () => {
      const spectrometer = get('spectrometer');
      await vi.advanceTimersByTimeAsync(1000);
      const spectra = publisher.values('spectrometer', 'spectrum');
      expect(spectra.length).toBeGreaterThanOrEqual(9);
      const last = (): number[] => {
        const value = publisher.values('spectrometer', 'spectrum').at(-1);
        if (!Array.isArray(value)) throw new Error('no spectrum');
        return value.map(Number);
      };
      expect(last()).toHaveLength(256);
      const peak1 = Math.max(...last());
      await spectrometer.writeProperty('exposure', 150);
      await spectrometer.writeProperty('gain', 2);
      await vi.advanceTimersByTimeAsync(200);
      // Dark counts (500) do not scale; the signal triples.
      const ratio = (Math.max(...last()) - 500) / (peak1 - 500);
      expect(ratio).toBeGreaterThan(2.7);
      expect(ratio).toBeLessThan(3.3);
      await spectrometer.writeProperty('exposure', 2000);
      await vi.advanceTimersByTimeAsync(200);
      expect(Math.max(...last())).toBe(65_535);
      expect(await spectrometer.readProperty('saturated')).toBe(true);
    });

    it('acquire averages frames and summarises the peak at the 546 nm mercury line', async () => {
      const spectrometer = get('spectrometer');
      const run = await spectrometer.invokeAction('acquire', { count: 5 });
      await vi.advanceTimersByTimeAsync(600);
      const done = await spectrometer.getInvocation(run.id);
      expect(done.status).toBe('completed');
      expect(done.output).toMatchObject({ count: 5 });
      const output = z.object({ peakWavelength: z.number(), peakCounts: z.number(), meanCounts: z.number() }).parse(done.output);
      expect(Math.abs(output.peakWavelength - 546)).toBeLessThan(2);
      expect(output.peakCounts).toBeGreaterThan(15_000);
      expect(output.meanCounts).toBeGreaterThan(500);
    });
  });

  describe('psu', () => {
    it('regulates voltage (CV) and limits current (CC) on a resistive load', async () => {
      const psu = get('psu');
      await vi.advanceTimersByTimeAsync(2000);
      expect(await numberOf(psu, 'voltage')).toBeCloseTo(5, 1);
      expect(await numberOf(psu, 'current')).toBeCloseTo(0.5, 2);
      expect(await psu.readProperty('mode')).toBe('CV');
      await psu.writeProperty('loadResistance', 2);
      await vi.advanceTimersByTimeAsync(2000);
      expect(await psu.readProperty('mode')).toBe('CC');
      expect(await numberOf(psu, 'current')).toBeCloseTo(1, 2);
      expect(await numberOf(psu, 'voltage')).toBeCloseTo(2, 1);
      await psu.writeProperty('outputEnabled', false);
      await vi.advanceTimersByTimeAsync(2000);
      expect(await psu.readProperty('mode')).toBe('OFF');
      expect(Math.abs(await numberOf(psu, 'voltage'))).toBeLessThan(0.02);
      await expect(psu.writeProperty('currentLimit', 6)).rejects.toThrow('currentLimit: must be <= 5 (maximum)');
    });

    it('sweep records the measured points and restores the setpoint', async () => {
      const psu = get('psu');
      const run = await psu.invokeAction('sweep', { start: 0, stop: 15, steps: 6, dwellMs: 500 });
      await vi.advanceTimersByTimeAsync(3500);
      const done = await psu.getInvocation(run.id);
      expect(done.status).toBe('completed');
      const output = z
        .object({ points: z.array(z.object({ setpoint: z.number(), voltage: z.number(), current: z.number(), mode: z.string() })) })
        .parse(done.output);
      expect(output.points.map((point) => point.setpoint)).toEqual([0, 3, 6, 9, 12, 15]);
      expect(output.points.at(-1)?.mode).toBe('CC');
      expect(output.points[2]?.voltage).toBeCloseTo(6, 1);
      expect(output.points.at(-1)?.current).toBeCloseTo(1, 2);
      expect(await psu.readProperty('voltageSetpoint')).toBe(5);
      expect(done.log.some((record) => record.message.startsWith('restored setpoint 5 V'))).toBe(true);
    });
  });

  describe('psu sweep with a dwell shorter than the readback period', () => {
    it('records a reading taken after each step, never the previous one', async () => {
      const psu = get('psu');
      const run = await psu.invokeAction('sweep', { start: 0, stop: 10, steps: 6, dwellMs: 10 });
      await vi.advanceTimersByTimeAsync(3000);
      const done = await psu.getInvocation(run.id);
      expect(done.status).toBe('completed');
      const output = z.object({ points: z.array(z.object({ setpoint: z.number(), voltage: z.number() })) }).parse(done.output);
      // Each readback follows its own setpoint (the load limits the top steps), and no two
      // consecutive steps repeat one reading.
      const voltages = output.points.map((point) => point.voltage);
      expect(voltages[0]).toBeLessThan(0.5);
      expect(voltages[1]).toBeCloseTo(2, 0);
      for (let i = 1; i < voltages.length; i++) expect(voltages[i]).not.toBe(voltages[i - 1]);
    });
  });

  describe('vacuum', () => {
    it('pumps down through roughing and turbo, and vents when the pumps stop', async () => {
      const vacuum = get('vacuum');
      const pumpDown = await vacuum.invokeAction('startPumpDown', { targetMbar: 1e-4 });
      await vi.advanceTimersByTimeAsync(10_000);
      expect(await vacuum.readProperty('phase')).toBe('roughing');
      const rough = await numberOf(vacuum, 'pressure');
      expect(rough).toBeLessThan(100);
      expect(rough).toBeGreaterThan(1e-2);
      await vi.advanceTimersByTimeAsync(25_000);
      expect(await vacuum.readProperty('phase')).toBe('turbo');
      await vi.advanceTimersByTimeAsync(25_000);
      const done = await vacuum.getInvocation(pumpDown.id);
      expect(done).toMatchObject({ status: 'completed', progress: 100 });
      expect(await numberOf(vacuum, 'turboSpeed')).toBeGreaterThan(50);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(await numberOf(vacuum, 'pressure')).toBeLessThan(1e-5);
      const vent = await vacuum.invokeAction('vent', null);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(await vacuum.readProperty('phase')).toBe('venting');
      expect(await vacuum.readProperty('pumpRunning')).toBe(false);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(await vacuum.getInvocation(vent.id)).toMatchObject({ status: 'completed' });
      expect(await numberOf(vacuum, 'pressure')).toBeGreaterThan(900);
      const pressures = publisher.numbers('vacuum', 'pressure');
      expect(Math.min(...pressures)).toBeLessThan(1e-5);
    });
  });
});
