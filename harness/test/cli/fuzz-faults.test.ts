/**
 * Fuzzing, replay and fault injection through the compiled CLI.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BROKEN, EXACT_FALSIFIABILITY, runCli } from './cli-process.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-fuzz-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Each test runs its own CLI processes in its own temp dir: two at a time use both cores (the CLI and its
// worker take turns on one).
describe('fuzzing, replay and fault injection through the CLI', { concurrency: 2 }, () => {
  test('fuzzing: the reference worker survives every malformed input and answers every valid call', async (t) => {
    const result = await runCli(t, [
      '--reference',
      '--tags',
      '@MF-HB-1',
      '--fuzz',
      '150',
      '--seed',
      '5',
      '--fuzz-dir',
      tempDir(t),
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /=== Fuzzing \(150 malformed inputs\): ok\n {4}150 malformed inputs sent \(seed 5\)/);
  });

  test('fuzzing finds a crash, shrinks it to one small case, saves it; --replay reproduces it, and passes on a good worker', async (t) => {
    const dir = tempDir(t);
    const crashing = join(BROKEN, 'crash-on-big-int.mjs');
    const result = await runCli(t, [crashing, '--tags', '@MF-HB-1', '--fuzz', '150', '--seed', '5', '--fuzz-dir', dir]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /=== Fuzzing \(150 malformed inputs\): FAILED\n {4}failed after \d+ inputs \(seed 5, shrunk \d+ times\): the worker exited \(code 70, signal none\)/,
    );
    const [file] = readdirSync(dir);
    assert.ok(file !== undefined, 'a case file was saved');
    const saved = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      kind: string;
      frames: string[];
      failure: string;
    };
    assert.equal(saved.kind, 'multifrost-fuzz-case');
    assert.equal(saved.frames.length, 2);
    // Shrunk to the smallest trigger: a CALL whose args are [128] (0x91 fixarray of one, 0xcc 0x80 uint8 128).
    assert.match(saved.frames[1]!, /a46172677391cc80$/);
    const again = await runCli(t, ['--replay', join(dir, file), crashing]);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /FAIL: the worker exited \(code 70/);
    const fixed = await runCli(t, ['--replay', join(dir, file), '--reference']);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /PASS \(the worker copes\)/);
  });

  test('fault injection: a relay on the real transport delays and duplicates messages, and the report counts them', async (t) => {
    const result = await runCli(t, [
      '--reference',
      '--tags',
      '@MF-HB-1 or @MF-CALL-6',
      '--faults',
      'delay=3ms~2ms,duplicate=0.5',
      '--seed',
      '11',
    ]);
    const section =
      /=== Fault injection \(delay=3ms~2ms,duplicate=0\.5, seed 11\): ok\n {4}(\d+) worker processes ran behind the relay\n {4}kit -> worker: (\d+) messages, 0 dropped, (\d+) delayed, (\d+) duplicated[^\n]*\n {4}worker -> kit: (\d+) messages, 0 dropped, (\d+) delayed, (\d+) duplicated/.exec(
        result.stdout,
      );
    assert.ok(section !== null, result.stdout + result.stderr);
    const [, relays, toWorker, toWorkerDelayed, toWorkerDuplicated, fromWorker, fromWorkerDelayed] =
      section.map(Number);
    assert.ok(relays! >= 2, 'the probe and the scenarios ran behind a relay');
    assert.ok(toWorker! > 0 && fromWorker! > 0);
    assert.equal(toWorkerDelayed, toWorker, 'every message is delayed');
    assert.equal(fromWorkerDelayed, fromWorker);
    assert.ok(toWorkerDuplicated! > 0, 'some messages were duplicated');
    // Faults delay and duplicate, but the reference worker copes: the run and the fault section pass.
    assert.match(result.stdout, /^multifrost-conform: PASS reference worker/m);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  test('under --faults, scenarios off the fault path pass: the relay is transparent for a worker given a bad port (MF-LIFE-2)', async (t) => {
    const result = await runCli(t, ['--reference', '--tags', '@MF-LIFE-2', '--faults', 'delay=1ms']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^multifrost-conform: PASS reference worker \(TypeScript\) \[v3\] 5 scenarios: 5 passed/m,
    );
  });

  test('a worker that dies under faults fails the fault section', async (t) => {
    // The kit's instrumented child exits with status 3 at its 4th CALL, which no crash CALL asked for.
    const child = join(BROKEN, '..', '..', 'dist', 'src', 'conform', 'instrumented-child.js');
    const result = await runCli(
      t,
      ['--tags', '@call and @MF-SVC-1', '--timeout', '2000', '--faults', 'delay=1ms', '--', process.execPath, child],
      { MULTIFROST_MISBEHAVE: 'crash-after=4' },
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /=== Fault injection \(delay=1ms, seed 1\): FAILED\n {4}FAILED: \d+ worker process\(es\) died on their own under faults \(exit 3[,)]/,
    );
  });

  test('a fault spec with a typo is a usage error', async (t) => {
    const result = await runCli(t, ['--reference', '--faults', 'drop=lots']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /drop=lots: probability must be in 0\.\.1/);
  });

  test("--role parent checks a parent through its driver with the kit's instrumented child", async (t) => {
    // Two scenarios: the cucumber zmq stage runs all of them against this driver.
    const result = await runCli(t, [
      '--role',
      'parent',
      '--name',
      'driver contract|at once when the child crashes',
      '--',
      process.execPath,
      join(BROKEN, '..', '..', 'dist', 'src', 'conform', 'parent-driver.js'),
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^PASS\s+MUST\s+(lifecycle|parent)\.feature:\d+\s+A parent driver follows the driver contract/m,
    );
    assert.match(
      result.stdout,
      /^PASS\s+MUST\s+(lifecycle|parent)\.feature:\d+\s+(Through its driver, a|A) parent rejects a pending call at once when the child crashes/m,
    );
  });

  test(`--role parent: a driver whose parent applies no call timeout fails ${EXACT_FALSIFIABILITY ? 'exactly ' : ''}the MF-CALL-13 scenarios`, async (t) => {
    const dir = tempDir(t);
    // The whole parent catalogue (a driver per scenario, minutes on a loaded 2-core machine) only when proving
    // exactness (MF_FALSIFY_EXACT=1).
    // One scenario is enough to prove the CLI fails such a parent (broken-drivers.test.ts proves MF-CALL-13's other
    // scenarios with the misbehaving driver's ignore-timeout).
    const tags = EXACT_FALSIFIABILITY ? [] : ['--tags', '@MF-CALL-13', '--name', 'reply comes late'];
    const result = await runCli(
      t,
      [
        '--role',
        'parent',
        ...tags,
        '--timeout',
        '2000',
        '--json',
        join(dir, 'r.json'),
        '--',
        process.execPath,
        join(BROKEN, 'parent-without-timeout.mjs'),
      ],
      {},
      300_000,
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      scenarios: Array<{ id: string; verdict: string; clauses: Array<{ id: string }> }>;
    };
    const ran = report.scenarios.filter((s) => s.verdict !== 'skipped');
    assert.ok(ran.length >= 1, 'the driver scenarios ran');
    const failed = ran
      .filter((s) => s.verdict !== 'pass')
      .map((s) => s.id)
      .sort();
    const expected = ran
      .filter((s) => s.clauses.some((c) => c.id === 'MF-CALL-13'))
      .map((s) => s.id)
      .sort();
    assert.ok(expected.length > 0);
    assert.deepEqual(failed, expected);
  });
});
