// Prints one line per runner and, last, the one closing line CI reads:
// "tests: N passed, N failed, N skipped". Arguments: runner=report.json pairs, where the
// report is Vitest's, Jest's (the same shape) or Playwright's JSON report. A missing report counts as one failure.
import fs from 'node:fs';

type Counts = { passed: number; failed: number; skipped: number };

type VitestReport = {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
};
type PlaywrightReport = { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };

function countsOf(report: VitestReport | PlaywrightReport): Counts {
  if ('stats' in report) {
    const { expected, unexpected, flaky, skipped } = report.stats;
    return { passed: expected + flaky, failed: unexpected, skipped };
  }
  // A file that fails to load has no failed test but is a failure all the same.
  const failed = report.numFailedTests + (report.numFailedTests === 0 ? report.numFailedTestSuites : 0);
  return { passed: report.numPassedTests, failed, skipped: report.numPendingTests + report.numTodoTests };
}

const line = (label: string, c: Counts) => `${label}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped\n`;

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const argument of process.argv.slice(2)) {
  const [runner = 'tests', file = ''] = argument.split('=');
  const counts = fs.existsSync(file)
    ? countsOf(JSON.parse(fs.readFileSync(file, 'utf8')) as VitestReport | PlaywrightReport)
    : { passed: 0, failed: 1, skipped: 0 };
  process.stdout.write(line(runner, counts));
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
process.stdout.write(line('tests', total));
