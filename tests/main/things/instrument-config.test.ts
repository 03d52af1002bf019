import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../../src/shared/errors';
import { loadInstrumentConfig } from '../../../src/main/things/instrument-config';
import { createSimulatedThings, DEFAULT_INSTRUMENT_CONFIG_PATH } from '../../../src/main/things/simulated-things';
import { RecordingPublisher } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'instrument-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const messageOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    if (error instanceof LabError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'ok';
};

describe('instrument configuration', () => {
  it('the training file gives each of the first four instruments a fault', () => {
    const config = loadInstrumentConfig('config/training-faults.json');
    expect(config.instruments.map((entry) => Object.keys(entry.faults))).toEqual([['disconnect'], ['slowActions'], ['stall'], ['actionFailure', 'spikes'], []]);
    expect(createSimulatedThings(config, new RecordingPublisher())).toHaveLength(5);
  });

  it('the default file starts all five instruments healthy', () => {
    const config = loadInstrumentConfig(DEFAULT_INSTRUMENT_CONFIG_PATH);
    expect(config.instruments.map((entry) => entry.kind)).toEqual(['thermo', 'stage', 'spectrometer', 'psu', 'vacuum']);
    expect(config.instruments.every((entry) => entry.enabled && Object.keys(entry.faults).length === 0)).toBe(true);
    expect(config.retentionSec).toBe(300);
    const things = createSimulatedThings(config, new RecordingPublisher());
    expect(things.map((thing) => [thing.name, thing.source])).toEqual([
      ['thermo', 'simulated'],
      ['stage', 'simulated'],
      ['spectrometer', 'simulated'],
      ['psu', 'simulated'],
      ['vacuum', 'simulated'],
    ]);
    expect(things[0]?.describe().title).toBe('Temperature controller TC-1');
  });

  it('fills defaults: name from kind, seed, fault parameters', () => {
    const config = loadInstrumentConfig({ instruments: [{ kind: 'psu', faults: { spikes: {}, actionFailure: {} } }] });
    expect(config.seed).toBe(1);
    expect(config.instruments[0]?.faults).toEqual({ spikes: { probability: 0.02, magnitude: 1 }, actionFailure: { probability: 1 } });
    const [thing] = createSimulatedThings(config, new RecordingPublisher());
    expect(thing?.name).toBe('psu');
  });

  it('names every bad field with its path', () => {
    expect(messageOf(() => loadInstrumentConfig({ instruments: [{ kind: 'psu', updateHz: 500 }] }))).toMatch(
      /^INVALID_ARGUMENT: instrument config: instruments\[0\]\.updateHz: Too big/,
    );
    expect(messageOf(() => loadInstrumentConfig({ instruments: [{ kind: 'laser' }] }))).toMatch(/instruments\[0\]\.kind: Invalid option/);
    expect(messageOf(() => loadInstrumentConfig({ instruments: [{ kind: 'psu', colour: 'red' }] }))).toMatch(/instruments\[0\]: Unrecognized key: "colour"/);
    expect(messageOf(() => loadInstrumentConfig({ instruments: [{ kind: 'psu', name: '1 psu' }] }))).toMatch(
      /instruments\[0\]\.name: must start with a letter/,
    );
    expect(messageOf(() => loadInstrumentConfig({}))).toMatch(/instruments: Invalid input: expected array/);
  });

  it('refuses duplicate Thing names and impossible fault timings', () => {
    expect(messageOf(() => loadInstrumentConfig({ instruments: [{ kind: 'psu' }, { kind: 'psu' }] }))).toBe(
      'INVALID_ARGUMENT: instrument config: instruments[1].name: duplicate Thing name "psu"',
    );
    expect(
      messageOf(() => loadInstrumentConfig({ instruments: [{ kind: 'psu', faults: { disconnect: { everySec: 5, downSec: 5 } } }] })),
    ).toMatch(/faults\.disconnect: downSec \+ connectingSec must be shorter than everySec/);
    expect(messageOf(() => loadInstrumentConfig({ instruments: [{ kind: 'psu', faults: { stall: { everySec: 5, durationSec: 9 } } }] }))).toMatch(
      /faults\.stall: durationSec must be shorter than everySec/,
    );
  });

  it('reports unreadable files and bad JSON with the file name', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ "instruments": [ }');
    expect(messageOf(() => loadInstrumentConfig(bad))).toMatch(/^INVALID_ARGUMENT: .*bad\.json: not valid JSON/);
    expect(messageOf(() => loadInstrumentConfig(join(dir, 'missing.json')))).toMatch(/^NOT_FOUND: .*missing\.json: cannot read/);
  });

  it('skips disabled instruments', () => {
    const config = loadInstrumentConfig({ instruments: [{ kind: 'psu', enabled: false }, { kind: 'vacuum' }] });
    expect(createSimulatedThings(config, new RecordingPublisher()).map((thing) => thing.name)).toEqual(['vacuum']);
  });
});
