import { useEffect, useRef, useSyncExternalStore } from 'react';
import { severityRank, type AlarmSnapshot, type Severity } from '../../shared/alarms';
import type { PropertyAffordance } from '../../shared/model';
import { liveKey } from '../store/keys';
import { formatAge, formatValue } from '../ui/format';
import { bindToFrames } from '../ui/frame-binding';
import { useLab, useLabContext } from '../ui/lab-context';

/**
 * A live value as text, rewritten on animation frames (never a React render per sample): the
 * property table, overview tiles and layout panels all show values through this one binding.
 */
export function LiveValueText({
  thing,
  name,
  affordance,
  testId,
  className = 'value-text',
}: {
  thing: string;
  name: string;
  affordance: PropertyAffordance;
  testId: string;
  className?: string;
}) {
  const { store } = useLabContext();
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const key = liveKey(thing, name);
    const update = () => {
      const live = store.getState().live[key];
      if (!ref.current) return;
      ref.current.textContent = live === undefined ? '…' : formatValue(live.value, affordance);
      // Text may wrap between words; a number never (the stylesheet reads this).
      ref.current.dataset['kind'] = live === undefined ? 'none' : typeof live.value;
    };
    update();
    return bindToFrames(store, (state) => state.live[key]?.value, update);
  }, [store, thing, name, affordance]);
  return <span ref={ref} className={className} data-testid={testId} />;
}

/** "0.4 s ago", from the shared ticker. */
export function LiveAge({ thing, name, testId }: { thing: string; name: string; testId: string }) {
  const { store, ticker } = useLabContext();
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const key = liveKey(thing, name);
    const update = () => {
      const at = store.getState().live[key]?.receivedAt;
      if (ref.current) ref.current.textContent = at === undefined ? '' : formatAge(Date.now() - at);
    };
    update();
    return ticker.subscribe(update);
  }, [store, ticker, thing, name]);
  return <span ref={ref} className="age" data-testid={testId} />;
}

const perSecond = (rate: number): string => (rate >= 10 ? rate.toFixed(0) : rate >= 1 ? rate.toFixed(1) : rate.toFixed(2));

/**
 * The actual update rate of a value and, when updates were conflated or dropped on the way,
 * how many: "showing 60/s of 100/s".
 */
export function LiveRate({ thing, name, testId }: { thing: string; name: string; testId: string }) {
  const { series, ticker } = useLabContext();
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const key = liveKey(thing, name);
    const update = () => {
      const element = ref.current;
      if (!element) return;
      const rate = series.rate(key, Date.now());
      let text = '';
      let title = 'Updates per second arriving in this window.';
      let lossy = false;
      if (rate && rate.received > 0) {
        // Below 5 % lost is rounding of the measuring window, not conflation worth a word.
        lossy = rate.lost > 0.05 * rate.offered && rate.lost >= 0.1;
        text = lossy ? `${perSecond(rate.received)}/s of ${perSecond(rate.offered)}/s` : `${perSecond(rate.received)}/s`;
        if (lossy) {
          title = `Showing ${perSecond(rate.received)} updates per second of the ${perSecond(rate.offered)} the instrument published: the rest were conflated (only the latest value of each flush is sent) or dropped on the way.`;
        }
      }
      // Nothing arrived lately: the age says how long (a setpoint simply holds).
      element.textContent = text;
      element.dataset['lossy'] = String(lossy);
      element.title = title;
    };
    update();
    return ticker.subscribe(update);
  }, [series, ticker, thing, name]);
  return <span ref={ref} className="rate" data-testid={testId} />;
}

/** Whether the value stopped arriving (from the shared ticker; a re-render only when it flips). */
export function useStale(thing: string, name: string): boolean {
  const { series, ticker } = useLabContext();
  const key = liveKey(thing, name);
  return useSyncExternalStore(ticker.subscribe, () => series.isStale(key, Date.now()));
}

/**
 * The highest annunciated alarm per property of one alarm snapshot, built once per snapshot:
 * every tile and row asks on every store update (each live batch), so a lookup, not a scan.
 */
const alarmIndexes = new WeakMap<AlarmSnapshot, Map<string, Severity>>();
function alarmIndex(snapshot: AlarmSnapshot): Map<string, Severity> {
  let index = alarmIndexes.get(snapshot);
  if (index) return index;
  index = new Map();
  for (const each of snapshot.alarms) {
    if (each.severity === null || each.state === 'shelved' || each.state === 'disabled') continue;
    const key = liveKey(each.thing, each.property);
    if (severityRank(each.severity) > severityRank(index.get(key) ?? null)) index.set(key, each.severity);
  }
  alarmIndexes.set(snapshot, index);
  return index;
}

/** The highest annunciated alarm on a property, or null (a primitive: re-renders only when it changes). */
export function usePropertyAlarm(thing: string, name: string): Severity | null {
  return useLab((state) => (state.alarms ? (alarmIndex(state.alarms).get(liveKey(thing, name)) ?? null) : null));
}
