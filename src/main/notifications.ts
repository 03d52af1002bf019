import { BrowserWindow, Notification } from 'electron';
import type { Disposer } from '../shared/disposable';
import type { AlarmNotification } from './services/alarms';

/** What this needs of the alarm service. */
export interface AlarmNotifier {
  onNotify(listener: (notification: AlarmNotification) => void): Disposer;
}

/**
 * The desktop notification for each new major (or invalid) alarm, shown by the operating
 * system whether or not a Lab Monitor window is visible; clicking it brings the window up.
 */
export function showAlarmNotifications(alarms: AlarmNotifier): Disposer {
  return alarms.onNotify((alarm) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: alarm.title, body: alarm.body, urgency: 'critical', timeoutType: 'never' });
    notification.on('click', () => {
      const [window] = BrowserWindow.getAllWindows();
      if (!window) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    });
    notification.show();
  });
}
