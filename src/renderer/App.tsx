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
 *   layouts:    layout-<id> (data-dirty), layout-edit, layout-save, layout-revert, layout-duplicate,
 *               layout-export, layout-delete, layout-delete-confirm, layout-delete-cancel, layout-name, layout-error, layout-grid, panel-<id> (data-kind),
 *               panel-remove-<id>, panel-missing, add-panel, add-panel-kind, add-panel-thing,
 *               add-panel-affordance, add-panel-submit, tile-<thing>-<prop>, tile-value-<thing>-<prop>,
 *               chart-series-<thing>-<prop>, panel-timeline, named-layout
 *   sidebar:    things-panel, collapse-things, expand-things, collapse-timeline, expand-timeline,
 *               layout-list, open-layout-<id>, layout-new, layout-import, layout-import-file
 *   header:     theme, open-palette, open-help
 *   dialogs:    palette, palette-input, palette-item-<id>, help-overlay
 */
import { useEffect, useMemo, useState } from 'react';
import { CommandPalette, type PaletteCommand } from './components/CommandPalette';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Header } from './components/Header';
import { HelpOverlay } from './components/HelpOverlay';
import { LayoutView } from './components/LayoutView';
import { newLayout } from './components/LayoutList';
import { ChartsView } from './components/ChartsView';
import { Overview } from './components/Overview';
import { ThingList } from './components/ThingList';
import { ThingView } from './components/ThingView';
import { Timeline } from './components/Timeline';
import { currentBody, templateFor } from './store/layouts-slice';
import { needsAck } from '../shared/alarms';
import { useLab, useLabContext } from './ui/lab-context';
import { addToChart, paletteItems, type PaletteMove } from './ui/palette-commands';
import { loadSidePanels, saveSidePanels, stepThing, type SidePanels } from './ui/side-panels';
import { useShortcuts, type Shortcut } from './ui/shortcuts';
import { applyTheme, loadTheme, nextTheme, type ThemeChoice } from './ui/theme';

/** Waits for an element of the page to appear (after a navigation), then shows and focuses it. */
function reveal(testId: string, focus: string | null, tries = 60): void {
  const element = document.querySelector<HTMLElement>(`[data-testid="${CSS.escape(testId)}"]`);
  if (!element) {
    if (tries > 0) requestAnimationFrame(() => reveal(testId, focus, tries - 1));
    return;
  }
  element.scrollIntoView({ block: 'nearest' });
  const target = focus === null ? element : (element.querySelector<HTMLElement>(focus) ?? element);
  if (target === element && !element.hasAttribute('tabindex')) element.tabIndex = -1;
  target.focus();
  element.classList.add('flash');
  setTimeout(() => element.classList.remove('flash'), 1200);
}
import { AlarmPanel } from './components/AlarmPanel';
import { useAlarmEffects } from './ui/alarm-effects';
import { useRememberedViews } from './ui/remembered-views';

