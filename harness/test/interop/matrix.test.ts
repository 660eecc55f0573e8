// The interop matrix as a test: every parent driver x every child x both profiles over real ZeroMQ must pass,
// and the run regenerates docs/interop-matrix.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeMatrixReport } from '../../interop/report.js';

test('interop matrix: {TS, Python, Go, Rust} parent x child, v3 and v4, every cell passes', { timeout: 300_000 }, async () => {
  const results = await writeMatrixReport();
  assert.equal(results.length, 32);
  const failed = results.filter((cell) => !cell.passed).map((cell) => `${cell.parent} -> ${cell.child} ${cell.profile}: ${cell.failures.join('; ')}`);
  assert.deepEqual(failed, []);
});
