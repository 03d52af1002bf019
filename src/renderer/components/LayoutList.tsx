import { useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { LayoutExport } from '../../shared/layout';
import { useLab, useLabContext } from '../ui/lab-context';

/** Named layouts in the sidebar: open one, make a new one, import one from a file. */
export function LayoutList() {
  const { client, store } = useLabContext();
  const layouts = useLab(useShallow((state) => state.layouts.filter((layout) => layout.forType === null).map((layout) => `${layout.id}\u0000${layout.saved.name}`)));
  const open = useLab((state) => state.openLayout);
  const role = useLab((state) => state.role);
  const file = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string>();

  const importFile = async (chosen: File): Promise<void> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await chosen.text());
    } catch {
      setError(`${chosen.name} is not JSON`);
      return;
    }
    const checked = LayoutExport.safeParse(parsed);
    if (!checked.success) {
      setError(`${chosen.name} is not a Lab Monitor layout: ${checked.error.issues[0]?.message ?? 'unknown shape'}`);
      return;
    }
    const result = await client.call('lab:layouts:import', { file: checked.data });
    if (!result.ok) return setError(result.error.message);
    setError(undefined);
    store.getState().putLayout(result.value);
    store.getState().showLayout(result.value.id);
  };

  return (
    <section className="layout-list" aria-label="Layouts">
      <h2>Layouts</h2>
      {layouts.length === 0 && <p className="muted">No named layouts.</p>}
      <ul data-testid="layout-list">
        {layouts.map((entry) => {
          const [id = '', name] = entry.split('\u0000');
          return (
            <li key={id}>
              <button type="button" className={open === id ? 'thing-item selected' : 'thing-item'} aria-current={open === id ? 'true' : undefined} data-testid={`open-layout-${id}`} onClick={() => store.getState().showLayout(id)}>
                {name}
              </button>
            </li>
          );
        })}
      </ul>
      {role === 'operator' && (
        <div className="layout-list-actions">
          <button type="button" className="small" data-testid="layout-new" onClick={() => void newLayout(client, store)}>
            New layout
          </button>
          <button type="button" className="small" data-testid="layout-import" onClick={() => file.current?.click()}>
            Import…
          </button>
          <input
            ref={file}
            type="file"
            accept="application/json,.json"
            hidden
            data-testid="layout-import-file"
            onChange={(event) => {
              const chosen = event.target.files?.[0];
              event.target.value = '';
              if (chosen) void importFile(chosen);
            }}
          />
        </div>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="layout-import-error">
          {error}
        </p>
      )}
    </section>
  );
}

/** Creates an empty named layout and opens it. */
export async function newLayout(client: ReturnType<typeof useLabContext>['client'], store: ReturnType<typeof useLabContext>['store']): Promise<void> {
  const taken = new Set(store.getState().layouts.map((layout) => layout.saved.name));
  let n = 1;
  while (taken.has(`Layout ${n}`)) n += 1;
  const result = await client.call('lab:layouts:create', { body: { name: `Layout ${n}`, panels: [] } });
  if (!result.ok) return;
  store.getState().putLayout(result.value);
  store.getState().showLayout(result.value.id);
}
