/**
 * One animation-frame loop for every chart: each frame draws queued charts until a time budget
 * is spent (at least one), the rest on the next frames. Twelve charts that became due together
 * then never make one long frame that holds up the live stream.
 */
const BUDGET_MS = 6;
const queue = new Set<() => void>();
let frame = 0;

function run(): void {
  frame = 0;
  const start = performance.now();
  for (const draw of queue) {
    queue.delete(draw);
    try {
      draw();
    } catch (error) {
      console.error('chart draw failed', error);
    }
    if (performance.now() - start > BUDGET_MS) break;
  }
  if (queue.size > 0) frame = requestAnimationFrame(run);
}

/** Queues `draw` for an upcoming frame (once, however often asked); the disposer takes it off. */
export function queueDraw(draw: () => void): () => void {
  queue.add(draw);
  if (frame === 0) frame = requestAnimationFrame(run);
  return () => {
    queue.delete(draw);
  };
}

export const queuedDraws = (): number => queue.size;
