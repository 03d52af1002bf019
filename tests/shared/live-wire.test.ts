import { describe, expect, it } from 'vitest';
import { LiveFrame, MAX_LIVE_KEY_ID, type LiveBatch, type LiveItem } from '../../src/shared/contract';
import { createLiveDecoder, createLiveEncoder, keepFrameItems } from '../../src/shared/live-wire';

const item = (over: Partial<LiveItem> & Pick<LiveItem, 'thing' | 'affordance' | 'seq'>): LiveItem => ({
  messageType: 'property',
  payload: 0,
  time: 1_000,
  ...over,
});
const batch = (seq: number, items: LiveItem[], extra: Partial<LiveBatch> = {}): LiveBatch => ({ seq, items, conflated: 0, dropped: 0, ...extra });

/** A frame as it crosses the socket: JSON text and back. */
const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

const good = (decoded: ReturnType<ReturnType<typeof createLiveDecoder>['decode']>): LiveBatch => {
  if (!decoded.ok) throw new Error(`refused: ${decoded.reason}`);
  return decoded.batch;
};

describe('live frames', () => {
  it('carry a batch as columns, each key announced once per connection', () => {
    const encoder = createLiveEncoder();
    const decoder = createLiveDecoder();
    const first = batch(1, [
      item({ thing: 'thermo', affordance: 'temperature', seq: 1, payload: 21.5, time: 5 }),
      item({ thing: 'stage', affordance: 'position', seq: 1, payload: { x: 1, y: [2, 3] } }),
      item({ thing: 'thermo', affordance: 'rampTo', seq: 1, messageType: 'action', payload: { invocation: { id: 'a' } } }),
    ], { conflated: 3, dropped: 1 });
    const frame = encoder.encode(first);
    expect(LiveFrame.parse(frame)).toEqual(frame);
    expect(frame).toMatchObject({ seq: 1, conflated: 3, dropped: 1, ids: [1, 2, 3], seqs: [1, 1, 1], times: [5, 1000, 1000] });
    expect(frame.keys).toEqual([
      [1, 'thermo', 'temperature', 'property'],
      [2, 'stage', 'position', 'property'],
      [3, 'thermo', 'rampTo', 'action'],
    ]);
    expect(good(decoder.decode(wire(frame)))).toEqual(first);

    // Known keys travel as their ids only; a property and an action of one name are two keys.
    const second = batch(2, [
      item({ thing: 'stage', affordance: 'position', seq: 2, payload: null }),
      item({ thing: 'thermo', affordance: 'temperature', seq: 2, payload: 'text' }),
      item({ thing: 'thermo', affordance: 'temperature', seq: 1, messageType: 'action', payload: [] }),
    ]);
    const next = encoder.encode(second);
    expect(next.keys).toEqual([[4, 'thermo', 'temperature', 'action']]);
    expect(next.ids).toEqual([2, 1, 4]);
    expect(good(decoder.decode(wire(next)))).toEqual(second);
    expect(decoder.size).toBe(4);
  });

  it('start the ids afresh before passing the bound, and after a reset; the decoder takes the new meaning', () => {
    const encoder = createLiveEncoder(3);
    const decoder = createLiveDecoder();
    const one = batch(1, [item({ thing: 't', affordance: 'a', seq: 1 }), item({ thing: 't', affordance: 'b', seq: 1 })]);
    expect(good(decoder.decode(wire(encoder.encode(one))))).toEqual(one);
    // Two new keys would need ids 3 and 4: the table starts again, every key of the frame is announced.
    const two = batch(2, [item({ thing: 't', affordance: 'c', seq: 1 }), item({ thing: 't', affordance: 'd', seq: 1 }), item({ thing: 't', affordance: 'a', seq: 2 })]);
    const frame = encoder.encode(two);
    expect(frame.keys.map(([id, , affordance]) => [id, affordance])).toEqual([
      [1, 'c'],
      [2, 'd'],
      [3, 'a'],
    ]);
    expect(good(decoder.decode(wire(frame)))).toEqual(two);

    encoder.reset();
    const three = batch(3, [item({ thing: 't', affordance: 'd', seq: 2 })]);
    const again = encoder.encode(three);
    expect(again.keys).toEqual([[1, 't', 'd', 'property']]);
    expect(good(decoder.decode(wire(again)))).toEqual(three);
  });

  it('leave out items on request, counted as dropped, keeping every announcement', () => {
    const encoder = createLiveEncoder();
    const frame = encoder.encode(batch(1, [item({ thing: 't', affordance: 'a', seq: 1, payload: 1 }), item({ thing: 't', affordance: 'b', seq: 1, payload: 2 })], { dropped: 2 }));
    const kept = keepFrameItems(frame, (index) => index === 1);
    expect(kept).toMatchObject({ dropped: 3, ids: [2], seqs: [1], times: [1000], payloads: [2] });
    expect(kept.keys).toHaveLength(2);
    const decoder = createLiveDecoder();
    expect(good(decoder.decode(wire(kept))).items).toEqual([item({ thing: 't', affordance: 'b', seq: 1, payload: 2 })]);
    // The key of the item left out was announced: its next item decodes.
    expect(good(decoder.decode(wire(encoder.encode(batch(2, [item({ thing: 't', affordance: 'a', seq: 2 })]))))).items[0]).toMatchObject({ affordance: 'a', seq: 2 });
  });
});

