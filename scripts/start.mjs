// `npm start`: builds, then runs the desktop app. Where the Electron runtime is missing it
// tries to fetch it (install scripts are off, see .npmrc) after a 3 s probe of the download
// host, and not again for a day after a failure (scripts/electron-fetch.mjs); where that
// fails (offline), it runs the same app in browser mode instead. Arguments pass through.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedElectronBinary } from './electron-binary.mjs';
import { fetchElectronOnce } from './electron-fetch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const args = process.argv.slice(2);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const build = spawnSync(npx, ['electron-vite', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) {
  console.error('The build failed; see the messages above.');
  process.exit(build.status ?? 1);
}

/** Tries to fetch Electron; returns why it is still missing (a clause of one sentence), or undefined. */
async function tryInstallElectron() {
  let installScript;
  try {
    installScript = join(dirname(require.resolve('electron/package.json')), 'install.js');
  } catch {
    return 'the electron package is not installed (run npm ci)';
  }
  if (!existsSync(installScript)) return 'its installer is missing (run npm ci)';
  const fetched = await fetchElectronOnce({ root, installScript });
  return fetched.outcome === 'installed' ? undefined : fetched.sentence;
}

/** Runs a child, forwards Ctrl+C and termination to it, and exits with its status. */
function run(command, commandArgs) {
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit' });
  const forward = (signal) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (error) => {
    console.error(`Could not start ${command}: ${error.message}`);
    process.exit(1);
  });
}

let binary = installedElectronBinary();
let why;
if (!binary) {
  why = await tryInstallElectron();
  binary = installedElectronBinary();
}

if (binary) {
  run(binary, [root, ...args]);
} else {
  console.log(`The Electron runtime is not installed on this machine (${why ?? 'it could not be fetched'}), so Lab Monitor starts in browser mode instead.`);
  // serve.js prints the URL with its access token.
  run(process.execPath, [join(root, 'out', 'main', 'serve.js'), ...args]);
}