export function App() {
  const { client, store } = useLabContext();
  const selected = useLab((state) => state.selected);
  const view = useLab((state) => state.view);
  const alarmPanelOpen = useLab((state) => state.alarmPanelOpen);
  useAlarmEffects();
  useRememberedViews();
  const openLayout = useLab((state) => state.layouts.find((layout) => layout.id === state.openLayout));
  const [palette, setPalette] = useState(false);
  const [help, setHelp] = useState(false);
  const [panels, setPanels] = useState<SidePanels>(() => loadSidePanels());
  const [theme, setTheme] = useState<ThemeChoice>(() => loadTheme());
  useEffect(() => applyTheme(theme), [theme]);
  useEffect(() => saveSidePanels(panels), [panels]);
  const toggle = (side: keyof SidePanels) => setPanels((current) => ({ ...current, [side]: !current[side] }));

  // The palette finds affordances of every Thing: their TDs are fetched when it opens.
  useEffect(() => {
    if (!palette) return;
    const { things, tds, setTd } = store.getState();
    for (const thing of things) {
      if (!tds[thing.name]) void client.describe(thing.name).then((result) => result.ok && setTd(thing.name, result.value));
    }
  }, [palette, client, store]);

  const go = (thing: string): void => {
    store.getState().select(thing);
    store.getState().showLayout(null);
  };
  const run = (move: PaletteMove): void => {
    switch (move.to) {
      case 'thing':
        go(move.thing);
        return reveal(`thing-view-${move.thing}`, null);
      case 'property':
        go(move.thing);
        return reveal(`prop-${move.thing}-${move.property}`, 'input, select, button');
      case 'action':
        go(move.thing);
        return reveal(`action-${move.thing}-${move.action}`, 'input, select, textarea, button');
      case 'layout':
        store.getState().showLayout(move.id);
        return;
      case 'chart':
        return void addSeries(move.thing, move.property);
      case 'command':
        if (move.command === 'help') setHelp(true);
        else if (move.command === 'theme') setTheme(nextTheme);
        else if (move.command === 'new-layout') void newLayout(client, store);
        else if (move.command === 'alarms') store.getState().setAlarmPanelOpen(true);
        else if (move.command === 'acknowledge-alarms') {
          const ids = (store.getState().alarms?.alarms ?? []).filter((alarm) => needsAck(alarm.state)).map((alarm) => alarm.id);
          if (ids.length > 0) void client.call('lab:alarms:acknowledge', { ids });
        }
        else toggle(move.command);
    }
  };
  /** Into the open named layout, or the template of the Thing's type (for that Thing). */
  const addSeries = async (thing: string, property: string): Promise<void> => {
    const state = store.getState();
    const summary = state.things.find((each) => each.name === thing);
    const open = state.layouts.find((layout) => layout.id === state.openLayout);
    const selectedType = state.things.find((each) => each.name === state.selected)?.type;
    const target = open ?? templateFor(state.layouts, selectedType);
    if (!target || !summary) return;
    const self = target.forType !== null && state.selected === thing;
    const ref = self ? ({ self: true } as const) : summary.id === undefined ? { name: thing } : { name: thing, id: summary.id };
    const body = addToChart(currentBody(target), ref, property);
    const result = await client.call('lab:layouts:edit', { id: target.id, body });
    if (result.ok) store.getState().putLayout(result.value);
  };

  const shortcuts: Shortcut[] = [
    { keys: 'mod+k', does: 'Command palette: go to a Thing, property, action or layout; run an action', run: () => setPalette((open) => !open), inFields: true },
    { keys: '?', does: 'Show these shortcuts', run: () => setHelp(true) },
    { keys: '[', does: 'Show or hide the Thing list', run: () => toggle('things') },
    { keys: ']', does: 'Show or hide the timeline', run: () => toggle('timeline') },
    { keys: 't', does: 'Switch theme: system, light, dark', run: () => setTheme(nextTheme) },
    {
      keys: 'j',
      does: 'Next Thing',
      run: () => {
        const next = stepThing(store.getState().things.map((thing) => thing.name), store.getState().selected, 1);
        if (next !== null) go(next);
      },
    },
    {
      keys: 'k',
      does: 'Previous Thing',
      run: () => {
        const next = stepThing(store.getState().things.map((thing) => thing.name), store.getState().selected, -1);
        if (next !== null) go(next);
      },
    },
  ];
  useShortcuts(shortcuts);
  const listed = [...shortcuts.map(({ keys, does }) => ({ keys, does })), { keys: 'ArrowDown', does: 'In the Thing list: next Thing (↑ previous)' }, { keys: 'Escape', does: 'Close the palette or a dialog' }];

  const things = useLab((state) => state.things);
  const tds = useLab((state) => state.tds);
  const layouts = useLab((state) => state.layouts);
  const role = useLab((state) => state.role);
  const unacknowledged = useLab((state) => state.alarms?.counts.unacknowledged ?? 0);
  const commands: PaletteCommand[] = useMemo(
    () => (palette ? paletteItems(things, tds, layouts, role === 'operator', unacknowledged).map((item) => ({ ...item, run: () => run(item.move) })) : []),
    // run reads the store when called; the list only follows what it shows.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [palette, things, tds, layouts, role, unacknowledged],
  );

  return (
    <div className="app">
      <Header theme={theme} onTheme={setTheme} onPalette={() => setPalette(true)} onHelp={() => setHelp(true)} />
      <ConnectionBanner />
      <div className={`body${panels.things ? ' things-collapsed' : ''}${panels.timeline ? ' timeline-collapsed' : ''}`}>
        {panels.things ? (
          <button type="button" className="rail" data-testid="expand-things" aria-label="Show the Thing list" title="Show the Thing list ([)" onClick={() => toggle('things')}>
            »
          </button>
        ) : (
          <ThingList onCollapse={() => toggle('things')} />
        )}
        {view === 'layout' && openLayout ? (
          <main className="thing-view" data-testid="named-layout">
            <LayoutView key={openLayout.id} layout={openLayout} />
          </main>
        ) : view === 'overview' ? (
          <Overview />
        ) : view === 'charts' ? (
          <ChartsView />
        ) : selected === null ? (
          <main className="thing-view muted empty">Select a Thing.</main>
        ) : (
          <ThingView key={selected} thing={selected} />
        )}
        {panels.timeline ? (
          <button type="button" className="rail" data-testid="expand-timeline" aria-label="Show the timeline" title="Show the timeline (])" onClick={() => toggle('timeline')}>
            «
          </button>
        ) : (
          <Timeline onCollapse={() => toggle('timeline')} />
        )}
      </div>
      {alarmPanelOpen && <AlarmPanel />}
      {palette && <CommandPalette commands={commands} onClose={() => setPalette(false)} />}
      {help && <HelpOverlay shortcuts={listed} onClose={() => setHelp(false)} />}
    </div>
  );
}
