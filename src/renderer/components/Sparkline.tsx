import { useEffect, useRef } from 'react';
import { liveKey } from '../store/keys';
import { prepareCanvas, strokeColour } from '../ui/canvas';
import { bindToFrames } from '../ui/frame-binding';
import { useLabContext } from '../ui/lab-context';

/** Last samples of a numeric property, redrawn on animation frames, never by React. */
export function Sparkline({ thing, property, logScale }: { thing: string; property: string; logScale: boolean }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const { store, series } = useLabContext();

  useEffect(() => {
    const key = liveKey(thing, property);
    const draw = () => {
      const canvas = canvasRef.current;
      const buffer = series.numbers(key);
      if (!canvas) return;
      const context = prepareCanvas(canvas);
      if (!context || !buffer || buffer.length < 2) return;
      const transform = (v: number) => (logScale ? Math.log10(Math.max(v, 1e-300)) : v);
      let min = Infinity;
      let max = -Infinity;
      let first = 0;
      let last = 0;
      buffer.forEach((time, value, index) => {
        const v = transform(value);
        // NaN marks a gap; comparisons with it are false, so it never sets the range.
        if (v < min) min = v;
        if (v > max) max = v;
        if (index === 0) first = time;
        last = time;
      });
      if (max - min < 1e-12) {
        max += 0.5;
        min -= 0.5;
      }
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      const span = Math.max(last - first, 1);
      context.strokeStyle = strokeColour(canvas);
      context.lineWidth = 1.25;
      context.beginPath();
      let penDown = false;
      buffer.forEach((time, value) => {
        if (Number.isNaN(value)) {
          penDown = false;
          return;
        }
        const x = ((time - first) / span) * (width - 2) + 1;
        const y = height - 2 - ((transform(value) - min) / (max - min)) * (height - 4);
        if (penDown) context.lineTo(x, y);
        else context.moveTo(x, y);
        penDown = true;
      });
      context.stroke();
    };
    return bindToFrames(store, (state) => state.live[key]?.receivedAt, draw);
  }, [store, series, thing, property, logScale]);

  return <canvas ref={canvasRef} className="sparkline" data-testid={`sparkline-${thing}-${property}`} aria-hidden="true" />;
}
