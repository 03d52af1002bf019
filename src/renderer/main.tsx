// First, before any schema is built.
import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { chooseLabApi } from './lab/choose-lab-api';
import { LabClient } from './lab/lab-client';
import { LabController } from './lab/lab-controller';
import type { WsLinkState } from './lab/ws-lab-api';
import { createLabStore } from './store/lab-store';
import { SeriesRegistry } from './store/series';
import { LabContext, type LabContextValue } from './ui/lab-context';
import { Ticker } from './ui/ticker';

const series = new SeriesRegistry(300);
const store = createLabStore({ series });
let wasConnected = false;

/** Link changes go to the store (banner), the timeline, and — on a reconnect — a fresh start. */
function onLinkState(state: WsLinkState): void {
  const { setLink, addEvent, resetSequences, link } = store.getState();
  const now = Date.now();
  if (state.status === 'connected') {
    setLink({ host: 'browser', status: 'connected', since: now, attempt: 0 });
    if (wasConnected) {
      addEvent({ time: now, thing: '', kind: 'connection', text: 'link to Lab Monitor restored', level: 'info' });
      // The server's channel is new: sequences restart and what happened meanwhile is re-read.
      resetSequences();
      void controller.refresh();
    }
    wasConnected = true;
  } else if (state.status === 'refused') {
    if (link.status !== 'refused') addEvent({ time: now, thing: '', kind: 'connection', text: 'Lab Monitor refused this page’s access token', level: 'error' });
    setLink({ host: 'browser', status: 'refused', since: now, attempt: state.attempt, nextAttempt: state.nextAttempt, reason: state.reason });
  } else if (state.status === 'reconnecting') {
    if (link.status !== 'reconnecting') addEvent({ time: now, thing: '', kind: 'connection', text: `link to Lab Monitor lost: ${state.reason}`, level: 'error' });
    setLink({ host: 'browser', status: wasConnected ? 'reconnecting' : 'connecting', since: now, attempt: state.attempt, nextAttempt: state.nextAttempt, reason: state.reason });
  }
}

const { api } = chooseLabApi(onLinkState);
if (api.host === 'electron') store.getState().setLink({ host: 'electron', status: 'connected', since: Date.now(), attempt: 0 });
const client = new LabClient(api, (error) => console.warn(`live subscribe ${error.thing}/${error.affordance}: ${error.message}`));
// Socket events arrive asynchronously, after this line: onLinkState may use it.
const controller = new LabController(client, store);
controller.start();

const context: LabContextValue = { store, client, series, ticker: new Ticker(200), watch: controller.watch };
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <LabContext.Provider value={context}>
        <App />
      </LabContext.Provider>
    </StrictMode>,
  );
}
