import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { failedRecently, fetchElectronOnce, oneLine, probe, readFailure, RETRY_AFTER_MS, stateFile } from '../../scripts/electron-fetch.mjs';

// `npm start` on a firewalled lab PC: one short probe, then no new try for a day after a
// failure, and one plain sentence. Real sockets on 127.0.0.1; the installer is a stand-in.

const dirs: string[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lab-electron-fetch-'));
  dirs.push(dir);
  return dir;
}

async function listening(): Promise<number> {
  const server = createServer((socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

async function closedPort(): Promise<number> {
  const port = await listening();
  const server = servers.pop();
  await new Promise((resolve) => server?.close(resolve));
  return port;
}

/** A stand-in for electron's install.js: counts its runs, then fails as the real one does offline. */
function installer(dir: string, fail = true): { script: string; runs: () => number } {
  const counter = join(dir, 'runs.txt');
  const script = join(dir, 'install.js');
  writeFileSync(
    script,
    `const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(counter)}, 'x');
${fail ? `console.error('RequestError: getaddrinfo ENOTFOUND github.com\\n    at ClientRequest.<anonymous> (/x/got/index.js:1:1)\\n    at process.processTicksAndRejections');
process.exit(1);` : ''}`,
  );
  return { script, runs: () => (existsSync(counter) ? readFileSync(counter, 'utf8').length : 0) };
}

describe('npm start: fetching Electron', () => {
  it('probes the download host once, briefly, and remembers a failure for a day', async () => {
    const dir = folder();
    const { script, runs } = installer(dir);
    const env = { LAB_MONITOR_CACHE_DIR: dir, ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/` };
    const first = await fetchElectronOnce({ root: dir, installScript: script, env, log: () => {} });
    expect(first.outcome).toBe('failed');
    // Nothing reachable: the installer never ran, and nothing waited a minute for it.
    expect(runs()).toBe(0);
    expect(first.outcome !== 'installed' && first.sentence).toMatch(/^it could not be fetched: 127\.0\.0\.1 is not reachable \(ECONNREFUSED\)$/);
    const file = stateFile(dir, env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const failure = readFailure(file);
    expect(failure?.failedAt).toMatch(/Z$/);

    // Within the day: not even a probe; it says when the last try failed.
    const again = await fetchElectronOnce({ root: dir, installScript: script, env, now: Date.now() + 3_600_000, log: () => {} });
    expect(again.outcome).toBe('skipped');
    expect(again.outcome !== 'installed' && again.sentence).toMatch(/^fetching it failed 1 h ago: 127\.0\.0\.1 is not reachable \(ECONNREFUSED\); the next try is in a day/);
    expect(failedRecently(failure, Date.now() + RETRY_AFTER_MS + 1)).toBe(false);
    // A clock that jumped back does not lock the fetch out.
    expect(failedRecently(failure, Date.now() - 60_000)).toBe(false);
  });

  it('reports an installer failure in one line without its stack, and tries again only after a day', async () => {
    const dir = folder();
    const { script, runs } = installer(dir);
    const env = { LAB_MONITOR_CACHE_DIR: dir, ELECTRON_MIRROR: `http://127.0.0.1:${await listening()}/` };
    const lines: string[] = [];
    const first = await fetchElectronOnce({ root: dir, installScript: script, env, log: (line) => lines.push(line) });
    expect(runs()).toBe(1);
    expect(first).toEqual({ outcome: 'failed', sentence: 'it could not be fetched: getaddrinfo ENOTFOUND github.com' });
    expect(lines).toEqual(['Fetching the Electron runtime (once)...']);
    await fetchElectronOnce({ root: dir, installScript: script, env, log: () => {} });
    expect(runs()).toBe(1);
    await fetchElectronOnce({ root: dir, installScript: script, env, now: Date.now() + RETRY_AFTER_MS + 1000, log: () => {} });
    expect(runs()).toBe(2);
    // Asked for explicitly: tries at once.
    await fetchElectronOnce({ root: dir, installScript: script, env: { ...env, LAB_MONITOR_FETCH_ELECTRON: '1' }, log: () => {} });
    expect(runs()).toBe(3);
  });

  it('forgets the failure once a fetch works', async () => {
    const dir = folder();
    const { script } = installer(dir, false);
    const env = { LAB_MONITOR_CACHE_DIR: dir, ELECTRON_MIRROR: `http://127.0.0.1:${await listening()}/`, LAB_MONITOR_FETCH_ELECTRON: '1' };
    writeFileSync(stateFile(dir, env), JSON.stringify({ version: 1, failedAt: new Date().toISOString(), reason: 'offline' }));
    expect(await fetchElectronOnce({ root: dir, installScript: script, env, log: () => {} })).toEqual({ outcome: 'installed' });
    expect(existsSync(stateFile(dir, env))).toBe(false);
  });

  it('keeps one plain line of what went wrong', async () => {
    expect(oneLine('RequestError: connect ETIMEDOUT 140.82.121.4:443\n    at x (y.js:1:1)', 'exit 1')).toBe('connect ETIMEDOUT 140.82.121.4:443');
    expect(oneLine('', 'exit 7')).toBe('exit 7');
    expect((await probe({ host: '127.0.0.1', port: await listening() }, 500)).ok).toBe(true);
  });
});
