// Prints the one closing line CI reads: "<runner>: N passed, N failed, N skipped".
import fs from 'node:fs';

const [file, runner = 'tests'] = process.argv.slice(2);
if (!file || !fs.existsSync(file)) {
  process.stdout.write(`${runner}: 0 passed, 1 failed, 0 skipped\n`);
  process.exit(0);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8')) as {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
};
// A file that fails to load has no failed test but is a failure all the same.
const failed = report.numFailedTests + (report.numFailedTests === 0 ? report.numFailedTestSuites : 0);
process.stdout.write(
  `${runner}: ${report.numPassedTests} passed, ${failed} failed, ${report.numPendingTests + report.numTodoTests} skipped\n`,
);
