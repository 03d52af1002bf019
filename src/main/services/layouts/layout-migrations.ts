import { z } from 'zod';
import { LAYOUT_VERSION, LayoutsFile, type LayoutPanel } from '../../../shared/layout';

/**
 * Layout files of every version this Lab Monitor has written, brought to the current one.
 * Version 1 had no working copies and named Things by their name only (`thing: "stage"`,
 * `"$self"` in a type's template).
 */

const V1Panel = z.looseObject({ kind: z.string(), thing: z.string().optional() });
const V1File = z.object({
  version: z.literal(1),
  layouts: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      type: z.string().nullable().optional(),
      panels: z.array(V1Panel),
      savedAt: z.string().optional(),
    }),
  ),
});

function fromV1(file: z.infer<typeof V1File>): unknown {
  return {
    version: 2,
    layouts: file.layouts.map((layout) => ({
      id: layout.id,
      forType: layout.type ?? null,
      saved: {
        name: layout.name,
        panels: layout.panels.map((panel) => {
          const { thing, ...rest } = panel;
          if (thing === undefined) return rest;
          return { ...rest, thing: thing === '$self' ? { self: true } : { name: thing } };
        }) as LayoutPanel[],
      },
      working: null,
      savedAt: layout.savedAt ?? new Date(0).toISOString(),
    })),
  };
}

export type MigrationOutcome = { ok: true; file: LayoutsFile; migratedFrom?: number } | { ok: false; problem: string };

/** Reads a parsed layouts file of any known version; says what is wrong otherwise. */
export function migrateLayouts(raw: unknown): MigrationOutcome {
  const version = typeof raw === 'object' && raw !== null && 'version' in raw ? (raw as { version: unknown }).version : undefined;
  let current: unknown = raw;
  let migratedFrom: number | undefined;
  if (version === 1) {
    const v1 = V1File.safeParse(raw);
    if (!v1.success) return { ok: false, problem: `version 1 file: ${z.prettifyError(v1.error)}` };
    current = fromV1(v1.data);
    migratedFrom = 1;
  } else if (typeof version === 'number' && version > LAYOUT_VERSION) {
    return { ok: false, problem: `written by a newer Lab Monitor (layout version ${version}; this one reads up to ${LAYOUT_VERSION})` };
  }
  const parsed = LayoutsFile.safeParse(current);
  if (!parsed.success) return { ok: false, problem: z.prettifyError(parsed.error) };
  return migratedFrom === undefined ? { ok: true, file: parsed.data } : { ok: true, file: parsed.data, migratedFrom };
}
