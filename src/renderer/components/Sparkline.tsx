import { useEffect, useRef } from 'react';
import { isGapBetween, silenceThreshold } from '../charts/buckets';
import { liveKey } from '../store/keys';
import { prepareCanvas, strokeColour } from '../ui/canvas';
import { bindToFrames } from '../ui/frame-binding';
import { useLabContext } from '../ui/lab-context';

/** The trend's time span: the last minute, drawn time-true (a stall shows as a line that ends early). */
const SPAN_MS = 60_000;

/**
 * Last samples of a numeric property from the series store, redrawn on animation frames (and
 * on the shared ticker, so the time axis moves while nothing arrives), never by React. No line
 * bridges a disconnection or a silence.
 */
export function Sparkline({ thing, property, logScale, holdsValue = false }: { thing: string; property: string; logScale: boolean; holdsValue?: boolean }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const { store, series, ticker } = useLabContext();

  useEffect(() => {
    const key = liveKey(thing, property);
    const draw = () => {
      const canvas = canvasRef.current;
      const buffer = series.numbers(key);
      if (!canvas) return;
      const context = prepareCanvas(canvas);
      if (!context || !buffer || buffer.length < 1) return;
      const now = series.hostNow();
      const from = now - SPAN_MS;
      const transform = (v: number) => (logScale ? Math.log10(Math.max(v, 1e-300)) : v);
      let min = Infinity;
      let max = -Infinity;
      buffer.forEach((time, value) => {
        if (time < from) return;
        const v = transform(value);
        // NaN marks a gap; comparisons with it are false, so it never sets the range.
        if (v < min) min = v;
        if (v > max) max = v;
      });
      const held = buffer.last();
      if (holdsValue && held && !Number.isNaN(held.value)) {
        min = Math.min(min, transform(held.value));
        max = Math.max(max, transform(held.value));
      }
      if (!Number.isFinite(min)) return;
      if (max - min < 1e-12) {
        max += 0.5;
        min -= 0.5;
      }
      const width = canvas.clientWidth;
      const height = canvas.clientHeight;
      const xOf = (time: number) => ((time - from) / SPAN_MS) * (width - 2) + 1;
      const yOf = (value: number) => height - 2 - ((transform(value) - min) / (max - min)) * (height - 4);
      const rule = { spans: [], silenceMs: silenceThreshold(series.medianInterval(key), holdsValue) };
      context.strokeStyle = strokeColour(canvas);
      context.lineWidth = 1.25;
      context.beginPath();
      let previous: { time: number; value: number } | undefined;
      buffer.forEach((time, value) => {
        const visible = time >= from;
        if (Number.isNaN(value)) {
          previous = undefined;
          return;
        }
        if (visible) {
          const joined = previous !== undefined && !isGapBetween(previous.time, time, rule);
          if (joined && previous) {
            // A step for values that hold, a line for measurements.
            if (holdsValue) context.lineTo(xOf(time), yOf(previous.value));
            context.lineTo(xOf(time), yOf(value));
          } else context.moveTo(xOf(time), yOf(value));
        } else if (holdsValue) context.moveTo(xOf(from), yOf(value));
        previous = { time: visible ? time : from, value };
      });
      // A held value (a setpoint) lasts until now, unless its Thing went away.
      if (holdsValue && previous && held && !Number.isNaN(held.value)) context.lineTo(xOf(now), yOf(previous.value));
      context.stroke();
    };
    const unbind = bindToFrames(store, (state) => state.live[key]?.receivedAt, draw);
    const untick = ticker.subscribe(draw);
    return () => {
      unbind();
      untick();
    };
  }, [store, series, ticker, thing, property, logScale, holdsValue]);

  return <canvas ref={canvasRef} className="sparkline" data-testid={`sparkline-${thing}-${property}`} aria-hidden="true" />;
}
