// Counts passed and failed tests from the Vitest and Playwright JSON reports.
import { existsSync, readFileSync } from 'node:fs';

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined);

export function summarise(dir = 'test-results') {
  let passed = 0;
  let failed = 0;
  const vitest = read(`${dir}/vitest.json`);
  if (vitest) {
    passed += vitest.numPassedTests ?? 0;
    failed += vitest.numFailedTests ?? 0;
    // A file that fails to load has no tests but is still a failure.
    for (const file of vitest.testResults ?? []) {
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
    }
  }
  const playwright = read(`${dir}/playwright.json`);
  if (playwright) {
    passed += (playwright.stats?.expected ?? 0) + (playwright.stats?.flaky ?? 0);
    failed += playwright.stats?.unexpected ?? 0;
    failed += (playwright.errors ?? []).length;
  }
  return { passed, failed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { passed, failed } = summarise(process.argv[2]);
  console.log(`${passed} passed, ${failed} failed`);
}
