// Runs every bench/*.bench.ts with tsx, one after another so they never compete for the CPU.
// `npm run bench -- broker` runs only the files whose name contains "broker".
// Benchmarks report PASS/FAIL against their targets themselves; this exits non-zero only
// when a benchmark crashes (status 1) or could not offer the load it measures (status 2: its
// figures would describe a lighter load). It is a report, never part of the build or CI.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(join(root, 'bench'))
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ') || 'bench/*.bench.ts'}`);
  process.exit(1);
}

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
let crashed = 0;
const notOffered = [];
for (const name of files) {
  console.log(`\n=== bench/${name}`);
  const { status } = spawnSync(npx, ['tsx', join('bench', name)], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (status === 2) {
    notOffered.push(name);
  } else if (status !== 0) {
    crashed++;
    console.error(`bench/${name} exited with ${status}`);
  }
}
for (const name of notOffered) {
  console.error(`bench/${name}: the offered load was not reached; its figures are not valid for the load it names`);
}
process.exit(crashed > 0 ? 1 : notOffered.length > 0 ? 2 : 0);
