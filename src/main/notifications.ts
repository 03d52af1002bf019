import type { NotificationConstructorOptions } from 'electron';
import type { Disposer } from '../shared/disposable';
import type { AlarmNotification } from './services/alarms';

/** What this needs of the alarm service. */
export interface AlarmNotifier {
  onNotify(listener: (notification: AlarmNotification) => void): Disposer;
}

/** The parts of Electron's Notification and BrowserWindow used here (tests pass fakes). */
export interface NotificationLike {
  on(event: 'click', listener: () => void): unknown;
  show(): void;
}
export interface WindowLike {
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}
export interface ElectronNotifications {
  Notification: { new (options: NotificationConstructorOptions): NotificationLike; isSupported(): boolean };
  BrowserWindow: { getAllWindows(): WindowLike[] };
}

/**
 * The desktop notification for each new major (or invalid) alarm, shown by the operating
 * system whether or not a Lab Monitor window is visible; clicking it brings the window up.
 * Returns the disposer.
 */
export function showAlarmNotifications(alarms: AlarmNotifier, electron: ElectronNotifications): Disposer {
  return alarms.onNotify((alarm) => {
    if (!electron.Notification.isSupported()) return;
    const notification = new electron.Notification({ title: alarm.title, body: alarm.body, urgency: 'critical', timeoutType: 'never' });
    notification.on('click', () => {
      const [window] = electron.BrowserWindow.getAllWindows();
      if (!window) return;
      if (window.isMinimized()) window.restore();
      window.show();
      window.focus();
    });
    notification.show();
  });
}
