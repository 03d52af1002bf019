import { describe, expect, it } from 'vitest';
import { loadFixture } from '../../main/drivers/servers/labthings-replay';
import { ThingDescription } from '../../../src/shared/model';
import { buildInput, checkDraft, constraintHint, formFields, placeRefusal, takesNoInput } from '../../../src/renderer/ui/schema-input';

const sensor = ThingDescription.parse(loadFixture('td-sensor.json'));

describe('schema forms over what Thing Descriptions use', () => {
  it('gives LabThings no-input actions (oneOf an empty object or null) no field, and sends null', () => {
    const input = sensor.actions['increment_counter']?.input;
    expect(takesNoInput(input)).toBe(true);
    expect(formFields(input)).toEqual([]);
    expect(buildInput(input, {})).toEqual({ ok: true, value: null });
    expect(takesNoInput(undefined)).toBe(true);
    expect(takesNoInput({ type: 'null' })).toBe(true);
    expect(buildInput({ type: 'object', properties: {}, additionalProperties: false }, {})).toEqual({ ok: true, value: {} });
    expect(takesNoInput(sensor.actions['calibrate']?.input)).toBe(false);
  });

  it('checks exclusiveMinimum, exclusiveMaximum and multipleOf, and says so', () => {
    const gain = sensor.actions['calibrate']?.input?.properties?.['gain'];
    if (!gain) throw new Error('no gain');
    expect(checkDraft(gain, '0')).toEqual({ ok: false, message: 'out of range (> 0)' });
    expect(checkDraft(gain, '0.5')).toEqual({ ok: true, value: 0.5 });
    expect(constraintHint(gain)).toBe('> 0 · default 1');
    expect(constraintHint({ type: 'string', default: 'default' })).toBe('default “default”');
    const step = { type: 'number' as const, unit: 'mbar', exclusiveMinimum: 0, maximum: 1000, multipleOf: 0.1 };
    expect(checkDraft(step, '0.3')).toEqual({ ok: true, value: 0.3 });
    expect(checkDraft(step, '0.35')).toEqual({ ok: false, message: 'must be a multiple of 0.1' });
    expect(checkDraft(step, '1000')).toEqual({ ok: true, value: 1000 });
    expect(constraintHint(step)).toBe('0 < x ≤ 1000 mbar · steps of 0.1');
    expect(checkDraft({ type: 'integer', exclusiveMaximum: 10 }, '10')).toEqual({ ok: false, message: 'out of range (< 10)' });
  });

  it('checks required inputs and fills defaults (calibrate: offset required, gain and label defaulted)', () => {
    const input = sensor.actions['calibrate']?.input;
    const fields = formFields(input);
    expect(fields.map((field) => [field.name, field.required])).toEqual([
      ['offset', true],
      ['gain', false],
      ['label', false],
    ]);
    expect(fields[0]?.schema.description).toBe('Offset added, in degC.');
    expect(buildInput(input, { offset: '' })).toEqual({ ok: false, errors: { offset: 'required' } });
    expect(buildInput(input, { offset: '0.5', gain: '1', label: 'default' })).toEqual({ ok: true, value: { offset: 0.5, gain: 1, label: 'default' } });
  });
});

describe('a server refusal next to the input it names', () => {
  it('puts the recorded 422 of calibrate next to offset and gain', () => {
    const fields = formFields(sensor.actions['calibrate']?.input);
    // What the driver makes of the recorded 422 (see the driver tests): one message per input.
    const refusal = {
      message: 'invoking sensor.calibrate: 422 offset: Field required; gain: Input should be greater than 0',
      fields: { offset: 'Field required', gain: 'Input should be greater than 0' },
    };
    expect(placeRefusal(refusal, fields, 'Calibrate')).toEqual({
      errors: { offset: 'Field required', gain: 'Input should be greater than 0' },
      formError: 'Calibrate refused the inputs marked above.',
    });
    // Naming nothing the form has: the whole message under the form.
    expect(placeRefusal({ message: 'busy', fields: { other: 'x' } }, fields, 'Calibrate')).toEqual({ errors: {}, formError: 'busy' });
    expect(placeRefusal({ message: 'busy' }, fields, 'Calibrate')).toEqual({ errors: {}, formError: 'busy' });
  });
});
