// Whether and how `npm start` fetches the Electron runtime: one short connectivity probe
// (at most 3 s) before the download, and after a failure no new try for a day (remembered
// in a small cache file). Everything it says is one plain sentence, never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';

export const PROBE_TIMEOUT_MS = 3_000;
export const RETRY_AFTER_MS = 24 * 60 * 60 * 1000;
/** The download itself, once the probe answered. */
export const DOWNLOAD_TIMEOUT_MS = 120_000;

/** Where the last failed try is remembered (LAB_MONITOR_CACHE_DIR overrides the folder). */
export function stateFile(root, env = process.env) {
  const dir = env.LAB_MONITOR_CACHE_DIR ?? join(root, 'node_modules', '.cache', 'lab-monitor');
  return join(dir, 'electron-fetch.json');
}

/** The host and port the Electron download comes from: its mirror when one is set, else GitHub. */
export function downloadTarget(env = process.env) {
  const mirror = env.ELECTRON_MIRROR ?? env.npm_config_electron_mirror ?? 'https://github.com/';
  try {
    const url = new URL(mirror);
    return { host: url.hostname, port: Number(url.port) || (url.protocol === 'http:' ? 80 : 443) };
  } catch {
    return { host: 'github.com', port: 443 };
  }
}

/** One TCP connect with a deadline: `{ ok: true }` or `{ ok: false, reason }`. Never throws. */
export function probe({ host, port }, timeoutMs = PROBE_TIMEOUT_MS) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `${host} did not answer within ${timeoutMs / 1000} s` }), timeoutMs);
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (error) => done({ ok: false, reason: `${host} is not reachable (${error.code ?? error.message})` }));
  });
}

/** The last failed try, or undefined (no file, unreadable, or not ours). */
export function readFailure(file) {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8'));
    if (state?.version !== 1 || typeof state.failedAt !== 'string' || Number.isNaN(Date.parse(state.failedAt))) return undefined;
    return { failedAt: state.failedAt, reason: typeof state.reason === 'string' ? state.reason : 'unknown' };
  } catch {
    return undefined;
  }
}

/** A failure less than a day old (a time in the future counts as none: a clock was wrong). */
export function failedRecently(failure, now = Date.now()) {
  if (!failure) return false;
  const age = now - Date.parse(failure.failedAt);
  return age >= 0 && age < RETRY_AFTER_MS;
}

export function recordFailure(file, reason, now = Date.now()) {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ version: 1, failedAt: new Date(now).toISOString(), reason })}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

export function clearFailure(file) {
  rmSync(file, { force: true });
}

/** The one line worth showing from an installer's output: no stack frames, no error class prefix. */
export function oneLine(text, fallback) {
  const line = `${text ?? ''}`
    .split('\n')
    .map((each) => each.trim())
    .find((each) => each !== '' && !each.startsWith('at ') && !/^[\w.]*Error:?$/.test(each));
  const plain = (line ?? fallback).replace(/^(?:[A-Z]\w*Error|Error):\s*/, '').replace(/\s+/g, ' ');
  return plain.length > 160 ? `${plain.slice(0, 157)}…` : plain;
}

const sinceText = (failedAt, now) => {
  const hours = Math.max(0, (now - Date.parse(failedAt)) / 3_600_000);
  return hours < 1 ? `${Math.max(1, Math.round(hours * 60))} min ago` : `${Math.round(hours)} h ago`;
};

/**
 * Tries to fetch Electron with its install script, unless a try failed within a day or the
 * download host does not answer a 3 s probe. Returns `{ outcome: 'installed' }` or
 * `{ outcome: 'skipped' | 'failed', sentence }`, the sentence saying why in plain words.
 * `LAB_MONITOR_FETCH_ELECTRON=1` tries regardless of an earlier failure.
 */
export async function fetchElectronOnce({ root, installScript, env = process.env, now = Date.now(), probeTimeoutMs = PROBE_TIMEOUT_MS, log = console.log }) {
  const file = stateFile(root, env);
  const failure = readFailure(file);
  if (failedRecently(failure, now) && env.LAB_MONITOR_FETCH_ELECTRON !== '1') {
    return {
      outcome: 'skipped',
      sentence: `fetching it failed ${sinceText(failure.failedAt, now)}: ${failure.reason}; the next try is in a day, or now with LAB_MONITOR_FETCH_ELECTRON=1`,
    };
  }
  const target = downloadTarget(env);
  const reachable = await probe(target, probeTimeoutMs);
  if (!reachable.ok) {
    recordFailure(file, reachable.reason, now);
    return { outcome: 'failed', sentence: `it could not be fetched: ${reachable.reason}` };
  }
  log('Fetching the Electron runtime (once)...');
  const result = spawnSync(process.execPath, [installScript], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: DOWNLOAD_TIMEOUT_MS,
    encoding: 'utf8',
  });
  if (result.error || result.status !== 0) {
    const reason = result.error?.code === 'ETIMEDOUT' ? `no download within ${DOWNLOAD_TIMEOUT_MS / 1000} s` : oneLine(result.stderr || result.error?.message, `exit ${result.status}`);
    recordFailure(file, reason, now);
    return { outcome: 'failed', sentence: `it could not be fetched: ${reason}` };
  }
  clearFailure(file);
  return { outcome: 'installed' };
}
