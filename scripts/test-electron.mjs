// `npm run test:electron`: the end-to-end specs against the real Electron binary, through
// Playwright's _electron.launch (the `electron` project in playwright.config.ts). Where the
// binary is not installed it says why in one sentence and stops.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { ELECTRON_SKIP_REASON, electronBinary } from './electron-binary.mjs';

const binary = electronBinary();
if (!binary) {
  console.log(ELECTRON_SKIP_REASON);
  process.exit(0);
}
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'inherit', env, shell: process.platform === 'win32' }).status ?? 1;
if (run(npx, ['electron-vite', 'build']) !== 0) process.exit(1);
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
const env = { ...process.env, LAB_E2E_ELECTRON: binary, LAB_E2E_PORT: process.env.LAB_E2E_PORT ?? String(await freePort()) };
const args = ['playwright', 'test', '--project=electron', ...process.argv.slice(2)];
// Electron needs a display; on a Linux machine without one, xvfb-run provides it.
const headlessLinux = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const hasXvfb = headlessLinux && spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
process.exit(hasXvfb ? run('xvfb-run', ['-a', npx, ...args], env) : run(npx, args, env));
