import { AlarmSnapshot, thingSeverity, type Severity } from '../../shared/alarms';
import type { LabState, SliceCreator } from './types';

export interface AlarmsSlice {
  /** The alarm state of Lab Monitor as main last pushed it (null until the first snapshot). */
  alarms: AlarmSnapshot | null;
  alarmPanelOpen: boolean;
  /** A beep for each new alarm; off until the operator turns it on (kept per browser). */
  alarmSound: boolean;
  setAlarms(snapshot: AlarmSnapshot): void;
  setAlarmPanelOpen(open: boolean): void;
  setAlarmSound(on: boolean): void;
}

const SOUND_KEY = 'lab-monitor.alarm-sound';

function storedSound(): boolean {
  try {
    return globalThis.localStorage?.getItem(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
}

export const createAlarmsSlice: SliceCreator<AlarmsSlice> = (set) => ({
  alarms: null,
  alarmPanelOpen: false,
  alarmSound: storedSound(),
  setAlarms: (alarms) => set({ alarms }),
  setAlarmPanelOpen: (alarmPanelOpen) => set({ alarmPanelOpen }),
  setAlarmSound: (alarmSound) => {
    try {
      globalThis.localStorage?.setItem(SOUND_KEY, alarmSound ? 'on' : 'off');
    } catch {
      // Storage refused (private mode): the toggle still works for this page.
    }
    set({ alarmSound });
  },
});

/** Parses a pushed snapshot; a malformed one is ignored. */
export const parseAlarmSnapshot = (payload: unknown): AlarmSnapshot | undefined => {
  const parsed = AlarmSnapshot.safeParse(payload);
  return parsed.success ? parsed.data : undefined;
};

/**
 * Selectors (each returns a primitive, so components re-render only when it changes).
 * `selectThingSeverity('psu')` gives the highest active severity of a Thing, for its sidebar
 * entry and its overview tile: 'minor' | 'major' | 'invalid' | null.
 */
export const selectThingSeverity =
  (thing: string) =>
  (state: LabState): Severity | null =>
    thingSeverity(state.alarms, thing);
export const selectUnacknowledged = (state: LabState): number => state.alarms?.counts.unacknowledged ?? 0;
export const selectSeverityCount =
  (severity: Severity) =>
  (state: LabState): number =>
    state.alarms?.counts[severity] ?? 0;
