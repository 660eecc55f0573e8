// `npm test` (harness/run-tests.mjs) ends with how many tests passed, failed and were skipped, per stage and
// in total. The counting is checked on real output: node's TAP reporter and cucumber's message stream, each
// produced here from small suites with known outcomes, then the runner itself on one test file.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

// A specifier TypeScript does not resolve: the runner is plain JavaScript without declarations.
const runnerPath = '../../run-tests.mjs';
const runner = (await import(runnerPath)) as {
  countTap(text: string): Counts | undefined;
  countCucumberMessages(text: string): Counts;
  countsTable(rows: Array<Counts & { title: string }>): string;
};

/** This process's environment without the test runner's marker (a nested `node --test` would report to us instead). */
function cleanEnv(): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _marker, NODE_V8_COVERAGE: _coverage, ...env } = process.env;
  return env;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-counts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("node's TAP summary is counted: passes (subtests too), failures with cancellations, skips with todos", (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'mixed.test.mjs'),
    `import { test } from 'node:test';
test('passes', () => {});
test('skipped', { skip: true }, () => {});
test('todo', { todo: true }, () => {});
test('fails', () => { throw new Error('on purpose'); });
test('parent', async (t) => { await t.test('child 1', () => {}); await t.test('child 2', () => {}); });
`,
  );
  const tap = join(dir, 'out.tap');
  const result = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=tap', `--test-reporter-destination=${tap}`, join(dir, 'mixed.test.mjs')],
    { encoding: 'utf8', env: cleanEnv(), timeout: 60_000 },
  );
  assert.equal(result.status, 1, 'one test fails');
  assert.deepEqual(runner.countTap(readFileSync(tap, 'utf8')), { passed: 4, failed: 1, skipped: 2 });
  assert.equal(runner.countTap('TAP version 13\nok 1 - cut short\n'), undefined, 'no summary, no counts');
});

test("cucumber's message stream is counted per scenario by its worst step, retries counted once", (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'mixed.feature'),
    `Feature: mixed
  Scenario: passes
    Given a step that passes

  Scenario: fails
    Given a step that fails
    Then a step that passes

  Scenario: is skipped
    Given a step that skips

  Scenario: is undefined
    Given a step nobody wrote

  Scenario Outline: row <n>
    Given a step that passes
    Examples:
      | n |
      | 1 |
      | 2 |
`,
  );
  writeFileSync(
    join(dir, 'steps.mjs'),
    // The step file lives outside this package: it imports cucumber by URL (the very module the runner loads).
    `import { Given } from '${import.meta.resolve('@cucumber/cucumber')}';
Given('a step that passes', () => {});
Given('a step that fails', () => { throw new Error('on purpose'); });
Given('a step that skips', () => 'skipped');
`,
  );
  const messages = join(dir, 'messages.ndjson');
  const cucumber = join(root, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
  // Run from the scratch directory: from the package root cucumber would load cucumber.cjs's default profile.
  const result = spawnSync(
    process.execPath,
    [cucumber, 'mixed.feature', '--import', './steps.mjs', '--strict', '--format', `message:${messages}`],
    { cwd: dir, encoding: 'utf8', env: cleanEnv(), timeout: 60_000 },
  );
  assert.equal(result.status, 1, result.stdout + result.stderr);
  assert.deepEqual(runner.countCucumberMessages(readFileSync(messages, 'utf8')), { passed: 3, failed: 2, skipped: 1 });
  // A retried attempt is not counted; only the final one is.
  const retried = [
    { testCaseStarted: { id: 's1', testCaseId: 'c1', attempt: 0 } },
    { testStepFinished: { testCaseStartedId: 's1', testStepId: 'x', testStepResult: { status: 'FAILED' } } },
    { testCaseFinished: { testCaseStartedId: 's1', willBeRetried: true } },
    { testCaseStarted: { id: 's2', testCaseId: 'c1', attempt: 1 } },
    { testStepFinished: { testCaseStartedId: 's2', testStepId: 'x', testStepResult: { status: 'PASSED' } } },
    { testCaseFinished: { testCaseStartedId: 's2', willBeRetried: false } },
  ];
  assert.deepEqual(runner.countCucumberMessages(retried.map((m) => JSON.stringify(m)).join('\n')), {
    passed: 1,
    failed: 0,
    skipped: 0,
  });
});

test('the closing table has a row per stage and the total', () => {
  const table = runner.countsTable([
    { title: 'unit', passed: 10, failed: 1, skipped: 2 },
    { title: 'cucumber (zmq)', passed: 90, failed: 0, skipped: 3 },
  ]);
  assert.deepEqual(
    table.split('\n').map((line) => line.split(/\s{2,}/)),
    [
      ['tests', 'passed', 'failed', 'skipped'],
      ['unit', '10', '1', '2'],
      ['cucumber (zmq)', '90', '0', '3'],
      ['total', '100', '1', '5'],
    ],
  );
});

test('npm test ends with the counts of the stage it ran', async (t) => {
  // One small file through the real runner (c8, both reporters); it ends with the table.
  const child = spawn(
    process.execPath,
    [join(root, 'harness', 'run-tests.mjs'), 'unit', 'harness/test/package/tarball.test.ts'],
    {
      cwd: root,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stdout);
  const lines = stdout
    .trimEnd()
    .split('\n')
    .slice(-3)
    .map((line) => line.split(/\s{2,}/));
  assert.deepEqual(lines, [
    ['tests', 'passed', 'failed', 'skipped'],
    ['unit, property and integration tests', lines[1]![1], '0', '0'],
    ['total', lines[1]![1], '0', '0'],
  ]);
  assert.ok(Number(lines[1]![1]) >= 5, stdout);
  assert.match(stdout, /=== unit, property and integration tests passed in [\d.]+ s: \d+ passed, 0 failed, 0 skipped/);
});
