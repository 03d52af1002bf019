// A client that asks and never reads: it pauses its socket and sends `count` describe calls.
import WebSocket from 'ws';

const [port, token, count] = process.argv.slice(2);
const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
ws.on('error', () => undefined);
ws.on('open', () => {
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const frame = (id: number) => JSON.stringify({ type: 'call', id, channel: 'lab:things:describe', request: { thing: 'thermo' } });
  let sent = 0;
  let id = 0;
  const burst = (): void => {
    for (let i = 0; i < 500 && id < Number(count); i += 1, id += 1) {
      if (ws.readyState !== WebSocket.OPEN) break;
      const text = frame(id);
      sent += text.length;
      ws.send(text);
    }
    if (id < Number(count) && ws.readyState === WebSocket.OPEN) setTimeout(burst, 20);
    else console.log(JSON.stringify({ sent }));
  };
  burst();
});
setTimeout(() => process.exit(0), 20_000);
