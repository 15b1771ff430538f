// Prints the closing line CI reads, from vitest's JSON report: 'N passed, N failed[, N skipped]'.
// Exits non-zero when anything failed or nothing ran.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const passed = report.numPassedTests ?? 0;
// A test file that fails to load counts as a failure even though it ran no test.
const failedSuites = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0,
).length;
const failed = (report.numFailedTests ?? 0) + failedSuites;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
for (const file of report.testResults ?? []) {
  if (file.status === 'failed' && (file.assertionResults ?? []).length === 0)
    console.log(`failed to load: ${file.name}: ${file.message ?? ''}`);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
