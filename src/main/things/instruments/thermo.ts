import { clamp, round, type InstrumentDefinition } from './types';

/** Temperatures are in degC (the TD unit string, as LabThings uses), power in percent. */
const AMBIENT = 22;
/** Open-loop plant: first order, 20 s, 250 K rise at full power. */
const PLANT_TAU_S = 20;
const HEATER_GAIN_K = 250;
/** Proportional gain (%/K) on top of feed-forward; closed loop settles with tau ≈ 3.3 s. */
const KP = 2;
const STABLE_BAND_K = 0.5;
const STABLE_AFTER_S = 3;

interface RampInput {
  target: number;
  ratePerMin: number;
}
interface RampOutput {
  setpoint: number;
  temperature: number;
}

export const thermo: InstrumentDefinition = {
  kind: 'thermo',
  title: 'Temperature controller TC-1',
  description: 'Resistive heater stage with a PID-style controller and a Pt100 sensor (simulated).',
  defaultUpdateHz: 10,
  create(thing, sim) {
    const temperature = thing.addProperty<number>('temperature', {
      title: 'Temperature',
      description: 'Measured stage temperature (Pt100).',
      schema: { type: 'number', unit: 'degC' },
      readOnly: true,
      initial: AMBIENT,
    });
    const setpoint = thing.addProperty<number>('setpoint', {
      title: 'Setpoint',
      description: 'Target temperature of the controller.',
      schema: { type: 'number', unit: 'degC', minimum: 0, maximum: 200 },
      initial: 25,
      onWrite: () => {
        stableFor = 0;
        stable.set(false);
      },
    });
    const heaterPower = thing.addProperty<number>('heaterPower', {
      title: 'Heater power',
      schema: { type: 'number', unit: '%', minimum: 0, maximum: 100 },
      readOnly: true,
      initial: 0,
    });
    const stable = thing.addProperty<boolean>('stable', {
      title: 'Stable',
      description: `True once the temperature has stayed within ±${STABLE_BAND_K} °C of the setpoint for ${STABLE_AFTER_S} s.`,
      schema: { type: 'boolean' },
      readOnly: true,
      initial: false,
    });

    let actual = AMBIENT;
    let stableFor = 0;

    thing.addAction<RampInput, RampOutput>('rampTo', {
      title: 'Ramp to temperature',
      description: 'Moves the setpoint linearly to the target at the given rate. Cancel leaves the setpoint where the ramp got to.',
      input: {
        type: 'object',
        properties: {
          target: { type: 'number', unit: 'degC', minimum: 0, maximum: 200 },
          ratePerMin: { type: 'number', unit: 'degC/min', exclusiveMinimum: 0, maximum: 1200, default: 60 },
        },
        required: ['target'],
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: { setpoint: { type: 'number', unit: 'degC' }, temperature: { type: 'number', unit: 'degC' } },
        required: ['setpoint', 'temperature'],
      },
      exclusive: 'setpoint',
      handler: async ({ target, ratePerMin }, context) => {
        const start = setpoint.get();
        const distance = target - start;
        const durationS = (Math.abs(distance) / ratePerMin) * 60;
        const steps = Math.max(1, Math.ceil(durationS / 0.1));
        context.log.info(`ramping setpoint ${start} → ${target} °C at ${ratePerMin} °C/min (${round(durationS, 1)} s)`);
        let quarter = 0;
        for (let step = 1; step <= steps; step++) {
          await context.sleep((durationS * 1000) / steps);
          setpoint.set(round(start + (distance * step) / steps, 3));
          stableFor = 0;
          const percent = (step / steps) * 100;
          context.progress(percent);
          if (Math.floor(percent / 25) > quarter && step < steps) {
            quarter = Math.floor(percent / 25);
            context.log.info(`${quarter * 25}%: setpoint ${setpoint.get()} °C, temperature ${temperature.get()} °C`);
          }
        }
        context.log.info(`setpoint reached ${target} °C`);
        return { setpoint: setpoint.get(), temperature: temperature.get() };
      },
    });

    return {
      tick(dt) {
        const sp = setpoint.get();
        const power = clamp((100 * (sp - AMBIENT)) / HEATER_GAIN_K + KP * (sp - actual), 0, 100);
        actual += ((AMBIENT + (HEATER_GAIN_K * power) / 100 - actual) / PLANT_TAU_S) * dt;
        actual += sim.rng.gaussian() * 0.004 * Math.sqrt(dt);
        const reading = sim.spike(actual + sim.rng.gaussian() * 0.02, 5);
        temperature.set(round(reading, 3));
        heaterPower.set(round(clamp(power + sim.rng.gaussian() * 0.05, 0, 100), 1));
        stableFor = Math.abs(actual - sp) <= STABLE_BAND_K ? stableFor + dt : 0;
        stable.set(stableFor >= STABLE_AFTER_S);
      },
    };
  },
};
