import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ThingDescription } from '../../../src/shared/model';
import { createSimulatedThings } from '../../../src/main/things/simulated-things';
import { loadInstrumentConfig } from '../../../src/main/things/instrument-config';
import { RecordingPublisher } from './helpers';

/** The required TD 1.1 fields, hand-written: context, title, security, and forms on every affordance. */
const form = {
  type: 'object',
  required: ['href'],
  properties: { href: { type: 'string', minLength: 1 }, op: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } },
};
const affordance = { type: 'object', required: ['forms'], properties: { forms: { type: 'array', minItems: 1, items: form } } };
const tdShape = {
  type: 'object',
  required: ['@context', 'title', 'security', 'securityDefinitions'],
  properties: {
    '@context': {
      anyOf: [
        { const: 'https://www.w3.org/2022/wot/td/v1.1' },
        { type: 'array', contains: { const: 'https://www.w3.org/2022/wot/td/v1.1' } },
      ],
    },
    id: { type: 'string' },
    title: { type: 'string', minLength: 1 },
    security: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
    securityDefinitions: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: 'object', required: ['scheme'], properties: { scheme: { type: 'string' } } },
    },
    properties: { type: 'object', additionalProperties: affordance },
    actions: { type: 'object', additionalProperties: affordance },
    events: { type: 'object', additionalProperties: affordance },
  },
};
const validateTd = new Ajv({ strict: false }).compile(tdShape);

const things = createSimulatedThings(loadInstrumentConfig('config/instruments.json'), new RecordingPublisher());

describe('Thing Descriptions', () => {
  it('covers the five default instruments', () => {
    expect(things.map((thing) => thing.name)).toEqual(['thermo', 'stage', 'spectrometer', 'psu', 'vacuum']);
  });

  for (const thing of things) {
    it(`${thing.name}: parses with the shared schema and has every required TD 1.1 field`, () => {
      const td: unknown = JSON.parse(JSON.stringify(thing.describe()));
      expect(ThingDescription.safeParse(td).success).toBe(true);
      const valid = validateTd(td);
      expect(validateTd.errors ?? []).toEqual([]);
      expect(valid).toBe(true);

      const parsed = ThingDescription.parse(td);
      expect(parsed['@context']).toBe('https://www.w3.org/2022/wot/td/v1.1');
      expect(parsed.id).toBe(`urn:lab-monitor:thing:${thing.name}`);
      expect(parsed.securityDefinitions).toEqual({ nosec_sc: { scheme: 'nosec' } });
      expect(parsed.security).toBe('nosec_sc');
      expect(Object.keys(parsed.properties).length).toBeGreaterThan(2);
      expect(Object.keys(parsed.actions).length).toBeGreaterThan(0);
      for (const [name, property] of Object.entries(parsed.properties)) {
        expect(property.forms[0]?.href).toBe(`things/${thing.name}/properties/${name}`);
        const op = property.forms[0]?.op;
        expect(op).toContain('readproperty');
        expect(op?.includes('writeproperty')).toBe(property.readOnly === false);
        expect(op?.includes('observeproperty')).toBe(property.observable === true);
        expect(typeof property.type).toBe('string');
      }
      for (const [name, action] of Object.entries(parsed.actions)) {
        expect(action.forms).toEqual([{ href: `things/${thing.name}/actions/${name}`, op: 'invokeaction', contentType: 'application/json' }]);
        expect(action.title).toBeTruthy();
      }
    });
  }

  it('documents units and ranges the UI needs', () => {
    const [thermo, stage] = things;
    const td = thermo?.describe();
    expect(td?.properties['setpoint']).toMatchObject({ type: 'number', unit: 'degC', minimum: 0, maximum: 200, readOnly: false });
    expect(td?.properties['temperature']).toMatchObject({ unit: 'degC', readOnly: true, observable: true });
    expect(td?.actions['rampTo']?.input).toMatchObject({ required: ['target'] });
    expect(stage?.describe().properties['x']).toMatchObject({ unit: 'µm', readOnly: true });
  });
});
