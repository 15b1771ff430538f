// Prints the closing line CI reads, from vitest's JSON reports (one per Node version):
// 'N passed, N failed[, N skipped]', summed over every report. Exits non-zero when anything
// failed or nothing ran.
import { readFileSync } from 'node:fs';
import path from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  // A test file that failed outside its tests (it did not load, or a beforeAll/afterAll hook
  // failed while every test passed) counts as one failure: vitest counts no failed test for it.
  const broken = (report.testResults ?? []).filter(
    (r) => r.status === 'failed' && !(r.assertionResults ?? []).some((a) => a.status === 'failed'),
  );
  for (const r of broken)
    console.log(`${path.basename(file)}: failed outside its tests (load or hook): ${r.name}: ${r.message ?? ''}`);
  const legFailed = (report.numFailedTests ?? 0) + broken.length;
  const legSkipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  console.log(`${path.basename(file, '.json')} leg: passed ${report.numPassedTests ?? 0}, failed ${legFailed}`);
  passed += report.numPassedTests ?? 0;
  failed += legFailed;
  skipped += legSkipped;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
