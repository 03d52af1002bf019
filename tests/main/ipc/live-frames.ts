import { LiveFrame, WsServerFrame, type LiveBatch } from '../../../src/shared/contract';
import { createLiveDecoder } from '../../../src/shared/live-wire';

/** A server frame as a test reads it: a call's result, or a live batch decoded from its frame. */
export type ReadFrame = { type: 'result'; id: number; result: unknown } | { type: 'batch'; batch: LiveBatch };

/**
 * Reads the server frames of one socket (or one window) as a page does, strictly: every frame
 * must match the contract's schema whole, and every live frame must decode (its key ids known).
 */
export function frameReader(): { read(text: string): ReadFrame; decode(frame: unknown): LiveBatch } {
  const decoder = createLiveDecoder();
  const decode = (frame: unknown): LiveBatch => {
    const decoded = decoder.decode(LiveFrame.parse(frame));
    if (!decoded.ok) throw new Error(`a live frame did not decode: ${decoded.reason}`);
    return decoded.batch;
  };
  return {
    read(text) {
      const frame = WsServerFrame.parse(JSON.parse(text));
      return frame.type === 'result' ? frame : { type: 'batch', batch: decode(frame.frame) };
    },
    decode,
  };
}
