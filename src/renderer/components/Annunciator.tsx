import { useState } from 'react';
import { SEVERITIES } from '../../shared/alarms';
import { selectSeverityCount, selectUnacknowledged } from '../store/alarms-slice';
import { browserNotifications } from '../ui/alarm-effects';
import { unlockAudio } from '../ui/beep';
import { useLab, useLabContext } from '../ui/lab-context';

function SeverityCount({ severity }: { severity: 'minor' | 'major' | 'invalid' }) {
  const count = useLab(selectSeverityCount(severity));
  return (
    <span className={`sev-count sev-${severity}${count > 0 ? ' sev-on' : ''}`} data-testid={`annunciator-${severity}`} data-count={count} title={`${count} ${severity} ${count === 1 ? 'alarm' : 'alarms'}`}>
      {count} {severity}
    </span>
  );
}

/**
 * The header's alarm summary: counts by severity, how many wait for acknowledgement; opens the
 * alarm list. `controls`: the sound and notification switches beside it (else they sit elsewhere,
 * the header's menu).
 */
export function Annunciator({ controls = true }: { controls?: boolean } = {}) {
  const unacknowledged = useLab(selectUnacknowledged);
  const shelved = useLab((state) => state.alarms?.counts.shelved ?? 0);
  const notices = useLab((state) => state.alarms?.notices.length ?? 0);
  const open = useLab((state) => state.alarmPanelOpen);
  const setOpen = useLab((state) => state.setAlarmPanelOpen);
  return (
    <span className="annunciator-wrap">
      <button
        type="button"
        className={`annunciator${unacknowledged > 0 ? ' unacked' : ''}`}
        data-testid="annunciator"
        data-unacknowledged={unacknowledged}
        aria-expanded={open}
        aria-label={`Alarms: ${unacknowledged} unacknowledged`}
        onClick={() => setOpen(!open)}
      >
        <span className="annunciator-label">Alarms</span>
        {SEVERITIES.slice()
          .reverse()
          .map((severity) => (
            <SeverityCount key={severity} severity={severity} />
          ))}
        <span className={`unack-count${unacknowledged > 0 ? ' on' : ''}`} data-testid="annunciator-unack">
          {unacknowledged} unack.
        </span>
        {shelved > 0 && <span className="muted small-text">{shelved} shelved</span>}
        {notices > 0 && <span className="tag warn-tag">rules!</span>}
      </button>
      {controls && <AlarmAlertControls />}
    </span>
  );
}

/** Whether a new alarm beeps, and (in a browser) leave to show notifications. */
export function AlarmAlertControls() {
  const { client } = useLabContext();
  const sound = useLab((state) => state.alarmSound);
  const setSound = useLab((state) => state.setAlarmSound);
  const [permission, setPermission] = useState(browserNotifications);
  return (
    <>
      <button
        type="button"
        className="small"
        data-testid="alarm-sound"
        aria-pressed={sound}
        title={sound ? 'A beep sounds for each new alarm: click to silence' : 'No sound for new alarms: click to beep for each new one'}
        onClick={() => {
          if (!sound) unlockAudio();
          setSound(!sound);
        }}
      >
        {sound ? 'Sound on' : 'Sound off'}
      </button>
      {client.host === 'browser' && permission === 'default' && (
        <button
          type="button"
          className="small"
          data-testid="alarm-notifications"
          title="Let this browser show a notification for each new major alarm, also while this tab is in the background"
          onClick={() => {
            void globalThis.Notification?.requestPermission().then(setPermission, () => setPermission(browserNotifications()));
          }}
        >
          Allow notifications
        </button>
      )}
      {client.host === 'browser' && permission === 'denied' && (
        <span className="muted small-text" data-testid="alarm-notifications-blocked" title="Allow notifications for this site in the browser's settings">
          notifications blocked
        </span>
      )}
    </>
  );
}
