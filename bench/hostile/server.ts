// The hostile WoT/LabThings test server in a process of its own, so its buffers do not count
// against Lab Monitor's memory. Prints {"base", "control"}; GET on the control port answers
// {bytesSent, openStreams}.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHostileServer } from '../../tests/main/drivers/servers/hostile-server';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? 1024) * MiB;
void startHostileServer({ hugeBytes: size, bombBytes: size }).then((hostile) => {
  const control = createServer((_req, res) => res.end(JSON.stringify({ bytesSent: hostile.bytesSent(), openStreams: hostile.openStreams() })));
  control.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ base: hostile.base, control: (control.address() as AddressInfo).port })));
});
