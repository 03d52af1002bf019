import { clamp, round, type InstrumentDefinition } from './types';

const PIXELS = 256;
const WAVELENGTH_START_NM = 350;
const WAVELENGTH_END_NM = 850;
const MAX_COUNTS = 65_535;
const DARK_COUNTS = 500;
/** Counts of a relative intensity 1.0 at 100 ms exposure and gain 1. */
const COUNTS_PER_UNIT = 20_000;

/** A fluorescent lamp (Hg lines plus Tb/Eu phosphor bands), which operators recognise at a glance. */
const LINES: readonly { nm: number; amplitude: number; width: number }[] = [
  { nm: 404.7, amplitude: 0.22, width: 1.6 },
  { nm: 435.8, amplitude: 0.62, width: 1.6 },
  { nm: 487.7, amplitude: 0.34, width: 2.5 },
  { nm: 546.1, amplitude: 1.0, width: 1.8 },
  { nm: 587.6, amplitude: 0.18, width: 3 },
  { nm: 611.6, amplitude: 0.86, width: 2.2 },
  { nm: 631.1, amplitude: 0.24, width: 3 },
  { nm: 707.0, amplitude: 0.08, width: 4 },
];

const wavelengthOf = (pixel: number): number =>
  WAVELENGTH_START_NM + ((WAVELENGTH_END_NM - WAVELENGTH_START_NM) * pixel) / (PIXELS - 1);

const PROFILE: readonly number[] = Array.from({ length: PIXELS }, (_, pixel) => {
  const nm = wavelengthOf(pixel);
  const continuum = 0.03 * Math.exp(-(((nm - 560) / 90) ** 2));
  return LINES.reduce((sum, line) => sum + line.amplitude * Math.exp(-0.5 * ((nm - line.nm) / line.width) ** 2), continuum);
});

interface AcquireInput {
  count: number;
}
interface AcquireOutput {
  count: number;
  peakWavelength: number;
  peakCounts: number;
  meanCounts: number;
}

export const spectrometer: InstrumentDefinition = {
  kind: 'spectrometer',
  title: 'Spectrometer SP-256',
  description: 'Compact CCD spectrometer, 256 pixels over 350–850 nm, looking at a fluorescent lamp (simulated).',
  defaultUpdateHz: 10,
  create(thing, sim) {
    const exposure = thing.addProperty<number>('exposure', {
      title: 'Exposure time',
      schema: { type: 'number', unit: 'ms', minimum: 1, maximum: 10_000 },
      initial: 100,
    });
    const gain = thing.addProperty<number>('gain', {
      title: 'Gain',
      schema: { type: 'number', minimum: 1, maximum: 16 },
      initial: 1,
    });
    const spectrum = thing.addProperty<number[]>('spectrum', {
      title: 'Spectrum',
      description: `${PIXELS} intensities from wavelengthStart to wavelengthEnd, evenly spaced.`,
      schema: { type: 'array', items: { type: 'number' }, minItems: PIXELS, maxItems: PIXELS, unit: 'counts' },
      readOnly: true,
      initial: new Array<number>(PIXELS).fill(DARK_COUNTS),
    });
    thing.addProperty<number>('wavelengthStart', {
      title: 'First wavelength',
      schema: { type: 'number', unit: 'nm' },
      readOnly: true,
      observable: false,
      initial: WAVELENGTH_START_NM,
    });
    thing.addProperty<number>('wavelengthEnd', {
      title: 'Last wavelength',
      schema: { type: 'number', unit: 'nm' },
      readOnly: true,
      observable: false,
      initial: WAVELENGTH_END_NM,
    });
    thing.addProperty<number>('maxCounts', {
      title: 'Full scale',
      schema: { type: 'integer', unit: 'counts' },
      readOnly: true,
      observable: false,
      initial: MAX_COUNTS,
    });
    const saturated = thing.addProperty<boolean>('saturated', {
      title: 'Saturated',
      description: 'True when a pixel of the last spectrum hit full scale.',
      schema: { type: 'boolean' },
      readOnly: true,
      initial: false,
    });

    let frames = 0;
    const frame = (): number[] => {
      frames += 1;
      const scale = (COUNTS_PER_UNIT * exposure.get() * gain.get()) / 100;
      // A cosmic-ray-like outlier in one pixel when the spikes fault is on.
      const hot = (frames * 97) % PIXELS;
      return PROFILE.map((relative, pixel) => {
        const signal = relative * scale;
        const noise = sim.rng.gaussian() * Math.sqrt(8 * 8 * gain.get() ** 2 + signal);
        const value = DARK_COUNTS + signal + noise;
        return Math.round(clamp(pixel === hot ? sim.spike(value, 8000) : value, 0, MAX_COUNTS));
      });
    };

    thing.addAction<AcquireInput, AcquireOutput>('acquire', {
      title: 'Acquire',
      description: 'Averages a number of spectra (count) at the current exposure and gain, and summarises the result.',
      input: {
        type: 'object',
        properties: { count: { type: 'integer', minimum: 1, maximum: 1000, default: 1 } },
        additionalProperties: false,
      },
      output: {
        type: 'object',
        properties: {
          count: { type: 'integer' },
          peakWavelength: { type: 'number', unit: 'nm' },
          peakCounts: { type: 'number', unit: 'counts' },
          meanCounts: { type: 'number', unit: 'counts' },
        },
        required: ['count', 'peakWavelength', 'peakCounts', 'meanCounts'],
      },
      exclusive: 'acquisition',
      handler: async ({ count }, context) => {
        context.log.info(`acquiring ${count} spectra at ${exposure.get()} ms, gain ${gain.get()}`);
        const sum = new Array<number>(PIXELS).fill(0);
        for (let index = 1; index <= count; index++) {
          await context.sleep(exposure.get());
          frame().forEach((value, pixel) => (sum[pixel] = (sum[pixel] ?? 0) + value));
          context.progress((index / count) * 100);
        }
        const mean = sum.map((value) => value / count);
        let peak = 0;
        mean.forEach((value, pixel) => {
          if (value > (mean[peak] ?? 0)) peak = pixel;
        });
        const output: AcquireOutput = {
          count,
          peakWavelength: round(wavelengthOf(peak), 2),
          peakCounts: round(mean[peak] ?? 0, 1),
          meanCounts: round(mean.reduce((a, b) => a + b, 0) / PIXELS, 1),
        };
        if (output.peakCounts >= MAX_COUNTS) context.log.warning('peak is saturated: lower exposure or gain');
        context.log.info(`peak ${output.peakCounts} counts at ${output.peakWavelength} nm`);
        return output;
      },
    });

    return {
      tick() {
        const values = frame();
        spectrum.set(values);
        saturated.set(values.some((value) => value >= MAX_COUNTS));
      },
    };
  },
};
