/**
 * `--timing` through the compiled CLI: the target's and the reference worker's `add` latency and
 * throughput side by side; a worker whose replies leave late (MULTIFROST_MISBEHAVE=delay=MS) is told so,
 * and fails the run under --strict; without it the run passes and the coverage shows MF-SVC-3 failed. A run
 * filtered by --tags measures nothing unless asked, and says so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
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

interface TimingReport {
  extras: Array<{
    title: string;
    clauses?: string[];
    checked?: boolean;
    violated?: boolean;
    ok: boolean;
    lines: string[];
    figures?: Record<string, number>;
  }>;
  coverage: Array<{ id: string; outcome: string; reason?: string }>;
}

function readReport(t: TestContext): { file: string; read: () => TimingReport } {
  const dir = mkdtempSync(join(tmpdir(), 'mf-timing-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'report.json');
  return { file, read: () => JSON.parse(readFileSync(file, 'utf8')) as TimingReport };
}

test('a filtered run says timing was not measured and why; MF-SVC-3 is then skipped, never passed', async (t) => {
  const json = readReport(t);
  const result = await runCli(t, [
    '--reference',
    '--startup-timeout',
    '30000',
    '--tags',
    '@MF-HB-1',
    '--json',
    json.file,
  ]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /=== Timing \(add on loopback; [^)]*\): not run\n {4}not measured: the run is filtered \(--tags\); add --timing to measure it in a filtered run/,
  );
  const svc3 = json.read().coverage.find((c) => c.id === 'MF-SVC-3');
  assert.equal(svc3?.outcome, 'skipped');
  assert.match(svc3?.reason ?? '', /not measured: the run is filtered/);
});

test('--no-timing leaves timing out, and says so', async (t) => {
  const json = readReport(t);
  const result = await runCli(t, ['--reference', '--no-timing', '--tags', '@MF-HB-1', '--json', json.file]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const section = json.read().extras.find((e) => e.clauses?.includes('MF-SVC-3'));
  assert.deepEqual([section?.checked, section?.lines], [false, ['not measured: --no-timing']]);
});

test('--timing and --no-timing together are a usage error', async (t) => {
  const result = await runCli(t, ['--reference', '--timing', '--no-timing']);
  assert.equal(result.code, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /--timing and --no-timing contradict each other/);
});

test('a slow worker without --strict: the run passes, MF-SVC-3 fails in the coverage, the figures are in the JSON', async (t) => {
  const json = readReport(t);
  const result = await runCli(
    t,
    [
      '--startup-timeout',
      '30000',
      '--tags',
      '@MF-HB-1',
      '--timing',
      '--json',
      json.file,
      '--',
      process.execPath,
      INSTRUMENTED_CHILD,
    ],
    { MULTIFROST_MISBEHAVE: 'delay=8' },
  );
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /=== Timing \(add on loopback; [^)]*\): not met \(not blocking\)\n {4}the median round trip of add is \d+\.\d+ ms/,
  );
  const report = json.read();
  const section = report.extras.find((e) => e.clauses?.includes('MF-SVC-3'));
  assert.equal(section?.violated, true);
  assert.ok((section?.figures?.['target_p50_ms'] ?? 0) > 5, JSON.stringify(section?.figures));
  assert.ok((section?.figures?.['reference_p50_ms'] ?? -1) >= 0, JSON.stringify(section?.figures));
  assert.equal(report.coverage.find((c) => c.id === 'MF-SVC-3')?.outcome, 'fail');
});
