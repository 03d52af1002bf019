import { round, type InstrumentDefinition } from './types';

type Mode = 'CV' | 'CC' | 'OFF';
/** Output settling time constant of the regulator. */
const SLEW_TAU_S = 0.05;
const READBACK_POLL_MS = 5;

interface SweepInput {
  start: number;
  stop: number;
  steps: number;
  dwellMs: number;
}
interface SweepPoint {
  setpoint: number;
  voltage: number;
  current: number;
  mode: Mode;
}

export const psu: InstrumentDefinition = {
  kind: 'psu',
  title: 'Bench power supply PS-3005',
  description: 'Single-channel 30 V / 5 A supply driving a resistive load (simulated).',
  defaultUpdateHz: 5,
  create(thing, sim) {
    const voltageSetpoint = thing.addProperty<number>('voltageSetpoint', {
      title: 'Voltage setpoint',
      schema: { type: 'number', unit: 'V', minimum: 0, maximum: 30 },
      initial: 5,
    });
    const currentLimit = thing.addProperty<number>('currentLimit', {
      title: 'Current limit',
      schema: { type: 'number', unit: 'A', minimum: 0, maximum: 5 },
      initial: 1,
    });
    const outputEnabled = thing.addProperty<boolean>('outputEnabled', {
      title: 'Output enabled',
      schema: { type: 'boolean' },
      initial: true,
    });
    const loadResistance = thing.addProperty<number>('loadResistance', {
      title: 'Load resistance',
      description: 'The simulated load; lower it to drive the supply into current limiting (CC).',
      schema: { type: 'number', unit: 'Ω', minimum: 0.1, maximum: 10_000 },
      initial: 10,
    });
    const voltage = thing.addProperty<number>('voltage', {
      title: 'Output voltage',
      schema: { type: 'number', unit: 'V' },
      readOnly: true,
      initial: 0,
    });
    const current = thing.addProperty<number>('current', {
      title: 'Output current',
      schema: { type: 'number', unit: 'A' },
      readOnly: true,
      initial: 0,
    });
    const mode = thing.addProperty<Mode>('mode', {
      title: 'Regulation mode',
      description: 'CV: constant voltage, CC: current limited, OFF: output disabled.',
      schema: { type: 'string', enum: ['CV', 'CC', 'OFF'] },
      readOnly: true,
      initial: 'OFF',
    });

    let actualV = 0;
    let actualI = 0;
    // Counts readback updates, so a sweep step never records a reading older than its setpoint.
    let readbacks = 0;

    thing.addAction<SweepInput, { points: SweepPoint[] }>('sweep', {
      title: 'Voltage sweep',
      description:
        'Steps the voltage from start to stop, waits dwellMs at each step and records the readbacks. ' +
        'The output is enabled during the sweep; setpoint and output state are restored afterwards (also on cancel).',
      input: {
        type: 'object',
        properties: {
          start: { type: 'number', unit: 'V', minimum: 0, maximum: 30 },
          stop: { type: 'number', unit: 'V', minimum: 0, maximum: 30 },
          steps: { type: 'integer', minimum: 2, maximum: 1000, default: 11 },
          dwellMs: { type: 'number', unit: 'ms', minimum: 10, maximum: 60_000, default: 200 },
        },
        required: ['start', 'stop'],
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: {
          points: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                setpoint: { type: 'number', unit: 'V' },
                voltage: { type: 'number', unit: 'V' },
                current: { type: 'number', unit: 'A' },
                mode: { type: 'string', enum: ['CV', 'CC', 'OFF'] },
              },
              required: ['setpoint', 'voltage', 'current', 'mode'],
            },
          },
        },
        required: ['points'],
      },
      exclusive: 'output',
      handler: async ({ start, stop, steps, dwellMs }, context) => {
        const saved = { setpoint: voltageSetpoint.get(), enabled: outputEnabled.get() };
        const every = Math.max(1, Math.round(steps / 10));
        context.log.info(`sweeping ${start} → ${stop} V in ${steps} steps, ${dwellMs} ms each`);
        const points: SweepPoint[] = [];
        try {
          outputEnabled.set(true);
          for (let index = 0; index < steps; index++) {
            const setpoint = round(start + ((stop - start) * index) / (steps - 1), 4);
            voltageSetpoint.set(setpoint);
            const before = readbacks;
            await context.sleep(dwellMs);
            // A dwell shorter than the update period waits for the next readback.
            while (readbacks === before) await context.sleep(READBACK_POLL_MS);
            const point = { setpoint, voltage: voltage.get(), current: current.get(), mode: mode.get() };
            points.push(point);
            context.progress(((index + 1) / steps) * 100);
            if (steps <= 20 || (index + 1) % every === 0) {
              context.log.info(`step ${index + 1}/${steps}: ${point.voltage} V, ${point.current} A (${point.mode})`);
            }
          }
        } finally {
          voltageSetpoint.set(saved.setpoint);
          outputEnabled.set(saved.enabled);
          context.log.info(`restored setpoint ${saved.setpoint} V, output ${saved.enabled ? 'on' : 'off'}`);
        }
        return { points };
      },
    });

    return {
      tick(dt) {
        let targetV = 0;
        let targetI = 0;
        let next: Mode = 'OFF';
        if (outputEnabled.get()) {
          const load = loadResistance.get();
          const wanted = voltageSetpoint.get() / load;
          next = wanted > currentLimit.get() ? 'CC' : 'CV';
          targetI = Math.min(wanted, currentLimit.get());
          targetV = targetI * load;
        }
        const k = 1 - Math.exp(-dt / SLEW_TAU_S);
        actualV += (targetV - actualV) * k;
        actualI += (targetI - actualI) * k;
        voltage.set(round(sim.spike(actualV + sim.rng.gaussian() * 0.002, 1), 4));
        current.set(round(sim.spike(actualI + sim.rng.gaussian() * 0.0005, 0.1), 4));
        mode.set(next);
        readbacks += 1;
      },
    };
  },
};
