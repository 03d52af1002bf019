// Types for scripts/electron-fetch.mjs (used from tests/scripts).
export declare const PROBE_TIMEOUT_MS: number;
export declare const RETRY_AFTER_MS: number;
export declare const DOWNLOAD_TIMEOUT_MS: number;
export interface Failure {
  failedAt: string;
  reason: string;
}
export declare function stateFile(root: string, env?: Record<string, string | undefined>): string;
export declare function downloadTarget(env?: Record<string, string | undefined>): { host: string; port: number };
export declare function probe(target: { host: string; port: number }, timeoutMs?: number): Promise<{ ok: true } | { ok: false; reason: string }>;
export declare function readFailure(file: string): Failure | undefined;
export declare function failedRecently(failure: Failure | undefined, now?: number): boolean;
export declare function recordFailure(file: string, reason: string, now?: number): void;
export declare function clearFailure(file: string): void;
export declare function oneLine(text: string | undefined, fallback: string): string;
export declare function fetchElectronOnce(options: {
  root: string;
  installScript: string;
  env?: Record<string, string | undefined>;
  now?: number;
  probeTimeoutMs?: number;
  log?: (line: string) => void;
}): Promise<{ outcome: 'installed' } | { outcome: 'skipped' | 'failed'; sentence: string }>;
