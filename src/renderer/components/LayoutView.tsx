import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { needsAck } from '../../shared/alarms';
import { ANY_AFFORDANCE } from '../../shared/model';
import { layoutFileName, resolveThing, type ChartWindow, type Layout, type LayoutBody, type LayoutPanel, type LayoutPanelKind, type ThingRef } from '../../shared/layout';
import { currentBody } from '../store/layouts-slice';
import { formatClock } from '../ui/format';
import { useLab, useLabContext } from '../ui/lab-context';
import { useThingStatus } from '../ui/thing-status';
import { ActionCard } from './ActionCard';
import { LayoutGrid } from './LayoutGrid';
import { buildPanel } from '../ui/layout-place';
import { sizedToContent } from '../../shared/layout-size';
import { PropertyTable } from './PropertyTable';
import { SeriesChart } from './SeriesChart';
import { SpectrumPlot } from './SpectrumPlot';
import { TileValue } from './TileValue';

/** Keeps a Thing's TD loaded and its values live while a panel shows it (ref-counted). */
function useThingFeed(thing: string | undefined): void {
  const { client, store } = useLabContext();
  useEffect(() => {
    if (thing === undefined) return;
    if (!store.getState().tds[thing]) {
      void client.describe(thing).then((described) => {
        if (described.ok) store.getState().setTd(thing, described.value);
      });
    }
    return client.subscribe(thing, ANY_AFFORDANCE);
  }, [client, store, thing]);
}

/** The Thing names the panels of a layout refer to now (undefined where one is gone). */
function useResolve(self: string | undefined): (ref: ThingRef) => string | undefined {
  const things = useLab(useShallow((state) => state.things.map((thing) => (thing.id === undefined ? thing.name : `${thing.name}\u0000${thing.id}`))));
  const list = things.map((entry) => {
    const [name = '', id] = entry.split('\u0000');
    return id === undefined ? { name } : { name, id };
  });
  return (ref) => resolveThing(ref, self, list);
}

const refLabel = (ref: ThingRef): string => ('self' in ref ? 'this Thing' : ref.name);

function Missing({ what }: { what: string }) {
  return (
    <p className="panel-missing" data-testid="panel-missing" role="status">
      {what} is not here any more: the panel waits for it.
    </p>
  );
}

/** A value as the overview shows it (the same tile line), sized to the panel. */
function ValuePanel({ thing, property, showThing }: { thing: string; property: string; showThing: boolean }) {
  useThingFeed(thing);
  const known = useLab((state) => state.tds[thing]?.properties[property] !== undefined);
  const described = useLab((state) => state.tds[thing] !== undefined);
  if (!known) return described ? <p className="panel-missing" data-testid="panel-missing" role="status">{thing} has no property {property}.</p> : <span className="muted">…</span>;
  return (
    <ul className="tile-values panel-values">
      <TileValue thing={thing} name={property} showThing={showThing} />
    </ul>
  );
}

const WINDOW_MS: Record<ChartWindow, number> = { '1m': 60_000, '10m': 600_000, '1h': 3_600_000, '8h': 8 * 3_600_000, '24h': 24 * 3_600_000 };
const windowOf = (ms: number): ChartWindow | undefined => (Object.entries(WINDOW_MS) as [ChartWindow, number][]).find(([, each]) => each === ms)?.[0];

/** Keeps the TDs of a chart's Things loaded and their values live (one feed per Thing). */
function ThingFeeds({ things }: { things: readonly string[] }) {
  return (
    <>
      {things.map((thing) => (
        <ThingFeed key={thing} thing={thing} />
      ))}
    </>
  );
}
function ThingFeed({ thing }: { thing: string }) {
  useThingFeed(thing);
  return null;
}

