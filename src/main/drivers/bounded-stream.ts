import { formatBytes } from '../../shared/bounded-json';

const LF = 10;
const CR = 13;

/**
 * An event-stream response whose body fails once one event grows past `maxEventBytes` (a
 * server that never ends its line or its event would otherwise grow the parser's buffer
 * without bound). `onTraffic` is told of every chunk, so a silent stream can be noticed;
 * `onRefused` gets the reason before the body errors.
 */
export function boundedEventStream(response: Response, maxEventBytes: number, onTraffic: () => void, onRefused: (reason: string) => void): Response {
  const body = response.body;
  if (!body) return response;
  let sinceEvent = 0;
  let previous = 0;
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      onTraffic();
      for (let i = 0; i < chunk.length; i += 1) {
        const byte = chunk[i] as number;
        const newline = byte === LF || byte === CR;
        // Two line ends in a row (other than the CR LF pair) end an event.
        if (newline && (previous === LF || previous === CR) && !(previous === CR && byte === LF)) sinceEvent = 0;
        else sinceEvent += 1;
        previous = byte;
      }
      if (sinceEvent > maxEventBytes) {
        const reason = `an event of the stream grew past ${formatBytes(maxEventBytes)} without ending, refused`;
        onRefused(reason);
        controller.error(new Error(reason));
        return;
      }
      controller.enqueue(chunk);
    },
  });
  return new Response(body.pipeThrough(transform), { status: response.status, statusText: response.statusText, headers: response.headers });
}
