// Verifies a packaged Lab Monitor: electron-builder.yml is valid, app.asar holds the built app
// and its production dependencies, nothing else, within the size budget, and the packed Electron
// binary has the fuses electron-builder.yml sets.
//
//   node scripts/check-package.mjs                  check dist/*/resources/app.asar (after `npm run pack`)
//   node scripts/check-package.mjs path/to/app.asar  check one archive
//   node scripts/check-package.mjs --stand-in       build out/ if needed, pack for Linux with a stand-in
//                                                   Electron in a temporary folder (no download), check
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  PROJECT_DIR, createStandInElectron, electronVersion, ensureBuilt, executableForAsar, findAsars, formatMB, loadBuilderConfig,
  packWithStandIn, validateBuilderConfig, verifyAsar, verifyFuses,
} from './package-check.mjs';

/** The Electron fuses of the packed binary, when it can be found next to the archive. */
function reportFuses(executablePath) {
  if (!executablePath) {
    console.log('  fuses: no Electron executable next to this app.asar, not checked');
    return true;
  }
  const { fuses, problems } = verifyFuses(executablePath);
  const shown = Object.entries(fuses).map(([name, state]) => `${name}=${String(state)}`).join(', ');
  console.log(`  fuses: ${shown || 'unreadable'}`);
  for (const problem of problems) console.error(`  ✗ ${problem}`);
  return problems.length === 0;
}

function report(asarPath) {
  const result = verifyAsar(asarPath);
  const shown = relative(PROJECT_DIR, asarPath).startsWith('..') ? 'app.asar' : relative(PROJECT_DIR, asarPath);
  console.log(`${shown}: ${result.entries.length} entries, ${formatMB(result.bytes)} (budget ${formatMB(result.budgetBytes)})`);
  if (result.binding) console.log(`  ${result.binding} unpacked: ${formatMB(result.bindingBytes)} (budget ${formatMB(result.bindingBudgetBytes)})`);
  console.log(`  main entry: ${result.mainEntry ?? '?'}; loads ${result.requiredPackages.join(', ') || 'no packages'}`);
  const packages = result.entries.filter((e) => /^(.*\/)?node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(e)).length;
  console.log(`  ${packages} packages in node_modules, ${result.shippedPackages.length} of them loaded by main or preload`);
  for (const problem of result.problems) console.error(`  ✗ ${problem}`);
  return result.problems.length === 0;
}

async function main() {
  const args = process.argv.slice(2);

  await validateBuilderConfig(await loadBuilderConfig());
  console.log('electron-builder.yml: valid');

  if (args.includes('--stand-in')) {
    if (ensureBuilt()) console.log('out/ built with electron-vite');
    const tmp = await mkdtemp(join(tmpdir(), 'lab-monitor-pack-'));
    try {
      const electronDist = await createStandInElectron(join(tmp, 'electron'), electronVersion());
      const { asarPath, executablePath } = await packWithStandIn({ outDir: join(tmp, 'dist'), electronDist });
      return report(asarPath) && reportFuses(executablePath);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  const explicit = args.filter((a) => !a.startsWith('--'));
  const asars = explicit.length > 0 ? explicit : findAsars(join(PROJECT_DIR, 'dist'));
  if (asars.length === 0) {
    console.error('no app.asar found under dist/: run `npm run pack` first, or pass --stand-in');
    return false;
  }
  const config = await loadBuilderConfig();
  const names = [config.linux?.executableName, config.productName, 'electron'].filter(Boolean);
  let ok = true;
  for (const asar of asars) ok = report(asar) && reportFuses(executableForAsar(asar, names)) && ok;
  return ok;
}

main().then(
  (ok) => { process.exitCode = ok ? 0 : 1; },
  (error) => { console.error(error instanceof Error ? error.message : error); process.exitCode = 1; },
);