describe('the live frame decoder', () => {
  const valid = () => ({ seq: 2, conflated: 0, dropped: 0, keys: [[1, 'thermo', 'temperature', 'property']], ids: [1], seqs: [3], times: [10], payloads: [21] });

  it('refuses malformed frames whole, with the reason, and decodes the next good one', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['not an object', 'frame', /not an object/],
      ['a list', [1, 2], /not an object/],
      ['a key id never announced', { ...valid(), ids: [7] }, /key id 7 was never announced/],
      ['a key id that is no integer', { ...valid(), ids: [1.5] }, /key id is not an integer/],
      ['a key id as text', { ...valid(), ids: ['1'] }, /key id is not an integer \(string\)/],
      ['columns of different lengths', { ...valid(), seqs: [3, 4] }, /differ in length/],
      ['a missing column', { ...valid(), times: undefined }, /must be lists/],
      ['a seq that is no number', { ...valid(), seqs: ['3'] }, /seq is not a positive integer/],
      ['a seq of 0', { ...valid(), seqs: [0] }, /seq is not a positive integer/],
      ['a fractional seq', { ...valid(), seqs: [1.5] }, /seq is not a positive integer/],
      ['a time that is no number', { ...valid(), times: ['now'] }, /time is not a finite number/],
      ['a time that is not finite', { ...valid(), times: [Number.NaN] }, /time is not a finite number/],
      ['a batch seq of 0', { ...valid(), seq: 0 }, /seq is not a positive integer/],
      ['a negative count', { ...valid(), dropped: -1 }, /not a count/],
      ['an announcement of the wrong length', { ...valid(), keys: [[1, 'thermo', 'temperature']] }, /bad key announcement/],
      ['an announcement with an unknown message type', { ...valid(), keys: [[1, 'thermo', 'temperature', 'event']] }, /bad key announcement/],
      ['an announcement beyond the largest id', { ...valid(), keys: [[MAX_LIVE_KEY_ID + 1, 'thermo', 'temperature', 'property']] }, /bad key announcement/],
      ['keys that are no list', { ...valid(), keys: {} }, /keys is not a list/],
    ];
    for (const [what, frame, reason] of cases) {
      const decoder = createLiveDecoder();
      const decoded = decoder.decode(frame);
      expect(decoded.ok, what).toBe(false);
      if (!decoded.ok) expect(decoded.reason, what).toMatch(reason);
      expect(good(decoder.decode(valid())).items, what).toEqual([item({ thing: 'thermo', affordance: 'temperature', seq: 3, payload: 21, time: 10 })]);
    }
  });

  it('keeps the keys a refused frame announced correctly, so later frames are not refused for them', () => {
    const decoder = createLiveDecoder();
    expect(decoder.decode({ ...valid(), seqs: ['x'] }).ok).toBe(false);
    const later = good(decoder.decode({ seq: 3, conflated: 0, dropped: 0, keys: [], ids: [1], seqs: [4], times: [11], payloads: [22] }));
    expect(later.items).toEqual([item({ thing: 'thermo', affordance: 'temperature', seq: 4, payload: 22, time: 11 })]);
  });

  it('never throws on random mutations of frames, and stays bounded', () => {
    let state = 7;
    const next = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const junk = [null, -1, 0, 1.5, 'x', [], {}, [1, 2, 3, 4, 5], { a: 1 }, MAX_LIVE_KEY_ID * 2, true, Number.NaN];
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    const decoder = createLiveDecoder();
    let refused = 0;
    for (let round = 0; round < 5000; round += 1) {
      const frame: Record<string, unknown> = valid();
      const keys = ['seq', 'conflated', 'dropped', 'keys', 'ids', 'seqs', 'times', 'payloads'];
      for (let change = 0; change < 1 + Math.floor(next() * 3); change += 1) {
        const field = pick(keys);
        const current = frame[field];
        const roll = next();
        if (Array.isArray(current) && roll < 0.3) frame[field] = [...current, pick(junk)];
        else if (Array.isArray(current) && roll < 0.6) frame[field] = current.map(() => pick(junk));
        else frame[field] = pick(junk);
      }
      const decoded = decoder.decode(frame);
      if (!decoded.ok) refused += 1;
      else for (const each of decoded.batch.items) expect(typeof each.thing).toBe('string');
    }
    expect(refused).toBeGreaterThan(0);
    expect(decoder.size).toBeLessThanOrEqual(MAX_LIVE_KEY_ID);
    expect(good(decoder.decode(valid())).items).toHaveLength(1);
  });
});
