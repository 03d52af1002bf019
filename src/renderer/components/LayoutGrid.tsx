import { useMemo, type ReactNode } from 'react';
import ReactGridLayout, { useContainerWidth, verticalCompactor, type Layout as GridItems } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import 'react-resizable/css/styles.css';
import { LAYOUT_COLUMNS, type LayoutBody, type LayoutPanel } from '../../shared/layout';
// The same geometry panels are sized by (a value tile is two rows).
import { GAP_PX, ROW_PX } from '../../shared/layout-size';
import { NARROW_GRID_PX, stackPanels } from '../ui/layout-place';

/**
 * Panels on a 12-column grid (react-grid-layout): in edit mode they move by their title bar and
 * resize from the corner; every move ends in one `onChange` with the new body.
 */
export function LayoutGrid({
  body,
  editing,
  onChange,
  renderPanel,
  onRemove,
}: {
  body: LayoutBody;
  editing: boolean;
  onChange(body: LayoutBody): void;
  renderPanel(panel: LayoutPanel): ReactNode;
  onRemove(panel: LayoutPanel): void;
}) {
  const { width, containerRef, mounted } = useContainerWidth();
  // On a narrow screen the panels stack and keep their places in the layout (arranging waits for a wider window).
  const narrow = mounted && width < NARROW_GRID_PX;
  const items: GridItems = useMemo(
    () =>
      narrow
        ? stackPanels(body.panels).map((item) => ({ ...item, minW: 2, minH: 2 }))
        : body.panels.map((panel) => ({ i: panel.id, x: panel.x, y: panel.y, w: panel.w, h: panel.h, minW: 2, minH: 2 })),
    [body.panels, narrow],
  );
  const arranging = editing && !narrow;
  const moved = (next: GridItems): void => {
    let changed = false;
    const panels = body.panels.map((panel) => {
      const item = next.find((candidate) => candidate.i === panel.id);
      if (!item || (item.x === panel.x && item.y === panel.y && item.w === panel.w && item.h === panel.h)) return panel;
      changed = true;
      return { ...panel, x: item.x, y: item.y, w: item.w, h: item.h };
    });
    if (changed) onChange({ ...body, panels });
  };
  return (
    <div ref={containerRef} className={editing ? 'layout-grid editing' : 'layout-grid'} data-testid="layout-grid" data-narrow={narrow}>
      {editing && narrow && <p className="muted layout-narrow-note">The panels are stacked to fit this window: widen it to move or resize them.</p>}
      {mounted && (
        <ReactGridLayout
          width={width}
          layout={items}
          gridConfig={{ cols: LAYOUT_COLUMNS, rowHeight: ROW_PX, margin: [GAP_PX, GAP_PX], containerPadding: [0, 0] }}
          dragConfig={{ enabled: arranging, handle: '.panel-head' }}
          resizeConfig={{ enabled: arranging, handles: ['se'] }}
          compactor={verticalCompactor}
          onDragStop={(layout) => moved(layout)}
          onResizeStop={(layout) => moved(layout)}
        >
          {body.panels.map((panel) => (
            <section key={panel.id} className={`panel panel-${panel.kind}`} data-testid={`panel-${panel.id}`} data-kind={panel.kind}>
              <header className="panel-head">
                <span className="panel-title">{panel.title ?? panelTitle(panel)}</span>
                {editing && (
                  <button type="button" className="small link" data-testid={`panel-remove-${panel.id}`} aria-label={`Remove ${panel.title ?? panelTitle(panel)}`} onClick={() => onRemove(panel)}>
                    ✕
                  </button>
                )}
              </header>
              <div className="panel-body">{renderPanel(panel)}</div>
            </section>
          ))}
        </ReactGridLayout>
      )}
    </div>
  );
}

const thingLabel = (ref: { self: true } | { name: string }): string => ('self' in ref ? '' : `${ref.name} · `);

/** A panel's title when the operator gave none. */
export function panelTitle(panel: LayoutPanel): string {
  switch (panel.kind) {
    case 'value':
    case 'spectrum':
      return `${thingLabel(panel.thing)}${panel.property}`;
    case 'chart':
      return panel.series.length === 0 ? 'Chart' : panel.series.map((series) => `${thingLabel(series.thing)}${series.property}`).join(', ');
    case 'action':
      return `${thingLabel(panel.thing)}${panel.action}`;
    case 'properties':
      return `${thingLabel(panel.thing)}properties`;
    case 'alarms':
      return 'Alarms';
    case 'timeline':
      return 'Timeline';
  }
}

export { placeNewPanel } from '../ui/layout-place';
