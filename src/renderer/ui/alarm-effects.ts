import { useEffect } from 'react';
import { severityRank, type AlarmSnapshot } from '../../shared/alarms';
import { beep } from './beep';
import { useLabContext } from './lab-context';

const APP_TITLE = 'Lab Monitor';
const NOTIFY_RANK = severityRank('major');

/** The document title: "(2) Lab Monitor" while two alarms wait for acknowledgement. */
export const titleFor = (unacknowledged: number): string => (unacknowledged > 0 ? `(${unacknowledged}) ${APP_TITLE}` : APP_TITLE);

/** Whether this page may show browser notifications (browser mode; the desktop app notifies from main). */
export function browserNotifications(): 'granted' | 'denied' | 'default' | 'unsupported' {
  const api = globalThis.Notification;
  if (api === undefined) return 'unsupported';
  return api.permission;
}

/**
 * What the operator notices without looking at the right Thing: the title count, a browser
 * notification for each new major or invalid alarm and each reminder of one (browser mode, when allowed; the desktop
 * app's notifications come from the main process), and the optional beep.
 */
export function useAlarmEffects(): void {
  const { store, client } = useLabContext();
  useEffect(() => {
    // Alarms already raised when the page opened are shown, not announced again.
    let seen: Set<string> | undefined;
    const apply = (snapshot: AlarmSnapshot | null): void => {
      document.title = titleFor(snapshot?.counts.unacknowledged ?? 0);
      if (!snapshot) return;
      const fresh: AlarmSnapshot['alarms'] = [];
      const keys = new Set<string>();
      for (const alarm of snapshot.alarms) {
        if (alarm.state !== 'unacknowledged' || alarm.severity === null) continue;
        // A reminder (still unacknowledged after a while) is announced like a new alarm.
        const key = `${alarm.id}@${alarm.raisedAt ?? ''}@${alarm.severity}@${alarm.remindedAt ?? ''}`;
        keys.add(key);
        if (seen !== undefined && !seen.has(key)) fresh.push(alarm);
      }
      seen = keys;
      if (fresh.length === 0) return;
      const worst = fresh.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
      if (store.getState().alarmSound && worst.severity) beep(worst.severity);
      if (client.host !== 'browser' || browserNotifications() !== 'granted') return;
      for (const alarm of fresh) {
        if (severityRank(alarm.severity) < NOTIFY_RANK) continue;
        const title = store.getState().things.find((thing) => thing.name === alarm.thing)?.title ?? alarm.thing;
        try {
          const again = alarm.remindedAt ? 'Still unacknowledged — ' : '';
          new Notification(`${again}${alarm.severity?.toUpperCase()} alarm: ${title}`, { body: alarm.message, tag: alarm.id });
        } catch {
          // Some browsers allow notifications only from a service worker: the annunciator still shows it.
        }
      }
    };
    apply(store.getState().alarms);
    return store.subscribe((state, previous) => {
      if (state.alarms !== previous.alarms) apply(state.alarms);
    });
  }, [store, client]);
}