/** The overview's strip chart in a panel: its window is the layout's, its series the panel's. */
function ChartPanel({
  panel,
  resolve,
  onChange,
}: {
  panel: Extract<LayoutPanel, { kind: 'chart' }>;
  resolve(ref: ThingRef): string | undefined;
  onChange?(panel: LayoutPanel): void;
}) {
  const present = panel.series.flatMap((series, index) => {
    const thing = resolve(series.thing);
    return thing === undefined ? [] : [{ thing, property: series.property, index }];
  });
  const missing = panel.series.filter((series) => resolve(series.thing) === undefined);
  const things = [...new Set(present.map((series) => series.thing))];
  const testId = `layout-chart-${panel.id}`;
  return (
    <>
      <ThingFeeds things={things} />
      {missing.length > 0 && <Missing what={[...new Set(missing.map((series) => refLabel(series.thing)))].join(', ')} />}
      <SeriesChart
        series={present}
        testId={testId}
        fill
        className="panel-chart-card"
        windowMs={WINDOW_MS[panel.window]}
        onWindow={onChange && ((ms) => {
          const chosen = windowOf(ms);
          if (chosen && chosen !== panel.window) onChange({ ...panel, window: chosen });
        })}
        onRemoveSeries={
          onChange &&
          ((ref) => {
            const gone = present.find((series) => series.thing === ref.thing && series.property === ref.property);
            if (gone) onChange({ ...panel, series: panel.series.filter((_, index) => index !== gone.index) });
          })
        }
        emptyText={missing.length > 0 ? undefined : 'No series yet: add one from the palette (Ctrl K) or drop a property here.'}
        onDropSeries={
          onChange &&
          ((ref) => {
            if (panel.series.length >= 16 || present.some((series) => series.thing === ref.thing && series.property === ref.property)) return;
            // A Thing the chart already shows keeps its reference (`{ self }` in a type's template).
            const known = panel.series.find((series) => resolve(series.thing) === ref.thing)?.thing;
            onChange({ ...panel, series: [...panel.series, { thing: known ?? { name: ref.thing }, property: ref.property }] });
          })
        }
      />
    </>
  );
}

function ActionPanel({ thing, action }: { thing: string; action: string }) {
  useThingFeed(thing);
  const affordance = useLab((state) => state.tds[thing]?.actions[action]);
  const { status } = useThingStatus(thing);
  if (!affordance) return <span className="muted">…</span>;
  return <ActionCard thing={thing} name={action} affordance={affordance} disabled={status !== 'connected' && status !== 'stale'} />;
}

function PropertiesPanel({ thing }: { thing: string }) {
  useThingFeed(thing);
  const td = useLab((state) => state.tds[thing]);
  const { status } = useThingStatus(thing);
  if (!td) return <span className="muted">…</span>;
  return <PropertyTable thing={thing} td={td} usable={status === 'connected' || status === 'stale'} />;
}

function SpectrumPanel({ thing, property }: { thing: string; property: string }) {
  useThingFeed(thing);
  return <SpectrumPlot thing={thing} property={property} fill />;
}

function RecentEvents() {
  const events = useLab((state) => state.events);
  const recent = events.slice(-30).reverse();
  return (
    <ol className="recent-events" data-testid="panel-timeline">
      {recent.length === 0 && <li className="muted">Nothing yet.</li>}
      {recent.map((event) => (
        <li key={event.id} className={`level-${event.level}`}>
          <span className="muted">{formatClock(event.time)}</span> {event.thing && <strong>{event.thing}</strong>} {event.text}
        </li>
      ))}
    </ol>
  );
}

