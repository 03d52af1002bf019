import { matchSorter, rankings } from 'match-sorter';

/** One thing the command palette can do: go somewhere or run something. */
export interface PaletteEntry {
  id: string;
  kind: 'thing' | 'property' | 'action' | 'layout' | 'command';
  /** What the operator reads and types: "thermo · setpoint", "Run rampTo on thermo". */
  label: string;
  /** Shown dimmed beside the label (a unit, a Thing title, a shortcut). */
  detail?: string;
  /** Further words that find it (Thing names, titles, affordance names). */
  keywords?: readonly string[];
}

/** Kinds in the order they win a tie: places before commands. */
const KIND_ORDER: Record<PaletteEntry['kind'], number> = { thing: 0, layout: 1, property: 2, action: 3, command: 4 };

/**
 * The palette's ranking: exact and prefix matches of the label first, then word starts, then
 * matches in keywords, then letters in order (fuzzy); ties keep Things and layouts above
 * commands. An empty query lists everything in that order. match-sorter does the matching, so
 * "rmp" still finds "rampTo" and "thermo set" finds "thermo · setpoint".
 */
export function rankPalette<E extends PaletteEntry>(entries: readonly E[], query: string, limit = 50): E[] {
  const q = query.trim();
  const ordered = [...entries].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  if (q === '') return ordered.slice(0, limit);
  // The label counts most: a keyword match ranks no higher than a word inside the label.
  const keys = ['label', { key: (entry: E) => [...(entry.keywords ?? [])], maxRanking: rankings.WORD_STARTS_WITH }];
  const words = q.split(/\s+/);
  // Several words: each must be in the label or keywords, so "thermo ramp" narrows.
  const candidates =
    words.length === 1
      ? ordered
      : ordered.filter((entry) => words.every((word) => matchSorter([entry], word, { keys, threshold: rankings.CONTAINS }).length > 0));
  return matchSorter(candidates, q, {
    keys,
    threshold: words.length === 1 ? rankings.MATCHES : rankings.NO_MATCH,
    baseSort: (a, b) => KIND_ORDER[a.item.kind] - KIND_ORDER[b.item.kind] || a.index - b.index,
  }).slice(0, limit);
}
