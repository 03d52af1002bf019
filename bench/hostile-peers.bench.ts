// Hostile peers against browser mode, in figures: a 1 GiB body, a gzip bomb inflating to
// 1 GiB, an event stream that never ends its line, and a client that asks and never reads.
// Lab Monitor runs in this process; the hostile server and the greedy client run in their own,
// so only Lab Monitor's memory is counted. Figures are from one run on a shared machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { silentLogger } from '../src/main/core/logger';
import { startBrowserServer } from '../src/main/serve';

const TOKEN = 'bench-token-0123456789abcdef0123';
const MB = 1e6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const children: ChildProcess[] = [];
const tsx = (file: string, args: string[]): ChildProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
};
const firstLine = <T>(child: ChildProcess, timeoutMs: number): Promise<T | undefined> =>
  new Promise((resolve) => {
    child.stdout?.once('data', (data: Buffer) => resolve(JSON.parse(data.toString()) as T));
    setTimeout(() => resolve(undefined), timeoutMs).unref();
  });

async function main(): Promise<void> {
  const hostile = tsx('bench/hostile/server.ts', ['1024']);
  const info = await firstLine<{ base: string; control: number }>(hostile, 120_000);
  if (!info) throw new Error('the hostile server did not start');
  const stats = async () => (await (await fetch(`http://127.0.0.1:${info.control}/`)).json()) as { bytesSent: number; openStreams: number };

  const server = await startBrowserServer({
    port: 0,
    token: TOKEN,
    rendererDir: mkdtempSync(join(tmpdir(), 'lab-bench-')),
    logger: silentLogger,
    instrumentConfig: { instruments: [{ kind: 'thermo', name: 'thermo', updateHz: 10 }] },
  });

  // Event-loop stall and peak memory, sampled every 10 ms.
  let base = process.memoryUsage().rss;
  let peak = base;
  let stall = 0;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 10);
    last = now;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10).unref();
  const resetMonitor = () => {
    base = process.memoryUsage().rss;
    peak = base;
    stall = 0;
    last = performance.now();
  };

  function client() {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${TOKEN}`);
    const pending = new Map<number, (result: { ok: boolean; error?: { message: string } }) => void>();
    let id = 0;
    let lastBatch = 0;
    let gap = 0;
    ws.on('message', (data) => {
      // A live frame's own seq is all a client needs to acknowledge it (see LiveFrame).
      const frame = JSON.parse(data.toString()) as { type: string; id: number; result: never; frame: { seq: number } };
      if (frame.type === 'result') pending.get(frame.id)?.(frame.result);
      else {
        const now = performance.now();
        if (lastBatch) gap = Math.max(gap, now - lastBatch);
        lastBatch = now;
        ws.send(JSON.stringify({ type: 'ack', seq: frame.frame.seq }));
      }
    });
    return {
      opened: new Promise((resolve) => ws.once('open', resolve)),
      call: (channel: string, request: unknown) =>
        new Promise<{ ok: boolean; value?: unknown; error?: { message: string } }>((resolve) => {
          id += 1;
          pending.set(id, resolve);
          ws.send(JSON.stringify({ type: 'call', id, channel, request }));
        }),
      gap: () => Math.round(gap),
      resetGap: () => {
        gap = 0;
        lastBatch = 0;
      },
      close: () => ws.close(),
    };
  }

  const rows: Array<[string, string, string, boolean]> = [];
  const row = (name: string, value: number, unit: string, target: number) => rows.push([name, `${Math.round(value)} ${unit}`, `≤ ${target} ${unit}`, value <= target]);

  const operator = client();
  const watcher = client();
  await Promise.all([operator.opened, watcher.opened]);
  await watcher.call('lab:live:subscribe', { thing: 'thermo', affordance: 'temperature' });
  await operator.call('lab:instruments:add', { url: `${info.base}huge/td` });
  await sleep(1000);

  for (const [label, property] of [['1 GiB body', 'big'], ['gzip bomb (1 GiB inflated)', 'bomb']] as const) {
    resetMonitor();
    watcher.resetGap();
    const result = await operator.call('lab:property:read', { thing: 'huge', property });
    await sleep(500);
    console.log(`${label}: ${result.ok ? 'accepted (!)' : result.error?.message}`);
    row(`${label}: RSS growth`, (peak - base) / MB, 'MB', 64);
    row(`${label}: event-loop stall`, stall, 'ms', 250);
    row(`${label}: other client's longest wait for live values`, watcher.gap(), 'ms', 500);
  }

  const instruments = (await operator.call('lab:instruments:list', {})).value as Array<{ id: string }>;
  void operator.call('lab:property:read', { thing: 'huge', property: 'big' });
  await sleep(300);
  await operator.call('lab:instruments:remove', { id: instruments[0]?.id });
  const atRemove = (await stats()).bytesSent;
  await sleep(2000);
  row('download after removing the instrument', ((await stats()).bytesSent - atRemove) / MB, 'MB', 1);

  resetMonitor();
  await operator.call('lab:instruments:add', { url: `${info.base}sse/td` });
  await sleep(20_000);
  row('endless event-stream line, 20 s: RSS growth', (peak - base) / MB, 'MB', 64);

  resetMonitor();
  watcher.resetGap();
  const greedy = tsx('bench/hostile/greedy.ts', [String(server.port), TOKEN, '60000']);
  const sent = await firstLine<{ sent: number }>(greedy, 18_000);
  await sleep(2000);
  console.log(`client that never reads: sent ${((sent?.sent ?? 0) / MB).toFixed(1)} MB of calls before it was cut off`);
  row('client that never reads: RSS growth', (peak - base) / MB, 'MB', 64);
  row('client that never reads: event-loop stall', stall, 'ms', 250);
  row("client that never reads: other client's longest wait for live values", watcher.gap(), 'ms', 500);

  console.log('\nfigure'.padEnd(72), 'measured'.padEnd(12), 'target');
  for (const [name, value, target, pass] of rows) console.log(`${pass ? 'PASS' : 'FAIL'} ${name.padEnd(66)} ${value.padEnd(12)} ${target}`);

  operator.close();
  watcher.close();
  await server.close();
  for (const child of children) child.kill();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  for (const child of children) child.kill();
  process.exit(1);
});