/** The alarms that are not normal, most severe first (as main orders them); acknowledge here or open the full list. */
function AlarmsPanel() {
  const { client, store } = useLabContext();
  const alarms = useLab((state) => state.alarms?.alarms);
  const [error, setError] = useState<string>();
  const list = alarms ?? [];
  const ackable = list.filter((alarm) => needsAck(alarm.state)).map((alarm) => alarm.id);
  const acknowledge = (ids: string[]): void =>
    void client.call('lab:alarms:acknowledge', { ids }).then((result) => setError(result.ok ? undefined : result.error.message));
  return (
    <div className="panel-alarms" data-testid="panel-alarms">
      <div className="panel-alarms-actions">
        <button type="button" className="small primary" data-testid="panel-alarms-ack-all" disabled={ackable.length === 0} onClick={() => acknowledge(ackable)}>
          Acknowledge {ackable.length}
        </button>
        <button type="button" className="small" data-testid="panel-alarms-open" onClick={() => store.getState().setAlarmPanelOpen(true)}>
          Alarm list…
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {alarms === undefined ? (
        <p className="muted">…</p>
      ) : list.length === 0 ? (
        <p className="muted">No alarms.</p>
      ) : (
        <ul className="recent-events">
          {list.slice(0, 50).map((alarm) => (
            <li key={alarm.id} className={`alarm-line severity-${alarm.severity ?? 'none'}`} data-testid={`panel-alarm-${alarm.id}`} data-state={alarm.state}>
              <strong>{alarm.thing}</strong> {alarm.message} <span className="muted">{alarm.state}</span>
              {needsAck(alarm.state) && (
                <button type="button" className="small link" data-testid={`panel-alarm-ack-${alarm.id}`} onClick={() => acknowledge([alarm.id])}>
                  Acknowledge
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** One panel's content for the Thing it refers to now. */
function PanelContent({ panel, resolve, onChange }: { panel: LayoutPanel; resolve(ref: ThingRef): string | undefined; onChange?(panel: LayoutPanel): void }) {
  switch (panel.kind) {
    case 'value': {
      const thing = resolve(panel.thing);
      return thing === undefined ? <Missing what={refLabel(panel.thing)} /> : <ValuePanel thing={thing} property={panel.property} showThing={!('self' in panel.thing)} />;
    }
    case 'chart':
      return <ChartPanel panel={panel} resolve={resolve} onChange={onChange} />;
    case 'spectrum': {
      const thing = resolve(panel.thing);
      return thing === undefined ? <Missing what={refLabel(panel.thing)} /> : <SpectrumPanel thing={thing} property={panel.property} />;
    }
    case 'action': {
      const thing = resolve(panel.thing);
      return thing === undefined ? <Missing what={refLabel(panel.thing)} /> : <ActionPanel thing={thing} action={panel.action} />;
    }
    case 'properties': {
      const thing = resolve(panel.thing);
      return thing === undefined ? <Missing what={refLabel(panel.thing)} /> : <PropertiesPanel thing={thing} />;
    }
    case 'alarms':
      return <AlarmsPanel />;
    case 'timeline':
      return <RecentEvents />;
  }
}

const KINDS: { kind: LayoutPanelKind; label: string }[] = [
  { kind: 'value', label: 'Value tile' },
  { kind: 'chart', label: 'Chart of properties' },
  { kind: 'spectrum', label: 'Spectrum' },
  { kind: 'action', label: 'Action card' },
  { kind: 'alarms', label: 'Alarm list' },
  { kind: 'timeline', label: 'Timeline' },
  { kind: 'properties', label: 'Property table' },
];

function AddPanelForm({ body, self, onAdd }: { body: LayoutBody; self: string | undefined; onAdd(panel: LayoutPanel): void }) {
  const [kind, setKind] = useState<LayoutPanelKind>('value');
  const things = useLab(useShallow((state) => state.things.map((thing) => thing.name)));
  const [thingChoice, setThingChoice] = useState<string>(self === undefined ? '' : '$self');
  const thingName = thingChoice === '$self' ? self : thingChoice || undefined;
  useThingFeed(thingName);
  const td = useLab((state) => (thingName === undefined ? undefined : state.tds[thingName]));
  const summaryId = useLab((state) => state.things.find((thing) => thing.name === thingChoice)?.id);
  const [names, setNames] = useState<string[]>([]);
  const needsThing = kind !== 'alarms' && kind !== 'timeline';
  const options =
    kind === 'action'
      ? Object.keys(td?.actions ?? {})
      : Object.entries(td?.properties ?? {})
          .filter(([, schema]) => (kind === 'spectrum' ? schema.type === 'array' : kind === 'properties' ? false : schema.type === 'number' || schema.type === 'integer' || kind === 'value'))
          .map(([name]) => name);
  const ref: ThingRef | undefined = thingChoice === '$self' ? { self: true } : thingChoice ? (summaryId === undefined ? { name: thingChoice } : { name: thingChoice, id: summaryId }) : undefined;
  const chosen = names.filter((name) => options.includes(name));
  // An action card as tall as its form, a property table as its rows.
  const unsized = buildPanel(body, kind, needsThing ? ref : undefined, chosen);
  const panel = unsized && td ? buildPanel(body, kind, needsThing ? ref : undefined, chosen, { h: sizedToContent(unsized, td).h }) : unsized;
  return (
    <form
      className="add-panel"
      data-testid="add-panel"
      onSubmit={(event) => {
        event.preventDefault();
        if (panel) onAdd(panel);
        setNames([]);
      }}
    >
      <label>
        Panel
        <select data-testid="add-panel-kind" value={kind} onChange={(event) => (setKind(event.target.value as LayoutPanelKind), setNames([]))}>
          {KINDS.map((entry) => (
            <option key={entry.kind} value={entry.kind}>
              {entry.label}
            </option>
          ))}
        </select>
      </label>
      {needsThing && (
        <label>
          Thing
          <select data-testid="add-panel-thing" value={thingChoice} onChange={(event) => (setThingChoice(event.target.value), setNames([]))}>
            {self === undefined && <option value="">Choose…</option>}
            {self !== undefined && <option value="$self">this Thing (every Thing of its type)</option>}
            {things.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      {needsThing && kind !== 'properties' && (
        <label>
          {kind === 'action' ? 'Action' : kind === 'chart' ? 'Properties' : 'Property'}
          <select
            data-testid="add-panel-affordance"
            multiple={kind === 'chart'}
            size={kind === 'chart' ? Math.min(Math.max(options.length, 2), 5) : undefined}
            value={kind === 'chart' ? names : (names[0] ?? '')}
            onChange={(event) => setNames(Array.from(event.target.selectedOptions, (option) => option.value).filter((value) => value !== ''))}
          >
            {kind !== 'chart' && <option value="">Choose…</option>}
            {options.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      <button type="submit" data-testid="add-panel-submit" disabled={!panel}>
        Add panel
      </button>
    </form>
  );
}

/**
 * Exports a layout to a JSON file: in the desktop app through a save dialog (main writes the
 * file), in a browser as a download. Says what happened, or what went wrong.
 */
async function exportLayout(client: ReturnType<typeof useLabContext>['client'], layout: Layout): Promise<{ error?: string; note?: string }> {
  if (client.host === 'electron') {
    const saved = await client.call('lab:layouts:saveFile', { id: layout.id });
    if (!saved.ok) return { error: saved.error.message };
    return saved.value.path === null ? {} : { note: `Exported to ${saved.value.path}` };
  }
  const result = await client.call('lab:layouts:export', { id: layout.id });
  if (!result.ok) return { error: result.error.message };
  const blob = new Blob([JSON.stringify(result.value, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = layoutFileName(layout.saved.name);
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return {};
}

/**
 * A layout on the grid with its toolbar: Edit (move, resize, remove and add panels), Save and
 * Revert; for named layouts also Duplicate, Export and Delete. A viewer only looks.
 */
export function LayoutView({ layout, self }: { layout: Layout; self?: string }) {
  const { client, store } = useLabContext();
  const role = useLab((state) => state.role);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const resolve = useResolve(self);
  const body = currentBody(layout);
  const dirty = layout.working !== null;
  const canEdit = role === 'operator';

  const run = async (call: () => Promise<{ ok: true; value: Layout } | { ok: false; error: { message: string } }>): Promise<void> => {
    const result = await call();
    if (result.ok) {
      store.getState().putLayout(result.value);
      setError(undefined);
    } else setError(result.error.message);
  };
  const edit = (next: LayoutBody): void => {
    // Shown at once; the host's answer (and its announcement) follows.
    store.getState().putLayout({ ...layout, working: next });
    void run(() => client.call('lab:layouts:edit', { id: layout.id, body: next }));
  };

  return (
    <section className="layout-view" data-testid={`layout-${layout.id}`} data-dirty={dirty}>
      <div className="layout-toolbar" role="toolbar" aria-label="Layout">
        <span className="layout-name" title={layout.forType ? `Template for every Thing of type ${layout.forType}` : undefined}>
          {layout.forType ? 'Layout of this type' : body.name}
          {dirty && <span className="tag warn-tag">unsaved</span>}
        </span>
        {canEdit && (
          <button type="button" data-testid="layout-edit" aria-pressed={editing} onClick={() => setEditing(!editing)}>
            {editing ? 'Done' : 'Edit'}
          </button>
        )}
        {canEdit && dirty && (
          <>
            <button type="button" className="primary" data-testid="layout-save" onClick={() => void run(() => client.call('lab:layouts:save', { id: layout.id }))}>
              Save
            </button>
            <button type="button" data-testid="layout-revert" onClick={() => void run(() => client.call('lab:layouts:revert', { id: layout.id }))}>
              Revert
            </button>
          </>
        )}
        {canEdit && (
          <button
            type="button"
            data-testid="layout-duplicate"
            onClick={() =>
              void run(async () => {
                const result = await client.call('lab:layouts:duplicate', { id: layout.id, name: `${layout.forType && self ? `${self} layout` : body.name} copy` });
                if (result.ok) store.getState().showLayout(result.value.id);
                return result;
              })
            }
          >
            Duplicate
          </button>
        )}
        <button
          type="button"
          data-testid="layout-export"
          onClick={() =>
            void exportLayout(client, layout).then(({ error: failed, note: done }) => {
              setError(failed);
              setNote(done);
            })
          }
        >
          Export
        </button>
        {canEdit && layout.forType === null && !confirming && (
          <button type="button" className="danger" data-testid="layout-delete" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
        {confirming && (
          <span className="confirm" role="group" aria-label="Delete this layout?">
            <button
              type="button"
              className="danger"
              data-testid="layout-delete-confirm"
              onClick={() => {
                setConfirming(false);
                void client.call('lab:layouts:delete', { id: layout.id }).then((result) => {
                  if (result.ok) store.getState().dropLayout(layout.id);
                  else setError(result.error.message);
                });
              }}
            >
              Delete “{body.name}”
            </button>
            <button type="button" data-testid="layout-delete-cancel" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        )}
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="layout-error">
          {error}
        </p>
      )}
      {note && (
        <p className="muted" role="status" data-testid="layout-note">
          {note}
        </p>
      )}
      {editing && canEdit && (
        <>
          {layout.forType === null && (
            <label className="layout-rename">
              Name
              <input
                data-testid="layout-name"
                defaultValue={body.name}
                onBlur={(event) => {
                  const name = event.target.value.trim();
                  if (name && name !== body.name) edit({ ...body, name });
                }}
              />
            </label>
          )}
          <AddPanelForm body={body} self={layout.forType ? self : undefined} onAdd={(panel) => edit({ ...body, panels: [...body.panels, panel] })} />
        </>
      )}
      {body.panels.length === 0 && <p className="muted">This layout is empty{canEdit ? ': Edit, then add panels.' : '.'}</p>}
      <LayoutGrid
        body={body}
        editing={editing && canEdit}
        onChange={edit}
        onRemove={(panel) => edit({ ...body, panels: body.panels.filter((each) => each.id !== panel.id) })}
        renderPanel={(panel) => (
          <PanelContent panel={panel} resolve={resolve} onChange={editing && canEdit ? (changed) => edit({ ...body, panels: body.panels.map((each) => (each.id === changed.id ? changed : each)) }) : undefined} />
        )}
      />
    </section>
  );
}
