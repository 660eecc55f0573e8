// The interop matrix as a test: every parent driver x every child x both profiles over real ZeroMQ must pass,
// and the report renders. Tests never rewrite tracked files: the report goes to a temporary directory
// (`node --import tsx harness/interop/report.ts` regenerates docs/interop-matrix.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMatrixReport } from '../../interop/report.js';

// The row `typescript (probe)` (the TypeScript parent with no profile pinned, against each child strict to
// the profile) adds 8 cells to the 32 of the drivers, the CURVE table (every driver x every child, v3) 16, and
// the connect-mode CURVE table (every driver x every language's CURVE service, v3) 16.
test(
  'interop matrix: {TS, Python, Go, Rust, TS probing} parent x child, v3 and v4, CURVE spawn and connect: every cell passes',
  { timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-matrix-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const results = await writeMatrixReport(join(dir, 'interop-matrix.md'));
    assert.equal(results.length, 72);
    const failed = results
      .filter((cell) => !cell.passed)
      .map((cell) => `${cell.parent} -> ${cell.child} ${cell.profile} ${cell.mode}: ${cell.failures.join('; ')}`);
    assert.deepEqual(failed, []);
    assert.match(readFileSync(join(dir, 'interop-matrix.md'), 'utf8'), /72 of 72 cells pass/);
    assert.match(readFileSync(join(dir, 'interop-matrix.md'), 'utf8'), /## CURVE \(profile v3\)/);
    assert.match(readFileSync(join(dir, 'interop-matrix.md'), 'utf8'), /## CURVE, connect mode \(profile v3\)/);
    assert.match(readFileSync(join(dir, 'interop-matrix.md'), 'utf8'), /\| \*\*typescript \(probe\)\*\* \| pass/);
  },
);
