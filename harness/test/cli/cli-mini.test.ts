/**
 * The compiled CLI end to end on a small, fixed catalogue (fixtures/mini-catalogue): verdicts, exit codes,
 * baseline, report files, list, setup errors. Fast: one reference worker start per run.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BROKEN, MINI_CATALOGUE, REPO_ROOT, runCli } from './cli-process.js';

const mini = { MULTIFROST_CONFORM_CATALOGUE: MINI_CATALOGUE };

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Each test runs its own CLI processes in its own temp dir: two at a time use both cores (the CLI and its
// worker take turns on one).
describe('the compiled CLI on the mini catalogue', { concurrency: 2 }, () => {
  test('a MUST failure fails the run (exit 1) and is reported with its clause text, expected vs actual and wire trace', async (t) => {
    const result = await runCli(t, ['--reference'], mini);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /profile v3 \(detected \(worker accepts v3, v4\)\)/);
    assert.match(result.stdout, /^PASS\s+MUST\s+mini\.feature:4\s+a passing MUST scenario\s+\[MF-CALL-6\]$/m);
    assert.match(result.stdout, /^SKIP\s+MUST\s+mini\.feature:23 .*\(skipped: the worker has no method `crash`/m);
    assert.match(result.stdout, /^INFO\s+MAY\s+mini\.feature:19/m);
    assert.match(
      result.stdout,
      /--- FAIL mini\.feature:9 {2}a failing MUST scenario\n {4}MF-CALL-4 \(MUST\) A CALL whose function name starts with `_`/,
    );
    assert.match(result.stdout, / {4}expected: an ERROR\n {4}actual: {3}a RESPONSE\n {4}wire trace \(2 messages\):/);
    assert.match(
      result.stdout,
      /0\.0ms kit->worker {2}\{"app":"comlink_ipc_v3","id":"kit-1","type":"call","function":"echo","args":\["command"\]\}/,
    );
    assert.match(
      result.stdout,
      /1\.5ms worker->kit {2}\[3 frames: <empty> \| ff \| payload\] \{"app":"comlink_ipc_v3","id":"kit-1","type":"response","result":"wrong"\}/,
    );
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(result.stdout, /^TIME\s+MUST\s+mini\.feature:\d+\s+a timed-out MUST scenario/m);
    assert.match(
      lines.at(-1)!,
      /^multifrost-conform: FAIL reference worker \(TypeScript\) \[v3\] 6 scenarios: 1 passed, 2 failed, 1 timed out, 1 skipped, 1 informational/,
    );
  });

  test('a baseline of the MUST failure passes the run; --strict makes the SHOULD failure count; a passing entry is stale', async (t) => {
    const dir = tempDir(t);
    const baseline = join(dir, 'baseline.txt');
    writeFileSync(baseline, '# known failures\nMF-CALL-4\nMF-CALL-10\n');
    const pass = await runCli(t, ['--reference', '--quiet', '--expected-failures', baseline], mini);
    assert.equal(pass.code, 0, pass.stdout + pass.stderr);
    assert.match(pass.stdout, /PASS .* 2 expected failures/);
    const strict = await runCli(t, ['--reference', '--quiet', '--strict', '--expected-failures', baseline], mini);
    assert.equal(strict.code, 1);
    writeFileSync(baseline, 'MF-CALL-4\nMF-CALL-10\nmini.feature:4\n');
    const stale = await runCli(t, ['--reference', '--expected-failures', baseline], mini);
    assert.equal(stale.code, 1);
    assert.match(stale.stdout, /stale baseline entries \(now passing, remove them\): mini\.feature:4/);
    writeFileSync(baseline, 'not an id\n');
    const bad = await runCli(t, ['--reference', '--expected-failures', baseline], mini);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /neither a clause id/);
  });

  test('one run writes JSON, JUnit and HTML reports', async (t) => {
    const dir = tempDir(t);
    const result = await runCli(
      t,
      [
        '--reference',
        '--quiet',
        '--json',
        join(dir, 'r.json'),
        '--junit',
        join(dir, 'r.xml'),
        '--html',
        join(dir, 'r.html'),
      ],
      mini,
    );
    assert.equal(result.code, 1);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      schema: string;
      summary: { fail: number; blocking: number };
      scenarios: Array<{
        id: string;
        verdict: string;
        failure?: { clause?: string; expected?: string };
        trace?: unknown[];
      }>;
    };
    assert.equal(json.schema, 'multifrost-conform/report@1');
    assert.deepEqual([json.summary.fail, json.summary.blocking], [2, 2]);
    const failing = json.scenarios.find((s) => s.id === 'mini.feature:9');
    assert.equal(failing?.verdict, 'fail');
    assert.equal(failing?.failure?.clause, 'MF-CALL-4');
    assert.equal(failing?.failure?.expected, 'an ERROR');
    assert.equal(failing?.trace?.length, 2);
    assert.equal(
      json.scenarios.find((s) => s.id === 'mini.feature:4')?.trace,
      undefined,
      'passing scenarios carry no trace without --trace',
    );
    const xml = readFileSync(join(dir, 'r.xml'), 'utf8');
    assert.match(
      xml,
      /<testsuites name="multifrost-conform reference worker \(TypeScript\) \[v3\]" tests="\d+" failures="\d+"/,
    );
    // One testsuite per feature file (the clause-coverage suite comes after it), a testcase per scenario with its file and line.
    assert.match(xml, /<testsuite name="mini" tests="6" failures="1" errors="1" skipped="3"/);
    assert.match(
      xml,
      /name="a timed-out MUST scenario \[MF-CALL-10\]"[^>]*>\n\s+<error message="function timed out[^"]*" type="timeout">/,
    );
    assert.match(
      xml,
      /<testcase classname="mini" name="a failing MUST scenario \[MF-CALL-4\]" time="[\d.]+" file="features\/mini\.feature" line="9">\n\s+<failure message="expected an ERROR, actual a RESPONSE" type="fail">/,
    );
    assert.match(
      xml,
      /name="a failing MAY scenario \[MF-PROF-4\]"[^>]*>\n\s+<skipped message="MAY info: expected x, actual y"\/>/,
    );
    assert.equal((xml.match(/<testcase classname="mini" /g) ?? []).length, 6);
    assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /^<!doctype html>/);
  });

  test('--trace keeps the wire trace of passing scenarios too', async (t) => {
    const dir = tempDir(t);
    await runCli(t, ['--reference', '--quiet', '--trace', '--json', join(dir, 'r.json')], mini);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      scenarios: Array<{ id: string; trace?: unknown[] }>;
    };
    assert.equal(json.scenarios.find((s) => s.id === 'mini.feature:4')?.trace?.length, 1);
  });

  test('list prints the catalogue for the role without running it', async (t) => {
    const child = await runCli(t, ['list'], mini);
    assert.equal(child.code, 0);
    // Each line starts with the scenario id that --expected-failures and the reports use.
    assert.match(child.stdout, /^mini\.feature:9 {2}a failing MUST scenario {2}@child @must @MF-CALL-4$/m);
    assert.match(child.stdout, /^6 scenarios$/m);
    const parent = await runCli(t, ['list', '--role', 'parent'], mini);
    assert.match(parent.stdout, /^1 scenarios$/m);
  });

  test('a worker that does not start is a setup error (exit 2) with its exit code and stderr tail', async (t) => {
    const result = await runCli(
      t,
      ['--', process.execPath, '-e', "process.stderr.write('cannot import multifrost\\n'); process.exit(7)"],
      mini,
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /did not start as a worker/);
    assert.match(result.stderr, /exit code 7/);
    assert.match(result.stderr, /cannot import multifrost/);
  });

  test('usage errors exit 2 with the usage text; a missing script names the path', async (t) => {
    const usage = await runCli(t, ['--profile', 'v9', '--reference']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--profile is v3 or v4/);
    assert.match(usage.stderr, /Usage:/);
    const missing = await runCli(t, ['./no-such-worker.py']);
    assert.equal(missing.code, 2);
    assert.match(
      missing.stderr,
      /worker script not found: .*no-such-worker\.py[^;\n]*; check the path, or give the command to run after --, e\.g\. multifrost-conform -- \.\/my-worker/,
    );
    const notRunnable = await runCli(t, ['README.md']);
    assert.equal(notRunnable.code, 2);
    assert.match(
      notRunnable.stderr,
      /cannot tell how to run .*README\.md: .*chmod \+x README\.md.*multifrost-conform -- <program> README\.md/,
    );
    for (const result of [missing, notRunnable])
      assert.doesNotMatch(result.stderr, /scriptPath|executable:|setup error/);
  });

  test('an invalid --tags expression is a usage error before any worker starts', async (t) => {
    const result = await runCli(t, ['--reference', '--tags', '@must and (@MF-CALL-6'], mini);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '', 'no worker was probed');
    assert.match(
      result.stderr,
      /^multifrost-conform: --tags "@must and \(@MF-CALL-6" is not a valid tag expression \(Unmatched \(\): .*e\.g\. --tags "@must and not @MF-OUT-2"/,
    );
  });

  test('a baseline entry that names no clause or no scenario is a usage error naming each entry and its line, before any worker starts', async (t) => {
    const dir = tempDir(t);
    const baseline = join(dir, 'known.txt');
    // mini.feature:27 is a parent scenario: valid in a child run too (the baseline may be shared by both roles).
    writeFileSync(baseline, '# typos\nMF-NOPE-1\nmini.feature:999\nMF-CALL-4\nmini.feature:27\nmini.feature:10\n');
    const result = await runCli(t, ['--reference', '--expected-failures', baseline], mini);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.equal(result.stdout, '', 'no worker was probed');
    assert.match(result.stderr, /the baseline has 3 entries that match nothing/);
    assert.match(result.stderr, new RegExp(`${baseline}:2: MF-NOPE-1 is not a clause of docs/spec\\.md`));
    assert.match(
      result.stderr,
      new RegExp(
        `${baseline}:3: mini\\.feature:999 names no scenario: mini\\.feature has scenarios at lines 4, 9, 14, 19, 23, 27, 31`,
      ),
    );
    assert.match(result.stderr, new RegExp(`${baseline}:6: mini\\.feature:10 names no scenario`));
    assert.doesNotMatch(result.stderr, /:4: |:5: /);
  });

  test('a --name-map file that is missing or invalid is a usage error naming it, before any worker starts', async (t) => {
    const dir = tempDir(t);
    const missing = await runCli(t, ['--reference', '--names', 'pascal', '--name-map', join(dir, 'names.json')], mini);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(
      missing.stderr,
      new RegExp(`cannot read the name map --name-map ${join(dir, 'names.json')}: no such file`),
    );
    writeFileSync(join(dir, 'names.json'), '["WriteOut"]');
    const invalid = await runCli(t, ['--reference', '--name-map', join(dir, 'names.json')], mini);
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, new RegExp(`--name-map ${join(dir, 'names.json')} must hold a JSON object`));
  });

  test('with --quiet a fuzz failure says so after the summary, with a non-negative seed that --seed accepts', async (t) => {
    const dir = tempDir(t);
    const crashing = join(BROKEN, 'crash-on-big-int.mjs');
    const result = await runCli(
      t,
      [crashing, '--quiet', '--tags', '@MF-CALL-6', '--fuzz', '150', '--fuzz-dir', dir],
      mini,
    );
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines.at(-2)!, /^multifrost-conform: FAIL command .* 1 scenarios: 1 passed, 0 failed/);
    const failed =
      /^multifrost-conform: Fuzzing \(150 malformed inputs\): FAILED: failed after \d+ inputs \(seed (-?\d+), shrunk \d+ times\): the worker exited/.exec(
        lines.at(-1)!,
      );
    assert.ok(failed !== null, result.stdout);
    const seed = Number(failed[1]);
    assert.ok(seed >= 0, `seed ${seed}`);
    const again = await runCli(
      t,
      [crashing, '--quiet', '--tags', '@MF-CALL-6', '--fuzz', '150', '--fuzz-dir', dir, '--seed', String(seed)],
      mini,
    );
    assert.equal(again.code, 1, again.stderr);
    assert.match(again.stdout, new RegExp(`FAILED: failed after \\d+ inputs \\(seed ${seed},`));
  });

  test('a tag expression that selects nothing is a setup error, not a silent pass', async (t) => {
    const result = await runCli(t, ['--reference', '--tags', '@no-such-tag'], mini);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no scenario matches @child and \(@no-such-tag\)/);
  });

  test('a catalogue whose steps do not match its features (an undefined step) is a setup error, never a verdict', async (t) => {
    const dir = tempDir(t);
    cpSync(join(MINI_CATALOGUE, 'dist'), join(dir, 'dist'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules')); // the steps import @cucumber/cucumber
    mkdirSync(join(dir, 'features'));
    writeFileSync(
      join(dir, 'features', 'defect.feature'),
      [
        'Feature: a defective catalogue',
        '',
        '  @child @must @MF-CALL-6',
        '  Scenario: a passing MUST scenario',
        '    Given the target is known',
        '    Then nothing is wrong',
        '',
        '  @child @must @MF-CALL-4',
        '  Scenario: a scenario whose step has no definition',
        '    Given the target is known',
        '    Then a step nobody defined',
        '',
      ].join('\n'),
    );
    const result = await runCli(t, ['--reference', '--no-timing'], { MULTIFROST_CONFORM_CATALOGUE: dir });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^SKIP\s+MUST\s+defect\.feature:9 .*catalogue defect: step undefined: a step nobody defined/m,
    );
    assert.match(
      result.stderr,
      /the kit's catalogue is defective: 1 scenario\(s\) have undefined or ambiguous steps \(defect\.feature:9\).*This run is no verdict on the target\./,
    );
  });

  test('the coverage knows the whole catalogue: filtered-out clauses are "not run", @internal-only ones "in-process only"', async (t) => {
    const dir = tempDir(t);
    const result = await runCli(t, ['--reference', '--no-timing', '--tags', '@MF-HB-1', '--json', join(dir, 'r.json')]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
      coverageSummary: { catalogueKnown: boolean };
      coverage: Array<{ id: string; outcome: string; reason?: string }>;
    };
    assert.equal(report.coverageSummary.catalogueKnown, true);
    const outcome = (id: string) => report.coverage.find((c) => c.id === id);
    assert.equal(outcome('MF-HB-1')?.outcome, 'pass');
    assert.equal(outcome('MF-CALL-1')?.outcome, 'not-run');
    assert.match(outcome('MF-CALL-1')?.reason ?? '', /cite it but did not run: filtered out by --tags\/--name/);
    assert.ok(!report.coverage.some((c) => c.outcome === 'no-scenario' && /this run/.test(c.reason ?? '')));
  });
});
