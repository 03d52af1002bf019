/**
 * Small plots are drawn on a plain canvas: a polyline of at most a few hundred points costs
 * far less than a charting library instance per table row, and redraws only on animation
 * frames. Colours come from CSS (the canvas's `color`), so both themes work.
 */
export function prepareCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D | null {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return null;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const context = canvas.getContext('2d');
  if (!context) return null;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return context;
}

export function strokeColour(canvas: HTMLCanvasElement): string {
  return getComputedStyle(canvas).color || '#4a90d9';
}
