import { describe, expect, it } from 'vitest';
import { Message, type MessageInit } from '../../../src/main/core/message';

// Builds an init with one field replaced by a value the types would forbid.
const withField = (field: keyof MessageInit, value: unknown): MessageInit =>
  ({ thing: 't', affordance: 'a', messageType: 'property', payload: 1, [field]: value }) as MessageInit;

describe('Message', () => {
  it('keeps its fields and the payload by reference', () => {
    const payload = { value: [1, 2, 3] };
    const message = new Message({ thing: 'stage', affordance: 'position', messageType: 'property', payload });
    expect(message.thing).toBe('stage');
    expect(message.affordance).toBe('position');
    expect(message.messageType).toBe('property');
    expect(message.payload).toBe(payload);
  });

  it('accepts action messages and any payload', () => {
    const message = new Message({ thing: 'cam', affordance: 'snap', messageType: 'action', payload: undefined });
    expect(message.messageType).toBe('action');
    expect(message.payload).toBeUndefined();
  });

  it.each([
    ['thing', 42, /"thing".*number 42/],
    ['thing', null, /"thing".*null/],
    ['thing', undefined, /"thing".*undefined/],
    ['affordance', { a: 1 }, /"affordance".*an object/],
    ['affordance', ['x'], /"affordance".*an array/],
    ['messageType', 'event', /"messageType".*"event"/],
    ['messageType', 3, /"messageType".*number 3/],
  ] as const)('rejects %s = %j with a TypeError naming the field and value', (field, value, pattern) => {
    expect(() => new Message(withField(field, value))).toThrow(TypeError);
    expect(() => new Message(withField(field, value))).toThrow(pattern);
  });

  it('rejects a missing init object with a TypeError', () => {
    expect(() => new Message(undefined as unknown as MessageInit)).toThrow(TypeError);
  });
});
