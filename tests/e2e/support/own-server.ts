import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Spawns a process and waits for the line `pattern` finds its URL in. */
async function spawnUntil(command: string, args: string[], pattern: RegExp, what: string): Promise<{ child: ChildProcess; url: string }> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never left running behind a failed test
      reject(new Error(`${what} did not start:\n${output}`));
    }, 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = pattern.exec(output)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}):\n${output}`));
    });
  });
  return { child, url };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface ReplayProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The LabThings replay server (recorded labthings-fastapi v0.3.0 exchanges) in a process of its own. */
export async function startReplayProcess(port = 0): Promise<ReplayProcess> {
  const { child, url } = await spawnUntil(
    process.execPath,
    ['node_modules/tsx/dist/cli.mjs', 'tests/e2e/support/replay-process.ts', String(port)],
    /replay: (http\S+)/,
    'the LabThings replay server',
  );
  return { url, port: Number(new URL(url).port), stop: () => stopChild(child) };
}

export interface OwnServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A browser-mode Lab Monitor of its own (the built `out/main/serve.js`), for tests that need
 * options the shared one does not have, or to stop and restart it. One simulated instrument.
 */
export async function startOwnServer(options: { port?: number; token: string; args?: string[] }): Promise<OwnServer> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'lab-e2e-own-'));
  const config = join(dir, 'instruments.json');
  writeFileSync(config, JSON.stringify({ seed: 1, instruments: [{ kind: 'psu', name: 'psu', updateHz: 2 }] }));
  const { child, url } = await spawnUntil(
    process.execPath,
    ['out/main/serve.js', '--port', String(port), '--token', options.token, '--config', config, ...(options.args ?? [])],
    /browser mode\), operator[^:]*: (http\S+)/,
    'browser mode',
  );
  return {
    url,
    port,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
