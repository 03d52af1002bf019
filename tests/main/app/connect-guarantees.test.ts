import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLabCore, type LabCore } from '../../../src/main/app/lab-core';
import type { Logger } from '../../../src/main/core/logger';
import type { Instrument } from '../../../src/shared/contract';
import { startLabThingsReplay, type ReplayServer } from '../drivers/servers/labthings-replay';

// What `--connect` promises, through the composition root as serve.ts and index.ts use it:
// the instruments it brings are for this run only, and a URL that fails is logged without
// the credentials it carries.

/** Keeps every line and every detail argument, as text, so nothing can hide in a detail. */
class TextLogger implements Logger {
  readonly lines: string[] = [];
  private keep(level: string, message: string, details: unknown[]): void {
    const shown = details.map((detail) => (detail instanceof Error ? `${detail.message} ${detail.stack ?? ''}` : JSON.stringify(detail)));
    this.lines.push([level, message, ...shown].join(' '));
  }
  info(message: string, ...details: unknown[]): void {
    this.keep('info', message, details);
  }
  warn(message: string, ...details: unknown[]): void {
    this.keep('warn', message, details);
  }
  error(message: string, ...details: unknown[]): void {
    this.keep('error', message, details);
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The instrument list as a window asks for it. */
async function instruments(lab: LabCore): Promise<Instrument[]> {
  const result = await lab.handleCall('lab:instruments:list', {});
  if (!result.ok) throw new Error(result.error.message);
  return result.value as Instrument[];
}

let dir: string;
let core: LabCore | undefined;
let replay: ReplayServer | undefined;
let garbage: Server | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lab-connect-'));
});
afterEach(async () => {
  await core?.dispose();
  await replay?.close();
  if (garbage) await new Promise((resolve) => garbage?.close(resolve));
  core = undefined;
  replay = undefined;
  garbage = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A server that answers every request, but with something that is no Thing. */
async function startGarbage(): Promise<string> {
  garbage = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>not a thing</html>');
  });
  await new Promise<void>((resolve) => garbage?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/`;
}

describe('--connect', () => {
  it('connects its instruments for this run without saving them, beside saved ones', async () => {
    replay = await startLabThingsReplay();
    const settingsPath = join(dir, 'instruments.json');
    const logger = new TextLogger();
    core = await createLabCore({ instrumentConfig: { instruments: [] }, settingsPath, connect: [replay.url], logger });
    const lab = core;
    let connected = false;
    await until(() => {
      void instruments(lab).then((list) => (connected = list.some((instrument) => instrument.connection.status === 'connected')));
      return connected;
    });
    await expect(readFile(settingsPath, 'utf8')).rejects.toThrow(); // nothing saved
    // Something the operator adds is saved; the --connect one still is not.
    const other = await startLabThingsReplay();
    try {
      const added = await lab.handleCall('lab:instruments:add', { url: other.url });
      expect(added.ok).toBe(true);
      const saved = JSON.parse(await readFile(settingsPath, 'utf8')) as { instruments: Array<{ url: string }> };
      expect(saved.instruments.map((instrument) => instrument.url)).toEqual([other.url]);
    } finally {
      await other.close();
    }
  });

  it('logs a failing URL without its password, whatever way it fails', async () => {
    const refused = await startGarbage();
    // A port nobody listens on: kept and retried, so its retries are logged too.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const logger = new TextLogger();
    core = await createLabCore({
      instrumentConfig: { instruments: [] },
      settingsPath: join(dir, 'instruments.json'),
      connect: [
        refused.replace('http://', 'http://alice:s3cret-one@'),
        `http://bob:s3cret-two@127.0.0.1:${closedPort}/`,
        'mqtt://carol:s3cret-three@127.0.0.1:1/',
      ],
      logger,
    });
    await until(() => logger.lines.some((line) => line.includes('--connect') && line.includes(new URL(refused).host)));
    await new Promise((resolve) => setTimeout(resolve, 500)); // a few retries of the others
    expect(logger.text).toContain('--connect');
    expect(logger.text).not.toMatch(/s3cret|alice:|bob:|carol:/);
    const urls = (await instruments(core)).map((instrument) => instrument.url);
    expect(urls.join(' ')).not.toMatch(/s3cret/);
  });
});
