/**
 * Checks on values that come from peers, before anyone else touches them: how deep they nest
 * (a 10 KB array 5,000 levels deep makes `JSON.stringify` overflow the stack), and whether they
 * can be serialised at all. Iterative, so the check itself cannot overflow.
 */

/** Deepest nesting accepted from an instrument (a TD with nested schemas needs about 20). */
export const MAX_JSON_DEPTH = 64;

/** Undefined when `value` nests at most `maxDepth` levels, else why not (cycles never end, so they fail too). */
export function jsonDepthProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) return `nested deeper than ${maxDepth} levels`;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return undefined;
}

/** JSON.stringify that never throws: a value that cannot be sent says why. */
export function safeStringify(value: unknown): { ok: true; text: string } | { ok: false; reason: string } {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return { ok: false, reason: 'the value cannot be written as JSON' };
    return { ok: true, text };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: /call stack/i.test(message) ? 'the value nests too deeply to be sent' : `the value cannot be sent (${message})` };
  }
}

/** Sizes for messages: "4 MiB", "64 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
