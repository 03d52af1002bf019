import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { summarise, summaryLines } from '../../scripts/test-summary.mjs';

// Planted reports in the shapes the runners write: vitest-counts.json from
// scripts/vitest-count-reporter.mjs, playwright.json from Playwright's JSON reporter.
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Planted {
  vitest?: unknown;
  playwright?: unknown;
  runners?: unknown;
  raw?: Record<string, string>;
}

function plant({ vitest, playwright, runners, raw = {} }: Planted): string {
  const dir = mkdtempSync(join(tmpdir(), 'lab-summary-'));
  dirs.push(dir);
  if (vitest !== undefined) writeFileSync(join(dir, 'vitest-counts.json'), JSON.stringify(vitest));
  if (playwright !== undefined) writeFileSync(join(dir, 'playwright.json'), JSON.stringify(playwright));
  if (runners !== undefined) writeFileSync(join(dir, 'runners.json'), JSON.stringify(runners));
  for (const [name, text] of Object.entries(raw)) writeFileSync(join(dir, name), text);
  return dir;
}

const vt = (name: string, state: string, mode = 'run', flaky = false) => ({ name, state, mode, flaky });
const vitestReport = (tests: unknown[], hookFailures: unknown[] = [], unhandledErrors: string[] = []) => ({
  runner: 'vitest',
  reason: 'passed',
  tests,
  hookFailures,
  unhandledErrors,
});
const pwTest = (status: string, expectedStatus = 'passed') => ({ status, expectedStatus, projectName: '', results: [] });
const playwrightReport = (specs: Array<[string, ReturnType<typeof pwTest>]>, errors: unknown[] = []) => ({
  suites: [{ title: 'a.spec.ts', specs: specs.map(([title, test]) => ({ title, tests: [test] })), suites: [] }],
  errors,
  stats: {},
});
const okPlaywright = playwrightReport([['e2e works', pwTest('expected')]]);
const okRunners = { vitest: 0, build: 0, playwright: 0 };

