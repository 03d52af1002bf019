import { z } from 'zod';
import { LiveKeyAnnouncement, MAX_LIVE_KEY_ID, type LiveBatch, type LiveFrame, type LiveItem } from './contract';
import type { MessageType } from './model';

/**
 * The live stream on the wire (see `LiveFrame` in contract.ts). Per connection, the sender
 * keeps one encoder and the receiver one decoder: each key crosses once, as an announcement,
 * and every item after that is four column entries. Both transports use this pair, so both
 * deliver the same `LiveBatch` to the page.
 *
 * The decoder is the trust boundary for live data: a hand-written structural check per item
 * (a schema per item cost more than everything else the page does with it), the announcements
 * through their schema. A frame that fails is refused whole, with the reason; the keys it
 * announced correctly still count, so a later frame is not refused for its sake.
 */

export interface LiveEncoder {
  /** The frame for this batch; keys it meets for the first time are announced in it. */
  encode(batch: LiveBatch): LiveFrame;
  /** Forgets every id (a frame was lost on the way): the next frames announce their keys again. */
  reset(): void;
}

export function createLiveEncoder(maxId = MAX_LIVE_KEY_ID): LiveEncoder {
  // thing → affordance → [property id, action id]; 0 when none yet.
  let ids = new Map<string, Map<string, [number, number]>>();
  let next = 1;
  const reset = (): void => {
    ids = new Map();
    next = 1;
  };
  return {
    encode(batch) {
      const items = batch.items;
      const count = items.length;
      // Every id of one frame comes from one table: start afresh before, never in the middle.
      if (next + count > maxId + 1) reset();
      const keys: LiveKeyAnnouncement[] = [];
      const idColumn = new Array<number>(count);
      const seqs = new Array<number>(count);
      const times = new Array<number>(count);
      const payloads = new Array<unknown>(count);
      let lastThing: string | undefined;
      let byAffordance: Map<string, [number, number]> | undefined;
      for (let i = 0; i < count; i += 1) {
        const item = items[i] as LiveItem;
        if (item.thing !== lastThing || byAffordance === undefined) {
          lastThing = item.thing;
          byAffordance = ids.get(item.thing);
          if (byAffordance === undefined) {
            byAffordance = new Map();
            ids.set(item.thing, byAffordance);
          }
        }
        let slot = byAffordance.get(item.affordance);
        if (slot === undefined) {
          slot = [0, 0];
          byAffordance.set(item.affordance, slot);
        }
        const type = item.messageType === 'action' ? 1 : 0;
        let id = slot[type];
        if (id === 0) {
          id = next;
          next += 1;
          slot[type] = id;
          keys.push([id, item.thing, item.affordance, item.messageType]);
        }
        idColumn[i] = id;
        seqs[i] = item.seq;
        times[i] = item.time;
        payloads[i] = item.payload;
      }
      return { seq: batch.seq, conflated: batch.conflated, dropped: batch.dropped, keys, ids: idColumn, seqs, times, payloads };
    },
    reset,
  };
}

/** The frame without the items `keep` refuses, which count as dropped; its announcements all stay. */
export function keepFrameItems(frame: LiveFrame, keep: (index: number) => boolean): LiveFrame {
  const ids: number[] = [];
  const seqs: number[] = [];
  const times: number[] = [];
  const payloads: unknown[] = [];
  for (let i = 0; i < frame.ids.length; i += 1) {
    if (!keep(i)) continue;
    ids.push(frame.ids[i] as number);
    seqs.push(frame.seqs[i] as number);
    times.push(frame.times[i] as number);
    payloads.push(frame.payloads[i]);
  }
  return { ...frame, ids, seqs, times, payloads, dropped: frame.dropped + frame.ids.length - ids.length };
}

export type LiveDecoded = { ok: true; batch: LiveBatch } | { ok: false; reason: string };

export interface LiveDecoder {
  /** The batch a frame stands for, or why the frame is refused (nothing of it is delivered). */
  decode(frame: unknown): LiveDecoded;
  /** Forgets every id: for a new connection. */
  reset(): void;
  /** Ids known now (for tests and diagnostics). */
  readonly size: number;
}

interface KnownKey {
  thing: string;
  affordance: string;
  messageType: MessageType;
}

const Announcements = z.array(LiveKeyAnnouncement);

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

export function createLiveDecoder(): LiveDecoder {
  // Indexed by id: ids are small and dense (an encoder counts from 1).
  let table: Array<KnownKey | undefined> = [];
  let size = 0;

  const announce = (keys: unknown): string | undefined => {
    if (!Array.isArray(keys)) return 'keys is not a list';
    if (keys.length === 0) return undefined;
    const parsed = Announcements.safeParse(keys);
    if (!parsed.success) return `bad key announcement (${parsed.error.issues[0]?.message ?? 'invalid'} at keys.${parsed.error.issues[0]?.path.join('.') ?? ''})`;
    for (const [id, thing, affordance, messageType] of parsed.data) {
      if (table[id] === undefined) size += 1;
      table[id] = { thing, affordance, messageType };
    }
    return undefined;
  };

  return {
    decode(raw) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'the frame is not an object' };
      const frame = raw as Record<string, unknown>;
      // Announcements first: correct ones hold even if the rest of this frame is refused.
      const refusedKeys = announce(frame['keys']);
      if (refusedKeys !== undefined) return { ok: false, reason: refusedKeys };
      const { seq, conflated, dropped, ids, seqs, times, payloads } = frame;
      if (!isCount(seq) || seq < 1) return { ok: false, reason: 'seq is not a positive integer' };
      if (!isCount(conflated) || !isCount(dropped)) return { ok: false, reason: 'conflated or dropped is not a count' };
      if (!Array.isArray(ids) || !Array.isArray(seqs) || !Array.isArray(times) || !Array.isArray(payloads)) {
        return { ok: false, reason: 'ids, seqs, times and payloads must be lists' };
      }
      const count = ids.length;
      if (seqs.length !== count || times.length !== count || payloads.length !== count) {
        return { ok: false, reason: `the item columns differ in length (${count} ids, ${seqs.length} seqs, ${times.length} times, ${payloads.length} payloads)` };
      }
      const items = new Array<LiveItem>(count);
      for (let i = 0; i < count; i += 1) {
        const id: unknown = ids[i];
        const itemSeq: unknown = seqs[i];
        const time: unknown = times[i];
        const key = typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= MAX_LIVE_KEY_ID ? table[id] : undefined;
        if (key === undefined) {
          const known = typeof id === 'number' && Number.isInteger(id);
          return { ok: false, reason: `item ${i}: ${known ? `key id ${id} was never announced` : `the key id is not an integer (${typeof id})`}` };
        }
        if (typeof itemSeq !== 'number' || !Number.isInteger(itemSeq) || itemSeq < 1) return { ok: false, reason: `item ${i}: seq is not a positive integer` };
        if (typeof time !== 'number' || !Number.isFinite(time)) return { ok: false, reason: `item ${i}: time is not a finite number` };
        items[i] = { thing: key.thing, affordance: key.affordance, messageType: key.messageType, payload: payloads[i], seq: itemSeq, time };
      }
      return { ok: true, batch: { seq, items, conflated, dropped } };
    },
    reset() {
      table = [];
      size = 0;
    },
    get size() {
      return size;
    },
  };
}
