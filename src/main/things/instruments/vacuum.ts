import { LabError } from '../../../shared/errors';
import type { DataSchema } from '../../../shared/model';
import type { ActionContext } from '../invocations';
import { clamp, type InstrumentDefinition } from './types';

type Phase = 'vented' | 'roughing' | 'turbo' | 'base' | 'venting';

const ATMOSPHERE = 1013;
/** The roughing pump alone gets to about 2e-3 mbar; the turbo takes over below 1 mbar. */
const ROUGHING_LIMIT = 2e-3;
const ROUGHING_TAU_S = 3;
const TURBO_START_BELOW = 5;
const TURBO_BASE = 8e-7;
const TURBO_TAU_S = 20;
const VENT_TAU_S = 6;
const POLL_MS = 500;

const threeDigits = (value: number): number => Number(value.toPrecision(3));

interface PumpDownInput {
  targetMbar: number;
  timeoutS: number;
}
interface PressureOutput {
  pressure: number;
  seconds: number;
}

export const vacuum: InstrumentDefinition = {
  kind: 'vacuum',
  title: 'Vacuum gauge VG-9',
  description: 'Pirani/cold-cathode combination gauge on a chamber with roughing and turbo pumps (simulated, time-compressed).',
  defaultUpdateHz: 2,
  create(thing, sim) {
    const pressure = thing.addProperty<number>('pressure', {
      title: 'Pressure',
      description: 'Chamber pressure; spans about 1e3 to 1e-6 mbar, best plotted on a log scale.',
      schema: { type: 'number', unit: 'mbar', minimum: 0 },
      readOnly: true,
      initial: ATMOSPHERE,
    });
    const pumpRunning = thing.addProperty<boolean>('pumpRunning', {
      title: 'Pumps running',
      description: 'Roughing pump on, turbo follows below 5 mbar; off vents the chamber.',
      schema: { type: 'boolean' },
      initial: true,
    });
    const turboSpeed = thing.addProperty<number>('turboSpeed', {
      title: 'Turbo speed',
      schema: { type: 'number', unit: '%', minimum: 0, maximum: 100 },
      readOnly: true,
      initial: 0,
    });
    const phase = thing.addProperty<Phase>('phase', {
      title: 'Phase',
      schema: { type: 'string', enum: ['vented', 'roughing', 'turbo', 'base', 'venting'] },
      readOnly: true,
      initial: 'vented',
    });
    thing.addProperty<string>('gaugeType', {
      title: 'Gauge type',
      schema: { type: 'string' },
      readOnly: true,
      observable: false,
      initial: 'Pirani/cold cathode combination',
    });

    let actual = ATMOSPHERE;
    let turbo = 0;

    /** Polls until `done`; progress runs over the log-pressure distance from start to target. */
    const waitFor = async (
      target: number,
      done: (p: number) => boolean,
      timeoutS: number,
      context: ActionContext,
    ): Promise<PressureOutput> => {
      const from = Math.log10(Math.max(actual, 1e-9));
      const span = Math.log10(target) - from;
      let seconds = 0;
      while (!done(actual)) {
        if (seconds >= timeoutS) {
          throw new LabError('TIMEOUT', `pressure ${threeDigits(actual)} mbar did not reach ${target} mbar within ${timeoutS} s`);
        }
        await context.sleep(POLL_MS);
        seconds += POLL_MS / 1000;
        const travelled = span === 0 ? 1 : (Math.log10(Math.max(actual, 1e-9)) - from) / span;
        context.progress(clamp(travelled, 0, 1) * 100);
      }
      return { pressure: threeDigits(actual), seconds };
    };
    const pressureOutput: DataSchema = {
      type: 'object',
      properties: { pressure: { type: 'number', unit: 'mbar' }, seconds: { type: 'number', unit: 's' } },
      required: ['pressure', 'seconds'],
    };

    thing.addAction<PumpDownInput, PressureOutput>('startPumpDown', {
      title: 'Pump down',
      description: 'Starts the pumps and waits until the target pressure is reached. Cancel stops waiting; the pumps keep running.',
      input: {
        type: 'object',
        properties: {
          targetMbar: { type: 'number', unit: 'mbar', exclusiveMinimum: 0, maximum: 1000, default: 1e-5 },
          timeoutS: { type: 'number', unit: 's', exclusiveMinimum: 0, maximum: 3600, default: 600 },
        },
        additionalProperties: false,
      },
      output: pressureOutput,
      exclusive: 'pump',
      handler: async ({ targetMbar, timeoutS }, context) => {
        context.log.info(`pumping down to ${targetMbar} mbar`);
        if (!pumpRunning.get()) pumpRunning.set(true);
        const result = await waitFor(targetMbar, (p) => p <= targetMbar, timeoutS, context);
        context.log.info(`reached ${result.pressure} mbar after ${result.seconds} s`);
        return result;
      },
    });

    thing.addAction<null, PressureOutput>('vent', {
      title: 'Vent',
      description: 'Stops the pumps and vents the chamber to atmosphere; finishes above 900 mbar.',
      output: pressureOutput,
      exclusive: 'pump',
      handler: async (_input, context) => {
        context.log.warning('venting chamber');
        pumpRunning.set(false);
        const result = await waitFor(900, (p) => p >= 900, 600, context);
        context.log.info(`vented: ${result.pressure} mbar`);
        return result;
      },
    });

    return {
      tick(dt) {
        if (pumpRunning.get()) {
          actual -= (Math.max(0, actual - ROUGHING_LIMIT) / ROUGHING_TAU_S) * dt;
          turbo = actual < TURBO_START_BELOW ? Math.min(100, turbo + 8 * dt) : Math.max(0, turbo - 5 * dt);
          if (turbo > 0 && actual < 1) {
            const log = Math.log10(actual);
            const base = Math.log10(TURBO_BASE);
            actual = 10 ** (log - ((turbo / 100) * (log - base) * dt) / TURBO_TAU_S);
          }
        } else {
          turbo = Math.max(0, turbo - 5 * dt);
          const log = Math.log10(actual);
          actual = 10 ** (log + ((Math.log10(ATMOSPHERE) - log) * dt) / VENT_TAU_S);
        }
        const noisy = 10 ** sim.spike(Math.log10(actual) + sim.rng.gaussian() * 0.004, 0.5);
        pressure.set(threeDigits(noisy));
        turboSpeed.set(Math.round(turbo));
        let next: Phase;
        if (!pumpRunning.get()) next = actual > 900 ? 'vented' : 'venting';
        else if (actual < 5e-6) next = 'base';
        else if (actual > 1 || turbo < 50) next = 'roughing';
        else next = 'turbo';
        phase.set(next);
      },
    };
  },
};
