import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The mosquitto binary, or undefined when it is not installed. */
export function findMosquitto(): string | undefined {
  const candidates = ['/usr/sbin/mosquitto', ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'mosquitto'))];
  return candidates.find((candidate) => existsSync(candidate));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

export interface Mosquitto {
  port: number;
  /** The broker's process id (benchmarks read its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * A real broker on 127.0.0.1 with a generated config (anonymous access, no persistence).
 * `listener` replaces the listener's own lines (TLS, passwords: `dir` is the broker's folder
 * for their files); `extra` is appended (bridges).
 */
export async function startMosquitto(
  binary: string,
  port?: number,
  options: { listener?: (dir: string) => Promise<string> | string; extra?: string } = {},
): Promise<Mosquitto> {
  const chosen = port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  const listener = options.listener ? await options.listener(dir) : 'allow_anonymous true\n';
  await writeFile(config, `per_listener_settings false\nlistener ${chosen} 127.0.0.1\n${listener}persistence false\n${options.extra ?? ''}`);
  const child: ChildProcess = spawn(binary, ['-c', config], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!(await accepts(chosen))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`mosquitto did not start on port ${chosen}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port: chosen,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
