// Types for scripts/test-summary.mjs.
export interface Summary {
  passed: number;
  failed: number;
  /** Tests that passed only on a retry: not counted as passed. */
  flaky: string[];
  /** Why something failed beyond the failing tests (all of it is in `failed`). */
  problems: string[];
}
export declare function summarise(dir?: string, extraFailures?: string[]): Summary;
export declare function summaryLines(summary: Summary): string[];
