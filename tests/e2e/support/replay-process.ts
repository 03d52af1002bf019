// Runs the LabThings replay server (tests/main/drivers/servers/labthings-replay.ts) in a
// process of its own, for the end-to-end tests: `tsx replay-process.ts [port]` prints its URL.
import { startLabThingsReplay } from '../../main/drivers/servers/labthings-replay';

void startLabThingsReplay({ port: Number(process.argv[2] ?? 0) }).then((server) => {
  console.log(`replay: ${server.url}`);
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
