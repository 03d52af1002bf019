import { useLab } from '../ui/lab-context';
import { useThingStatus } from '../ui/thing-status';
import { ActionCard } from './ActionCard';
import { LayoutView } from './LayoutView';
import { PropertyTable } from './PropertyTable';
import { templateFor } from '../store/layouts-slice';
import { useState } from 'react';
import { RuleEditor } from './RuleEditor';
import { NextAttempt, RetryNow } from './RetryNow';

export function ThingView({ thing }: { thing: string }) {
  const td = useLab((state) => state.tds[thing]);
  const { status, reason } = useThingStatus(thing);
  const origin = useLab((state) => state.things.find((each) => each.name === thing)?.origin ?? '');
  const nextAttempt = useLab((state) => state.things.find((each) => each.name === thing)?.connection.nextAttempt);
  const remote = useLab((state) => (state.things.find((each) => each.name === thing)?.source ?? 'simulated') !== 'simulated');
  const type = useLab((state) => state.things.find((each) => each.name === thing)?.type);
  // The type's template (made by the host the first time a Thing of the type appeared).
  const template = useLab((state) => templateFor(state.layouts, type));
  const disconnected = status === 'disconnected';
  // A stale Thing (known only from what a broker kept) may still answer: it stays usable, with a warning.
  const usable = status === 'connected' || status === 'stale';
  const [thingRules, setThingRules] = useState(false);

  if (!td) return <main className="thing-view muted">Loading {thing}…</main>;
  const actions = Object.keys(td.actions);
  return (
    <main className="thing-view" data-testid={`thing-view-${thing}`}>
      <header className="thing-head">
        <h1>{td.title}</h1>
        <span className={`badge conn-${status}`} data-testid="thing-status">
          {status}
        </span>
        {origin && <span className="muted origin">{origin}</span>}
        <button type="button" className="small" data-testid={`thing-alarm-rules-${thing}`} aria-expanded={thingRules} onClick={() => setThingRules(!thingRules)}>
          Alarm rules…
        </button>
        {td.description && <p className="muted description">{td.description}</p>}
      </header>
      {thingRules && <RuleEditor thing={thing} onClose={() => setThingRules(false)} />}
      {status !== 'connected' && (
        <div className={disconnected ? 'banner banner-error' : 'banner banner-warn'} role="status" data-testid="thing-disconnected-banner">
          {status === 'unknown' ? `${td.title}: state unknown` : disconnected ? `${td.title} is disconnected` : status === 'stale' ? `${td.title} may be stale` : `${td.title} is connecting`}
          {reason ? ` — ${reason}` : ''}. Values shown are the last received.
          {disconnected && remote && (
            <span className="retry">
              {' '}
              <NextAttempt at={nextAttempt} testId="thing-next-attempt" /> <RetryNow target={{ thing }} testId="thing-retry" />
            </span>
          )}
        </div>
      )}
      {template ? (
        <LayoutView layout={template} self={thing} />
      ) : (
        <>
          <section className="card">
            <h2>Properties</h2>
            <PropertyTable thing={thing} td={td} usable={usable} />
          </section>
          {actions.length > 0 && (
            <section className="actions">
              <h2>Actions</h2>
              <div className="action-grid">
                {actions.map((name) => {
                  const affordance = td.actions[name];
                  return affordance ? <ActionCard key={name} thing={thing} name={name} affordance={affordance} disabled={!usable} /> : null;
                })}
              </div>
            </section>
          )}
        </>
      )}
    </main>
  );
}
