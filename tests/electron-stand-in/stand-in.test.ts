// The Electron stand-in itself, on a tiny app (fixtures/probe-app) started the way Electron
// starts one: what a sandboxed preload may require, IPC with the real sender frame, and the
// loud failure on every Electron API it does not implement.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const APP = join(__dirname, 'fixtures', 'probe-app');

interface Probe {
  menu: string;
  progressBar: string;
  unsandboxed: string;
  probe: { fs: string; childProcess: string; processType: string; sandboxed: boolean; require: string };
  ping: { value: number; frame: string; sender: number };
  userData: string;
  error?: string;
}

describe('the Electron stand-in', () => {
  let userData: string;
  let probe: Probe;
  let exitCode: number | null;

  beforeAll(async () => {
    userData = await mkdtemp(join(tmpdir(), 'lab-stand-in-probe-'));
    const child = spawn(join(__dirname, 'electron'), [APP, `--user-data-dir=${userData}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    exitCode = await new Promise<number | null>((done) => child.on('exit', done));
    const line = out.split('\n').find((each) => each.startsWith('PROBE '));
    if (!line) throw new Error(`the probe app printed nothing:\n${out}\n${err}`);
    probe = JSON.parse(line.slice('PROBE '.length)) as Probe;
  }, 60_000);

  afterAll(async () => {
    await rm(userData, { recursive: true, force: true });
  });

  it('runs the app to its own app.quit() and exits 0', () => {
    expect(probe.error).toBeUndefined();
    expect(exitCode).toBe(0);
    expect(probe.userData).toBe(userData);
  });

  it('gives the preload only what a sandboxed preload gets', () => {
    expect(probe.probe).toEqual({
      fs: 'module not found: fs',
      childProcess: 'module not found: node:child_process',
      processType: 'renderer',
      sandboxed: true,
      require: 'undefined',
    });
  });

  it('answers ipcRenderer.invoke from ipcMain.handle with the frame Chromium reports', () => {
    expect(probe.ping).toEqual({ value: 41, frame: pathToFileURL(join(APP, 'index.html')).href, sender: 1 });
  });

  it('throws, naming the API, for anything it does not implement', () => {
    expect(probe.menu).toMatch(/^Electron stand-in: electron\.Menu is not implemented/);
    expect(probe.progressBar).toMatch(/^Electron stand-in: BrowserWindow\.setProgressBar is not implemented/);
    expect(probe.unsandboxed).toMatch(/BrowserWindow with webPreferences\.sandbox = false .* is not implemented/);
  });
});
