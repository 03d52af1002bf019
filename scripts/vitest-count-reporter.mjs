// A Vitest reporter that writes what the count line needs and Vitest's JSON report leaves out:
// a test that never ran because a hook failed is "skipped" there, like one skipped on
// purpose; here it keeps its mode ("run": it was meant to run), and retried tests say
// whether they were flaky. Output: test-results/vitest-counts.json (see test-summary.mjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';

const message = (error) => String(error?.message ?? error).split('\n')[0];

export default class CountReporter {
  constructor(options = {}) {
    this.outputFile = options.outputFile ?? 'test-results/vitest-counts.json';
  }

  onInit(vitest) {
    this.root = vitest.config.root;
  }

  onTestRunEnd(testModules, unhandledErrors, reason) {
    const tests = [];
    const hookFailures = [];
    for (const module of testModules) {
      const file = relative(this.root ?? process.cwd(), module.moduleId);
      const record = (task) => {
        const result = task.result();
        const diagnostic = task.diagnostic();
        const entry = {
          name: `${file} > ${task.fullName}`,
          state: result.state,
          mode: task.options.mode,
          flaky: diagnostic?.flaky === true,
        };
        tests.push(entry);
        return entry;
      };
      const notRun = (entry) => entry.state === 'failed' || ((entry.state === 'skipped' || entry.state === 'pending') && (entry.mode === 'run' || entry.mode === 'only'));
      const entries = [...module.children.allTests()].map(record);
      // A failing hook (beforeAll, afterAll) or a file that would not load.
      const failedScopes = [{ name: file, errors: module.errors(), tests: entries }];
      for (const suite of module.children.allSuites()) {
        const suiteTests = [...suite.children.allTests()].map((task) => entries.find((entry) => entry.name === `${file} > ${task.fullName}`));
        failedScopes.push({ name: `${file} > ${suite.fullName}`, errors: suite.errors(), tests: suiteTests });
      }
      for (const scope of failedScopes) {
        if (scope.errors.length === 0) continue;
        hookFailures.push({
          name: scope.name,
          message: message(scope.errors[0]),
          testsFailedOrNotRun: scope.tests.filter((entry) => entry && notRun(entry)).length,
        });
      }
    }
    const out = {
      runner: 'vitest',
      reason,
      tests,
      hookFailures,
      unhandledErrors: unhandledErrors.map(message),
    };
    mkdirSync(dirname(this.outputFile), { recursive: true });
    writeFileSync(this.outputFile, `${JSON.stringify(out, null, 1)}\n`);
  }
}
