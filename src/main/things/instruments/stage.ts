import type { DataSchema } from '../../../shared/model';
import type { ActionContext } from '../invocations';
import { round, type InstrumentDefinition } from './types';

/** Positions in µm, travel ±25 mm per axis; a 20 mm move at the default speed takes 20 s. */
const TRAVEL_UM = 25_000;
const DEFAULT_SPEED = 1000;
const STEP_MS = 50;
const AXES = ['x', 'y', 'z'] as const;
type Axis = (typeof AXES)[number];
type Position = Record<Axis, number>;

const axisSchema: DataSchema = { type: 'number', unit: 'µm', minimum: -TRAVEL_UM, maximum: TRAVEL_UM };
const positionOutput: DataSchema = {
  type: 'object',
  properties: { x: axisSchema, y: axisSchema, z: axisSchema },
  required: ['x', 'y', 'z'],
};

export const stage: InstrumentDefinition = {
  kind: 'stage',
  title: 'Motorised XYZ stage MS-300',
  description: 'Three-axis stepper stage with linear encoders, ±25 mm travel (simulated).',
  defaultUpdateHz: 10,
  create(thing, sim) {
    const actual: Position = { x: 0, y: 0, z: 0 };
    const addAxis = (axis: Axis) =>
      thing.addProperty<number>(axis, {
        title: `${axis.toUpperCase()} position`,
        description: `Encoder readback of the ${axis} axis.`,
        schema: axisSchema,
        readOnly: true,
        initial: 0,
      });
    const readback = { x: addAxis('x'), y: addAxis('y'), z: addAxis('z') };
    const moving = thing.addProperty<boolean>('moving', {
      title: 'Moving',
      schema: { type: 'boolean' },
      readOnly: true,
      initial: false,
    });
    const speed = thing.addProperty<number>('speed', {
      title: 'Speed',
      description: 'Path speed of moves; takes effect immediately, also during a move.',
      schema: { type: 'number', unit: 'µm/s', minimum: 1, maximum: 5000 },
      initial: DEFAULT_SPEED,
    });

    /** Moves along a straight line in nominal time steps; on cancel the stage stops where it is. */
    const move = async (target: Position, context: ActionContext): Promise<Position> => {
      moving.set(true);
      const from = { ...actual };
      const total = Math.hypot(target.x - from.x, target.y - from.y, target.z - from.z);
      context.log.info(`moving to (${target.x}, ${target.y}, ${target.z}) µm, ${round(total, 1)} µm at ${speed.get()} µm/s`);
      try {
        let quarter = 0;
        for (;;) {
          const remaining = Math.hypot(target.x - actual.x, target.y - actual.y, target.z - actual.z);
          const percent = total === 0 ? 100 : (1 - remaining / total) * 100;
          context.progress(percent);
          if (Math.floor(percent / 25) > quarter && percent < 100) {
            quarter = Math.floor(percent / 25);
            context.log.debug(`${quarter * 25}%: at (${round(actual.x, 1)}, ${round(actual.y, 1)}, ${round(actual.z, 1)}) µm`);
          }
          if (remaining === 0) break;
          await context.sleep(STEP_MS);
          const step = (speed.get() * STEP_MS) / 1000;
          const fraction = remaining <= step ? 1 : step / remaining;
          for (const axis of AXES) actual[axis] += (target[axis] - actual[axis]) * fraction;
        }
        context.log.info('in position');
      } catch (error) {
        if (!context.signal.aborted) throw error;
        // Stopped (cancel or link loss): report where the stage stopped as the output.
        context.log.info(`stopped at (${round(actual.x, 1)}, ${round(actual.y, 1)}, ${round(actual.z, 1)}) µm`);
      } finally {
        moving.set(false);
      }
      return { x: round(actual.x, 3), y: round(actual.y, 3), z: round(actual.z, 3) };
    };

    thing.addAction<Partial<Position>, Position>('moveTo', {
      title: 'Move to',
      description: 'Moves to an absolute position; omitted axes stay. Cancel stops the stage where it is.',
      input: {
        type: 'object',
        properties: { x: axisSchema, y: axisSchema, z: axisSchema },
        minProperties: 1,
        additionalProperties: false,
      },
      output: positionOutput,
      exclusive: 'motion',
      handler: (input, context) =>
        move({ x: input.x ?? actual.x, y: input.y ?? actual.y, z: input.z ?? actual.z }, context),
    });

    thing.addAction<null, Position>('home', {
      title: 'Home',
      description: 'Drives all axes to the reference position (0, 0, 0).',
      output: positionOutput,
      exclusive: 'motion',
      handler: async (_input, context) => {
        context.log.info('homing all axes');
        const position = await move({ x: 0, y: 0, z: 0 }, context);
        context.log.info('reference found');
        return position;
      },
    });

    return {
      tick() {
        for (const axis of AXES) {
          const value = sim.spike(actual[axis] + sim.rng.gaussian() * 0.01, 2);
          readback[axis].set(round(value, 3));
        }
      },
    };
  },
};
