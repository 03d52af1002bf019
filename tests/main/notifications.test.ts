import { describe, expect, it } from 'vitest';
import type { NotificationConstructorOptions } from 'electron';
import { showAlarmNotifications, type WindowLike } from '../../src/main/notifications';
import type { AlarmNotification } from '../../src/main/services/alarms';

describe('desktop alarm notifications', () => {
  it('shows one system notification per notification request; a click brings the window up', () => {
    let listener: ((notification: AlarmNotification) => void) | undefined;
    const shown: Array<{ options: NotificationConstructorOptions; click?: () => void }> = [];
    const calls: string[] = [];
    const window: WindowLike = {
      isMinimized: () => true,
      restore: () => calls.push('restore'),
      show: () => calls.push('show'),
      focus: () => calls.push('focus'),
    };
    class FakeNotification {
      static isSupported = () => true;
      readonly entry: { options: NotificationConstructorOptions; click?: () => void };
      constructor(options: NotificationConstructorOptions) {
        this.entry = { options };
      }
      on(_event: 'click', handler: () => void) {
        this.entry.click = handler;
        return this;
      }
      show() {
        shown.push(this.entry);
      }
    }
    const dispose = showAlarmNotifications(
      {
        onNotify: (handler) => {
          listener = handler;
          return () => (listener = undefined);
        },
      },
      { Notification: FakeNotification, BrowserWindow: { getAllWindows: () => [window] } },
    );
    listener?.({ id: 'psu/v', thing: 'psu', severity: 'major', title: 'MAJOR alarm: Bench power supply', body: 'Output voltage 6 V at or above HIHI 5.8 V', time: '2026-03-01T10:00:00.000Z' });
    expect(shown).toHaveLength(1);
    expect(shown[0]?.options).toMatchObject({ title: 'MAJOR alarm: Bench power supply', body: 'Output voltage 6 V at or above HIHI 5.8 V' });
    shown[0]?.click?.();
    expect(calls).toEqual(['restore', 'show', 'focus']);
    dispose();
    expect(listener).toBeUndefined();
  });
});
