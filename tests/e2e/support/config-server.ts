import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ConfigServer {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

/**
 * A browser-mode Lab Monitor of its own (the built app), on a free port of 127.0.0.1 with a
 * fresh data folder (its recorder writes there), for specs that need another instrument
 * configuration or a recording that starts empty. Stopped and removed by `close`.
 */
export async function startConfigServer(config: string): Promise<ConfigServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lab-e2e-data-'));
  const port = await freePort();
  const token = 'e2e-own-server-token-0123456789';
  const child: ChildProcess = spawn(process.execPath, ['out/main/serve.js', '--port', String(port), '--token', token, '--config', config, '--data', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  const deadline = Date.now() + 30_000;
  while (!output.includes(`127.0.0.1:${port}`)) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${output}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`the server did not start within 30 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    dataDir,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
