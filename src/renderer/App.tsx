/*
 * Stable data-testid attributes (for end-to-end tests):
 *   header:     link-status (data-status), live-drops, add-instrument, connection-banner (data-reason="refused")
 *   instruments: instruments-panel, instruments-close, instrument-url, instrument-scheme,
 *               instrument-username, instrument-password, instrument-token, instrument-submit,
 *               instrument-error, instrument-list, instrument-<id> (data-status), remove-instrument-<id>,
 *               instrument-next-attempt-<id>, retry-instrument-<id>
 *   share:      share, share-panel, share-close, share-url, share-writable, share-username, share-password,
 *               share-submit, share-stop, share-error, share-status (data-status)
 *   things:     thing-list, thing-<name> (data-status, aria-current), thing-reason-<name>
 *   thing view: thing-view-<thing>, thing-status, thing-disconnected-banner, properties-<thing>,
 *               thing-next-attempt, thing-retry
 *   properties: prop-<thing>-<name> (data-stale), value-<thing>-<name>, stale-<thing>-<name>,
 *               age-<thing>-<name>, sparkline-<thing>-<name>, plot-<thing>-<name>,
 *               edit-form-<thing>-<name>, edit-<thing>-<name>, edit-submit-<thing>-<name>,
 *               edit-error-<thing>-<name>, freshness-<thing>-<name>
 *   actions:    action-<thing>-<action>, input-<thing>-<action>-<field>,
 *               input-error-<thing>-<action>-<field>, run-<thing>-<action>, run-error-<thing>-<action>,
 *               invocations-<thing>-<action>, input-help-<thing>-<action>-<field>
 *   invocations: invocation-<id> (data-status), status-<id>, progress-<id>, cancel-<id>, log-<id>,
 *               output-<id>, error-<id>, inputs-<id>
 *   overview:   nav-overview, nav-charts, problem-count, thing-problems-<name>, overview, overview-summary,
 *               tile-<name> (data-status, data-problems), tile-open-<name>, tile-status-<name>,
 *               tile-problem-<name> (data-kind), tile-<thing>-<prop> (value), tile-age-…, rate-<thing>-<prop>
 *               (data-lossy), chart-add-<thing>-<prop>, pin-toggle-<thing>-<prop>, pin-<thing>
 *   charts:     charts-view, chart-new, chart-palette, palette-<thing>-<prop>, chart-<n> (the plot),
 *               chart-<n>-card, -window-<1min|10min|1h|8h|24h|custom>, -follow, -pause, -back, -forward,
 *               -status (data-mode), -arrivals, -history (data-state), -series (data-series), -decimated,
 *               -readout, -remove; chart-marker (data-kind, data-label); chart-prop-<thing>-<prop>
 *   timeline:   timeline, timeline-filter-thing, timeline-filter-<kind>
 *               (property|action|write|connection|alarm), timeline-entry (data-kind, data-thing)
 *   alarms:     annunciator (data-unacknowledged), annunciator-<minor|major|invalid> (data-count),
 *               annunciator-unack, alarm-sound (aria-pressed), alarm-notifications, alarm-panel,
 *               alarm-panel-close, alarm-notice, alarm-filter-<thing|severity|state>, alarm-note,
 *               alarm-ack-all, alarm-error, alarm-empty, alarm-list, alarm-row-<id> (data-state,
 *               data-severity, data-raised-at, data-value), alarm-state-<id>, alarm-message-<id>, alarm-ack-<id>,
 *               alarm-shelve-<id>, alarm-shelve-duration-<id>, alarm-shelve-reason-<id>,
 *               alarm-shelve-submit-<id>, alarm-unshelve-<id>, alarm-disable-<id>, alarm-enable-<id>,
 *               thing-alarm-<name> (data-severity), prop-alarm-<thing>-<name> (data-severity),
 *               alarm-rules-<thing>-<name>, thing-alarm-rules-<thing>
 *   rule editor: rule-editor, rule-close, rule-list, rule-item-<id>, rule-edit-<id>, rule-remove-<id>,
 *               rule-edit-cancel, rule-kind,
 *               rule-<hihi|hi|lo|lolo|deadband>, rule-value, rule-after, rule-action,
 *               rule-severity, rule-delay, rule-guidance, rule-latch, rule-save, rule-error, rule-saved
 */
import { ChartsView } from './components/ChartsView';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Header } from './components/Header';
import { Overview } from './components/Overview';
import { ThingList } from './components/ThingList';
import { ThingView } from './components/ThingView';
import { Timeline } from './components/Timeline';
import { useLab } from './ui/lab-context';
import { AlarmPanel } from './components/AlarmPanel';
import { useAlarmEffects } from './ui/alarm-effects';

export function App() {
  const selected = useLab((state) => state.selected);
  const view = useLab((state) => state.view);
  const alarmPanelOpen = useLab((state) => state.alarmPanelOpen);
  useAlarmEffects();
  return (
    <div className="app">
      <Header />
      <ConnectionBanner />
      <div className="body">
        <ThingList />
        {view === 'overview' ? (
          <Overview />
        ) : view === 'charts' ? (
          <ChartsView />
        ) : selected === null ? (
          <main className="thing-view muted empty">Select a Thing.</main>
        ) : (
          <ThingView key={selected} thing={selected} />
        )}
        <Timeline />
      </div>
      {alarmPanelOpen && <AlarmPanel />}
    </div>
  );
}
