import { useEffect, useRef } from 'react';
import { liveKey } from '../store/keys';
import { prepareCanvas, strokeColour } from '../ui/canvas';
import { bindToFrames } from '../ui/frame-binding';
import { formatNumber } from '../ui/format';
import { useLabContext } from '../ui/lab-context';

const numbersOf = (value: unknown): number[] =>
  Array.isArray(value) ? value.map((each: unknown) => (typeof each === 'number' && Number.isFinite(each) ? each : 0)) : [];

/** An array property (a spectrum) as a filled line, bound to the store transiently. */
export function SpectrumPlot({ thing, property }: { thing: string; property: string }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const { store } = useLabContext();

  useEffect(() => {
    const key = liveKey(thing, property);
    const draw = () => {
      const canvas = canvasRef.current;
      if (!canvas) return;
      const context = prepareCanvas(canvas);
      const values = numbersOf(store.getState().live[key]?.value);
      if (!context || values.length < 2) return;
      let min = Math.min(...values);
      let max = Math.max(...values);
      if (max - min < 1e-12) {
        max += 0.5;
        min -= 0.5;
      }
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      const colour = strokeColour(canvas);
      const xOf = (index: number) => (index / (values.length - 1)) * width;
      const yOf = (value: number) => height - 12 - ((value - min) / (max - min)) * (height - 16);
      context.beginPath();
      values.forEach((value, index) => (index === 0 ? context.moveTo(xOf(index), yOf(value)) : context.lineTo(xOf(index), yOf(value))));
      context.strokeStyle = colour;
      context.lineWidth = 1.25;
      context.stroke();
      context.lineTo(width, height - 12);
      context.lineTo(0, height - 12);
      context.closePath();
      context.globalAlpha = 0.15;
      context.fillStyle = colour;
      context.fill();
      context.globalAlpha = 0.7;
      context.font = '10px system-ui, sans-serif';
      context.fillText(`max ${formatNumber(max)}`, 2, 10);
      context.fillText(`min ${formatNumber(min)}  ·  ${values.length} points`, 2, height - 1);
      context.globalAlpha = 1;
    };
    return bindToFrames(store, (state) => state.live[key]?.value, draw);
  }, [store, thing, property]);

  return <canvas ref={canvasRef} className="spectrum" data-testid={`plot-${thing}-${property}`} aria-label={`${property} plot`} />;
}
