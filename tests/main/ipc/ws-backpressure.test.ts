import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MessageBroker } from '../../../src/main/core/broker';
import { createLiveChannel, type LiveChannel } from '../../../src/main/core/live-channel';
import { silentLogger } from '../../../src/main/core/logger';
import { Message } from '../../../src/main/core/message';
import type { ClientFactory, LabClient } from '../../../src/main/app/lab-core';
import { attachWsTransport, type WsTransport } from '../../../src/main/ipc/ws-server';
import type { LiveBatch } from '../../../src/shared/contract';
import { frameReader } from './live-frames';

// Live batches over the WebSocket wait while the socket is congested: the live channel holds
// its flush and conflates, rather than queueing without bound in main's memory.

const HIGH_WATER = 64 * 1024;
let server: Server | undefined;
let transport: WsTransport | undefined;
let socket: WebSocket | undefined;

afterEach(async () => {
  socket?.terminate();
  await transport?.close();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
  transport = undefined;
  socket = undefined;
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WebSocket transport: backpressure on live batches', () => {
  it('holds live batches while the client does not read, conflates meanwhile, and catches up after', async () => {
    const broker = new MessageBroker({ logger: silentLogger });
    let live: LiveChannel | undefined;
    let sent = 0;
    let readyNow: () => boolean = () => true;
    const core: ClientFactory = {
      openClient(options): LabClient {
        readyNow = options.ready ?? (() => true);
        const channel = createLiveChannel({
          broker,
          logger: silentLogger,
          ready: options.ready,
          flushMs: 5,
          send: (batch: LiveBatch) => {
            sent += 1;
            options.send(batch);
          },
        });
        live = channel;
        return {
          live: channel,
          caller: { live: channel, role: 'operator', label: 'test' },
          call: () => Promise.resolve({ ok: true, value: null }),
          dispose: () => channel.dispose(),
        } as LabClient;
      },
    };
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    transport = attachWsTransport({ server, core, authorize: () => ({ role: 'operator' }), logger: silentLogger, highWaterMark: HIGH_WATER });
    const port = (server.address() as AddressInfo).port;

    const received: LiveBatch[] = [];
    socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const reader = frameReader();
    socket.on('message', (data) => {
      const frame = reader.read(String(data));
      if (frame.type === 'batch') received.push(frame.batch);
    });
    await new Promise((resolve, reject) => {
      socket?.once('open', resolve);
      socket?.once('error', reject);
    });
    await until(() => live !== undefined);
    const channel = live as unknown as LiveChannel;
    for (let k = 0; k < 20; k++) channel.subscribe({ thing: 'big', affordance: `p${k}` });

    // The client stops reading: its TCP buffers fill, then the server's socket queues.
    const raw = (socket as unknown as { _socket: Socket })._socket;
    raw.pause();
    const payload = 'x'.repeat(16 * 1024);
    let published = 0;
    const publishRound = (): void => {
      for (let k = 0; k < 20; k++) broker.publish(new Message({ thing: 'big', affordance: `p${k}`, messageType: 'property', payload: `${published++}:${payload}` }));
    };
    // Publish until the transport reports congestion.
    const deadline = Date.now() + 10_000;
    while (readyNow() && Date.now() < deadline) {
      publishRound();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(readyNow()).toBe(false);
    const sentWhenCongested = sent;
    // More updates while congested: no batch leaves, they conflate in the channel.
    for (let i = 0; i < 50; i++) {
      publishRound();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(sent).toBe(sentWhenCongested);

    // The client reads again: the held-back state arrives, with the conflation counted.
    raw.resume();
    await until(() => received.some((batch) => batch.items.some((item) => String(item.payload).startsWith(`${published - 1}:`))));
    const conflated = received.reduce((sum, batch) => sum + batch.conflated, 0);
    expect(conflated).toBeGreaterThanOrEqual(50 * 20 - 20);
    // Each key's latest value arrived, and nothing was dropped.
    expect(received.reduce((sum, batch) => sum + batch.dropped, 0)).toBe(0);
  });
});
