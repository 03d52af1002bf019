// The one test command (README, .ci/run): unit and integration tests in Node with Vitest,
// then the end-to-end tests in Chromium with Playwright against the built app in browser
// mode. Both always run; each writes a JSON report under test-results/, summarised last.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { summarise } from './test-summary.mjs';

mkdirSync('test-results', { recursive: true });
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' }).status ?? 1;
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const vitest = run(npx, ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json']);
const build = run(npx, ['electron-vite', 'build']);
const playwright = build === 0 ? run(npx, ['playwright', 'test']) : 1;

const { passed, failed } = summarise();
console.log(`${passed} passed, ${failed} failed`);
process.exit(vitest === 0 && build === 0 && playwright === 0 && failed === 0 ? 0 : 1);
