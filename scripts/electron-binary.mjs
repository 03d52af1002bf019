// Where the real Electron binary is, if it is installed (install scripts are off, see .npmrc,
// so it is only there after `node node_modules/electron/install.js` succeeded).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

/** The Electron executable for the test runs, or undefined (never throws). LAB_E2E_ELECTRON names one explicitly. */
export function electronBinary() {
  const explicit = process.env.LAB_E2E_ELECTRON;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  return installedElectronBinary();
}

/** The executable the `electron` package installed, or undefined (never throws). */
export function installedElectronBinary() {
  let electronDir;
  try {
    electronDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathFile = join(electronDir, 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronDir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : undefined;
}

/** One sentence: why the specs cannot run against the real Electron binary here. */
export const ELECTRON_SKIP_REASON =
  'Skipped the real-Electron run: the Electron binary is not installed (npm install scripts are off and it cannot be downloaded here), so the desktop specs ran only through the stand-in; where Electron can be downloaded, run `node node_modules/electron/install.js`, then `npm run test:electron`.';
