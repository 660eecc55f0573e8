/**
 * Differential value checking (`--fuzz-values N`) through the compiled CLI: the reference worker passes; a
 * worker that changes one value shape in its replies (MULTIFROST_MISBEHAVE=nested-empty-str-as-nil) fails,
 * the failure shrinks to the smallest value and is saved, and `--replay` reproduces it (and passes against
 * the reference).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, runCli } from './cli-process.js';

const INSTRUMENTED_CHILD = join(REPO_ROOT, 'dist', 'src', 'conform', 'instrumented-child.js');

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-value-fuzz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('value fuzzing: every value echoed by the reference worker is what the spec requires', async (t) => {
  const dir = tempDir(t);
  const result = await runCli(t, [
    '--reference',
    '--startup-timeout',
    '30000',
    '--tags',
    '@MF-HB-1',
    '--fuzz-values',
    '120',
    '--seed',
    '11',
    '--fuzz-dir',
    dir,
  ]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /=== Value fuzzing \(120 generated values through echo; MF-SVC-1, MF-VAL-1, -2, -4, -5, -9, -10, -11\): ok\n {4}120 generated values echoed \(seed 11, [\d.]+ s\): every reply was what docs\/spec\.md requires/,
  );
  assert.deepEqual(readdirSync(dir), [], 'nothing saved');
});

test('value fuzzing fails a worker that changes a nested empty string, shrinks to the smallest value, saves it; --replay reproduces it', async (t) => {
  const dir = tempDir(t);
  const broken = { MULTIFROST_MISBEHAVE: 'nested-empty-str-as-nil' };
  const result = await runCli(
    t,
    [
      '--startup-timeout',
      '30000',
      '--tags',
      '@MF-HB-1',
      '--fuzz-values',
      '200',
      '--seed',
      '3',
      '--fuzz-dir',
      dir,
      '--quiet',
      '--',
      process.execPath,
      INSTRUMENTED_CHILD,
    ],
    broken,
  );
  assert.equal(result.code, 1, result.stdout + result.stderr);
  // --quiet: the section's first line follows the summary, led by the clause the value breaks.
  assert.match(
    result.stdout,
    /multifrost-conform: Value fuzzing \(200 generated values through echo; [^)]*\): FAILED: MF-VAL-9: failed after \d+ values \(seed 3, shrunk \d+ times\): at \$(\[0\]|\["[^"]*"\]): expected the string "", got nil/,
  );
  const [file] = readdirSync(dir);
  assert.ok(file !== undefined, 'a case file was saved');
  const saved = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { kind: string; clause: string; value: unknown };
  assert.equal(saved.kind, 'multifrost-value-case');
  assert.equal(saved.clause, 'MF-VAL-9');
  // Shrunk to one container holding one empty string: [""] or {<key>: ""}.
  const smallest = saved.value as { type: string; items?: unknown[]; entries?: Array<[unknown, unknown]> };
  const inner = smallest.type === 'array' ? smallest.items : smallest.entries?.map(([, value]) => value);
  assert.deepEqual(inner, [{ type: 'str', value: '' }], JSON.stringify(saved.value));
  const again = await runCli(
    t,
    ['--replay', join(dir, file), '--startup-timeout', '30000', '--', process.execPath, INSTRUMENTED_CHILD],
    broken,
  );
  assert.equal(again.code, 1, again.stdout + again.stderr);
  assert.match(again.stdout, /FAIL: MF-VAL-9: at \$\S+: expected the string "", got nil/);
  const fixed = await runCli(t, ['--replay', join(dir, file), '--reference']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /PASS \(the worker copes\)/);
});

test('--fuzz-values needs a positive number of values (a usage error, exit 2)', async (t) => {
  const bad = await runCli(t, ['--reference', '--fuzz-values', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fuzz-values expects a number of values >= 1, got '0' \(e\.g\. --fuzz-values 1000\)/);
});

test('the MF-VAL-11..13 scenarios fail a worker that renames __proto__, and one that drops a CALL holding an unportable value', async (t) => {
  const child = ['--', process.execPath, INSTRUMENTED_CHILD];
  const renaming = await runCli(t, ['--startup-timeout', '30000', '--tags', '@MF-VAL-11', ...child], {
    MULTIFROST_MISBEHAVE: 'rename-proto-key',
  });
  assert.equal(renaming.code, 1, renaming.stdout + renaming.stderr);
  const renamed = renaming.stdout.match(/^FAIL .*$/gm) ?? [];
  assert.ok(renamed.length >= 1 && renamed.every((line) => line.endsWith('[MF-VAL-11]')), renaming.stdout);
  const dropping = await runCli(
    t,
    [
      '--startup-timeout',
      '30000',
      '--tags',
      '@MF-VAL-12 or @MF-VAL-13',
      '--name',
      'an integer map key|a fixext 1',
      '--timeout',
      '1500',
      ...child,
    ],
    { MULTIFROST_MISBEHAVE: 'drop-unportable-calls' },
  );
  assert.equal(dropping.code, 1, dropping.stdout + dropping.stderr);
  assert.match(dropping.stdout, /^FAIL .*an integer map key inside args .*\[MF-VAL-12\]$/m);
  assert.match(dropping.stdout, /^FAIL .*a fixext 1 of type 1 inside args .*\[MF-VAL-13\]$/m);
  assert.match(dropping.stdout, /no reply: the CALL was dropped/);
});