describe('test summary: the count line', () => {
  it('counts passed and failed tests of both runners; skipped on purpose is neither', () => {
    const dir = plant({
      vitest: vitestReport([vt('a', 'passed'), vt('b', 'failed'), vt('c', 'skipped', 'skip'), vt('d', 'skipped', 'todo')]),
      playwright: playwrightReport([
        ['ok', pwTest('expected')],
        ['bad', pwTest('unexpected')],
        ['skipped on purpose', pwTest('skipped', 'skipped')],
      ]),
      runners: { vitest: 1, build: 0, playwright: 1 },
    });
    const summary = summarise(dir);
    expect(summary).toEqual({ passed: 2, failed: 2, flaky: [], problems: [] });
    expect(summaryLines(summary).at(-1)).toBe('2 passed, 2 failed');
  });

  it('counts the tests under a failing beforeAll as failed, not as vanished', () => {
    const dir = plant({
      vitest: vitestReport(
        [vt('hooked > one', 'skipped'), vt('hooked > two', 'skipped'), vt('hooked > on purpose', 'skipped', 'skip'), vt('fine', 'passed')],
        [{ name: 'x.test.ts > hooked', message: 'setup failed', testsFailedOrNotRun: 2 }],
      ),
      // Playwright: the first test fails with the hook, the others never run.
      playwright: playwrightReport([
        ['first', pwTest('unexpected')],
        ['second', pwTest('skipped')],
        ['third', pwTest('skipped')],
      ]),
      runners: { vitest: 1, build: 0, playwright: 1 },
    });
    const summary = summarise(dir);
    expect(summary.passed).toBe(1);
    expect(summary.failed).toBe(5);
    expect(summary.problems).toEqual(['vitest: x.test.ts > hooked: setup failed']);
  });

  it('counts a failing hook with no test under it, a file that would not load and unhandled errors', () => {
    const dir = plant({
      vitest: vitestReport(
        [vt('a', 'passed')],
        [
          { name: 'x.test.ts > after', message: 'afterAll failed', testsFailedOrNotRun: 0 },
          { name: 'broken.test.ts', message: 'Cannot find module', testsFailedOrNotRun: 0 },
        ],
        ['boom'],
      ),
      playwright: okPlaywright,
      runners: { vitest: 1, build: 0, playwright: 0 },
    });
    expect(summarise(dir)).toMatchObject({ passed: 2, failed: 3 });
  });

  it('reports tests that passed only on a retry as flaky, naming them, not as passed', () => {
    const dir = plant({
      vitest: vitestReport([vt('steady', 'passed'), vt('wobbly unit', 'passed', 'run', true)]),
      playwright: playwrightReport([
        ['steady e2e', pwTest('expected')],
        ['wobbly e2e', pwTest('flaky')],
      ]),
      runners: okRunners,
    });
    const summary = summarise(dir);
    expect(summary).toMatchObject({ passed: 2, failed: 0, flaky: ['wobbly unit', 'a.spec.ts > wobbly e2e'] });
    const lines = summaryLines(summary);
    expect(lines.at(-2)).toMatch(/^flaky .*wobbly unit; a\.spec\.ts > wobbly e2e$/);
    expect(lines.at(-1)).toBe('2 passed, 0 failed, 2 flaky');
  });

  it('counts a runner that crashed, wrote garbage or found no tests', () => {
    const noReports = summarise(plant({ runners: { vitest: 1, build: 0, playwright: 1 } }));
    expect(noReports.failed).toBe(2);
    expect(noReports.problems).toEqual([
      'vitest wrote no report (crashed or did not start)',
      'Playwright wrote no report (crashed or did not start)',
    ]);

    const garbage = summarise(plant({ raw: { 'vitest-counts.json': '{"tests": [', 'playwright.json': '' }, runners: okRunners }));
    expect(garbage.failed).toBe(2);

    const empty = summarise(plant({ vitest: vitestReport([]), playwright: playwrightReport([]), runners: okRunners }));
    expect(empty.problems).toEqual(['vitest found no tests', 'Playwright found no tests']);
    expect(summaryLines(empty).at(-1)).toBe('0 passed, 2 failed');
  });

  it('counts a runner that exited non-zero without a failing test, a failed build and skipped end-to-end tests', () => {
    const silent = summarise(plant({ vitest: vitestReport([vt('a', 'passed')]), playwright: okPlaywright, runners: { vitest: 3, build: 0, playwright: 0 } }));
    expect(silent).toMatchObject({ passed: 2, failed: 1, problems: ['vitest exited with status 3 without a failing test'] });

    const noBuild = summarise(
      plant({ vitest: vitestReport([vt('a', 'passed')]), runners: { vitest: 0, build: 1, playwright: null, reason: 'the build failed' } }),
    );
    expect(noBuild).toMatchObject({ passed: 1, failed: 2 });
    expect(noBuild.problems).toEqual(['the build failed (status 1)', 'the end-to-end tests did not run: the build failed']);
  });

  it('adds failed checks (lint, typecheck) from the command line, and exits non-zero', () => {
    const dir = plant({ vitest: vitestReport([vt('a', 'passed')]), playwright: okPlaywright, runners: okRunners });
    const script = resolve(__dirname, '../../scripts/test-summary.mjs');
    const ok = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split('\n').at(-1)).toBe('2 passed, 0 failed');
    const lint = spawnSync(process.execPath, [script, dir, '--failed', 'lint'], { encoding: 'utf8' });
    expect(lint.status).toBe(1);
    expect(lint.stdout.trim().split('\n')).toEqual(['failure: lint failed', '2 passed, 1 failed']);
  });
});

describe('test summary: the Vitest reporter', () => {
  it('reports the tests under a failing beforeAll as meant to run, and flaky retries', () => {
    const root = mkdtempSync(join(tmpdir(), 'lab-reporter-'));
    dirs.push(root);
    writeFileSync(
      join(root, 'planted.test.ts'),
      [
        "import { beforeAll, describe, it } from 'vitest';",
        "describe('hooked', () => {",
        "  beforeAll(() => { throw new Error('setup failed'); });",
        "  it('one', () => {});",
        "  it.skip('on purpose', () => {});",
        '});',
        'let runs = 0;',
        "it('wobbly', { retry: 2 }, () => { runs += 1; if (runs < 2) throw new Error('first time'); });",
        "it('steady', () => {});",
        '',
      ].join('\n'),
    );
    writeFileSync(join(root, 'vitest.config.mjs'), "export default { test: { include: ['*.test.ts'] } };\n");
    const reporter = resolve(__dirname, '../../scripts/vitest-count-reporter.mjs');
    const vitest = resolve(__dirname, '../../node_modules/vitest/vitest.mjs');
    const run = spawnSync(process.execPath, [vitest, 'run', '--root', root, `--reporter=${reporter}`], { encoding: 'utf8', cwd: root, timeout: 60_000 });
    expect(run.status).toBe(1);
    const summary = summarise(join(root, 'test-results'));
    // No Playwright report in this planted run: that is one problem of its own.
    expect(summary.passed).toBe(1);
    expect(summary.flaky).toEqual(['planted.test.ts > wobbly']);
    expect(summary.failed).toBe(2); // "one" never ran, plus the missing Playwright report
    expect(summary.problems).toContain('vitest: planted.test.ts > hooked: setup failed');
  });
});
