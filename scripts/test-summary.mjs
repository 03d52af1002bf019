// The count line of `npm test` and .ci/run, from what the runners wrote under test-results/:
// - vitest-counts.json (scripts/vitest-count-reporter.mjs): every test with its state and mode;
// - playwright.json (Playwright's JSON reporter);
// - runners.json (scripts/test.mjs): how each runner exited, so a runner that crashed or
//   did not start counts as a failure even when it left no report.
// Rules: a test that was meant to run but did not (a failing beforeAll) is a failure; a
// failing hook with no failing test under it is one failure; a test that passed only on a
// retry is flaky, named on a line of its own and not counted as passed; a runner that wrote
// no report, found no tests or exited non-zero without a failing test is one failure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const read = (file) => {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null; // present but unreadable: a runner that died while writing it
  }
};

const meantToRun = (mode) => mode === 'run' || mode === 'only';

/** Records a reason for failure; one failure unless `counted` (already among the failed tests). */
const problem = (out, text, counted = false) => {
  out.problems.push(text);
  if (!counted) out.failed += 1;
};

function countVitest(report, out) {
  if (report === undefined) return problem(out, 'vitest wrote no report (crashed or did not start)');
  if (report === null) return problem(out, 'the vitest report is not valid JSON');
  const tests = Array.isArray(report.tests) ? report.tests : [];
  const hookFailures = Array.isArray(report.hookFailures) ? report.hookFailures : [];
  let failed = 0;
  for (const test of tests) {
    if (test.state === 'passed') {
      if (test.flaky) out.flaky.push(test.name);
      else out.passed += 1;
    } else if (test.state === 'failed') {
      failed += 1;
    } else if (meantToRun(test.mode)) {
      failed += 1; // never ran: a hook before it failed
    }
  }
  for (const hook of hookFailures) {
    // Its tests already count as failed (or not run) unless there are none: then it is one.
    const counted = (hook.testsFailedOrNotRun ?? 0) > 0;
    if (!counted) failed += 1;
    out.problems.push(`vitest: ${hook.name}: ${hook.message}`);
  }
  for (const error of report.unhandledErrors ?? []) {
    failed += 1;
    out.problems.push(`vitest: unhandled error: ${error}`);
  }
  out.failed += failed;
  if (tests.length === 0 && hookFailures.length === 0) problem(out, 'vitest found no tests');
  return failed;
}

function* playwrightTests(suite, titles = []) {
  const path = suite.title ? [...titles, suite.title] : titles;
  for (const spec of suite.specs ?? []) {
    for (const test of spec.tests ?? []) yield { name: [...path, spec.title].join(' > '), test };
  }
  for (const child of suite.suites ?? []) yield* playwrightTests(child, path);
}

function countPlaywright(report, out) {
  if (report === undefined) return problem(out, 'Playwright wrote no report (crashed or did not start)');
  if (report === null) return problem(out, 'the Playwright report is not valid JSON');
  let failed = 0;
  let total = 0;
  for (const suite of report.suites ?? []) {
    for (const { name, test } of playwrightTests(suite)) {
      total += 1;
      if (test.status === 'expected') {
        if (test.expectedStatus !== 'skipped') out.passed += 1;
      } else if (test.status === 'flaky') {
        out.flaky.push(name);
      } else if (test.status === 'skipped') {
        if (test.expectedStatus !== 'skipped') failed += 1; // did not run
      } else {
        failed += 1;
      }
    }
  }
  for (const error of report.errors ?? []) {
    failed += 1;
    out.problems.push(`Playwright: ${String(error?.message ?? error).split('\n')[0]}`);
  }
  out.failed += failed;
  if (total === 0 && (report.errors ?? []).length === 0) problem(out, 'Playwright found no tests');
  return failed;
}

/**
 * Counts from the reports in `dir`; `problems` says why something failed beyond the failing
 * tests (all of it is in `failed`). `extraFailures` (e.g. "lint failed") count one each.
 */
export function summarise(dir = 'test-results', extraFailures = []) {
  const out = { passed: 0, failed: 0, flaky: [], problems: [] };
  const runners = read(join(dir, 'runners.json')) ?? {};
  const silent = (failedTests, problemsBefore) => !failedTests && out.problems.length === problemsBefore;

  let problemsBefore = out.problems.length;
  const vitestFailed = countVitest(read(join(dir, 'vitest-counts.json')), out);
  if (typeof runners.vitest === 'number' && runners.vitest !== 0 && silent(vitestFailed, problemsBefore)) {
    problem(out, `vitest exited with status ${runners.vitest} without a failing test`);
  }
  if (typeof runners.build === 'number' && runners.build !== 0) problem(out, `the build failed (status ${runners.build})`);
  if (runners.playwright === null) {
    problem(out, `the end-to-end tests did not run: ${runners.reason ?? 'unknown reason'}`);
  } else {
    problemsBefore = out.problems.length;
    const playwrightFailed = countPlaywright(read(join(dir, 'playwright.json')), out);
    if (typeof runners.playwright === 'number' && runners.playwright !== 0 && silent(playwrightFailed, problemsBefore)) {
      problem(out, `Playwright exited with status ${runners.playwright} without a failing test`);
    }
  }
  for (const extra of extraFailures) problem(out, extra);
  return out;
}

/** The lines to print: problems, flaky tests, then the count line last. */
export function summaryLines({ passed, failed, flaky, problems }) {
  const lines = problems.map((problem) => `failure: ${problem}`);
  if (flaky.length > 0) lines.push(`flaky (passed only on a retry, not counted as passed): ${flaky.join('; ')}`);
  lines.push(`${passed} passed, ${failed} failed${flaky.length > 0 ? `, ${flaky.length} flaky` : ''}`);
  return lines;
}

// node scripts/test-summary.mjs [dir] [--failed NAME]...: prints the lines; exits 1 unless all passed.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const extra = [];
  let dir = 'test-results';
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--failed') extra.push(`${args[++i]} failed`);
    else dir = args[i];
  }
  const summary = summarise(dir, extra);
  for (const line of summaryLines(summary)) console.log(line);
  process.exit(summary.failed === 0 ? 0 : 1);
}
