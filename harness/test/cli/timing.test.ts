/**
 * `--timing` through the compiled CLI: the target's and the reference worker's `add` latency and
 * throughput side by side; a worker whose replies leave late (MULTIFROST_MISBEHAVE=delay=MS) is told so,
 * and fails the run under --strict.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, runCli } from './cli-process.js';

const INSTRUMENTED_CHILD = join(REPO_ROOT, 'dist', 'src', 'conform', 'instrumented-child.js');
const NUMBERS = 'add round trip p50 [\\d.]+ ms, p99 [\\d.]+ ms; \\d+ calls/s with 16 in flight';

test('--timing reports the target and the reference worker in the same run, with the ratio', async (t) => {
  const result = await runCli(t, ['--reference', '--startup-timeout', '30000', '--tags', '@MF-HB-1', '--timing']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    new RegExp(
      `=== Timing \\(add on loopback; target and reference worker in the same run\\): ok\\n {4}target: {4}${NUMBERS}\\n {4}reference: ${NUMBERS}\\n {4}ratio target/reference: p50 [\\d.]+x, p99 [\\d.]+x, throughput [\\d.]+x\\n {4}the median round trip of add is within 5 ms`,
    ),
  );
});

test('--timing tells a worker whose replies leave 8 ms late that it is slow, and --strict makes it blocking', async (t) => {
  const result = await runCli(
    t,
    [
      '--startup-timeout',
      '30000',
      '--tags',
      '@MF-HB-1',
      '--timing',
      '--strict',
      '--quiet',
      '--',
      process.execPath,
      INSTRUMENTED_CHILD,
    ],
    { MULTIFROST_MISBEHAVE: 'delay=8' },
  );
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /multifrost-conform: Timing \(add on loopback; [^)]*\): FAILED: the median round trip of add is (\d+\.\d+) ms, above the 5 ms a worker should keep on loopback \(blocking under --strict\)/,
  );
});
