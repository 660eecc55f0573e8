/**
 * Several targets in one run (`--target`, issue 17 item 1), through the compiled CLI: the TypeScript reference
 * worker (positional), the Go, Rust and Python reference children and two broken workers, a few scenarios
 * each (heartbeat echo, add), three at a time. One clause x target matrix in text, JSON and HTML (the HTML
 * checked in Chromium), the disagreements with each target's expected vs actual, a summary line per target
 * and the worst target's exit status. A peer that is not built is left out with the reason printed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import { parseArgs } from '../../../src/cli/args.js';
import { buildMatrix } from '../../../src/conform/matrix/matrix.js';
import { matrixTargets, targetArgs } from '../../../src/conform/matrix/matrix-targets.js';
import { ErrorCode } from '../../../src/errors.js';
import { BROKEN, runCli } from './cli-process.js';

const CHROMIUM = '/usr/bin/chromium';

interface MatrixJson {
  schema: string;
  exitCode: number;
  role: string;
  targets: Array<{ key: string; label: string; exitCode: number; summary: string; reported: boolean }>;
  rows: Array<{
    id: string;
    disagree: boolean;
    cells: Record<string, { outcome: string; failures: Array<{ expected?: string; actual?: string }> }>;
  }>;
}

test('one run, several targets: the clause x target matrix, disagreements, summary lines, the worst exit status', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-matrix-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const peers = PEER_LANGUAGES.filter((language) => {
    const built = existsSync(PEERS[language].child[0]!);
    if (!built) t.diagnostic(`${language} child not built (node harness/peers/setup.mjs): left out of the matrix`);
    return built;
  });
  const wrongId = join(BROKEN, 'wrong-reply-id.mjs');
  const noEcho = join(BROKEN, 'no-heartbeat-echo.mjs');
  const json = join(dir, 'matrix.json');
  const html = join(dir, 'matrix.html');
  const result = await runCli(t, [
    '--reference',
    ...peers.flatMap((language) => ['--target', JSON.stringify(PEERS[language].child)]),
    '--target',
    wrongId,
    '--target',
    noEcho,
    '--name',
    'answers add|echoes a HEARTBEAT with the same id',
    '--jobs',
    '3',
    // The broken workers' failures wait out a step: 2 s is plenty on loopback and keeps the test short.
    '--timeout',
    '2000',
    '--json',
    json,
    '--html',
    html,
  ]);
  const out = result.stdout;
  // The broken workers fail their clauses: the run fails (1), no target had a setup error (2).
  assert.equal(result.code, 1, out + result.stderr);
  const count = 3 + peers.length;
  assert.match(out, new RegExp(`^multifrost-conform: ${count} targets, 3 at a time$`, 'm'));
  const keyOf = (n: number): string => `T${n}`;
  const wrongKey = keyOf(2 + peers.length);
  const noEchoKey = keyOf(3 + peers.length);
  // A summary line per target, as each ends.
  assert.match(
    out,
    /^multifrost-conform: T1 reference: PASS reference worker \(TypeScript\) \[v3\] 3 scenarios: 3 passed/m,
  );
  for (const [index, language] of peers.entries())
    assert.match(
      out,
      new RegExp(
        `^multifrost-conform: T${index + 2} .*${language === 'python' ? 'child\\.py' : 'mf-child'}: PASS `,
        'm',
      ),
    );
  assert.match(
    out,
    new RegExp(`^multifrost-conform: ${wrongKey} .*wrong-reply-id\\.mjs: FAIL .* 3 scenarios: 2 passed, 1 failed`, 'm'),
  );
  assert.match(
    out,
    new RegExp(
      `^multifrost-conform: ${noEchoKey} .*no-heartbeat-echo\\.mjs: FAIL .* 3 scenarios: 2 passed, 1 failed`,
      'm',
    ),
  );
  // The matrix: each broken worker alone fails its clause; rows where targets differ are marked.
  const row = (clause: string): string[] => {
    const line = new RegExp(`^ (!| ) {2}${clause} +MUST +(.*)$`, 'm').exec(out);
    assert.ok(line !== null, `no matrix row for ${clause}\n${out}`);
    return [line[1]!, ...line[2]!.trim().split(/\s+/)];
  };
  const passes = Array.from({ length: 1 + peers.length }, () => 'pass');
  assert.deepEqual(row('MF-CALL-10'), ['!', ...passes, 'FAIL', 'pass']);
  assert.deepEqual(row('MF-HB-1'), ['!', ...passes, 'pass', 'FAIL']);
  assert.match(out, /=== Where the targets disagree/);
  assert.match(
    out,
    new RegExp(
      `MF-HB-1 \\(MUST\\)[^\\n]*\\n(?: {6}T\\d[^\\n]*\\n)*? {6}${noEchoKey} [^\\n]*no-heartbeat-echo\\.mjs: FAIL heartbeat\\.feature:\\d+ [^\\n]*\\n {12}expected: a HEARTBEAT echo[^\\n]*\\n {12}actual: +none`,
    ),
  );
  assert.match(
    out,
    new RegExp(
      `${wrongKey} [^\\n]*wrong-reply-id\\.mjs: FAIL call\\.feature:\\d+ The conformance service answers add\\n {12}expected: [^\\n]*"kit1-1"[^\\n]*\\n {12}actual: +a response with id "kit1-1-wrong"`,
    ),
  );
  assert.match(
    out,
    new RegExp(
      `^multifrost-conform: ${count} targets: ${count - 2} passed; exit 1 \\(the worst: ${wrongKey}, ${noEchoKey}\\)$`,
      'm',
    ),
  );

  // JSON: the same matrix for tools.
  const matrix = JSON.parse(readFileSync(json, 'utf8')) as MatrixJson;
  assert.equal(matrix.schema, 'multifrost-conform/matrix@1');
  assert.equal(matrix.exitCode, 1);
  assert.deepEqual(
    matrix.targets.map((target) => target.exitCode),
    [...passes.map(() => 0), 1, 1],
  );
  const hb = matrix.rows.find((r) => r.id === 'MF-HB-1')!;
  assert.equal(hb.disagree, true);
  assert.equal(hb.cells['T1']!.outcome, 'pass');
  assert.equal(hb.cells[noEchoKey]!.outcome, 'fail');
  assert.match(hb.cells[noEchoKey]!.failures[0]!.expected!, /a HEARTBEAT echo/);

  // HTML, as a reader sees it in Chromium.
  if (!existsSync(CHROMIUM)) {
    t.diagnostic(`${CHROMIUM} missing (node harness/test/cli/setup-chromium.mjs): the HTML matrix was not opened`);
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(pathToFileURL(html).href);
  assert.equal(await page.locator('#matrix tr.disagree').count(), matrix.rows.filter((r) => r.disagree).length);
  const cell = page.locator(`tr[data-clause="MF-HB-1"] td[data-target="${noEchoKey}"]`);
  assert.equal(await cell.innerText(), 'FAIL');
  assert.match((await cell.getAttribute('title'))!, /expected: a HEARTBEAT echo/);
  assert.equal(await page.locator('tr[data-clause="MF-HB-1"] td[data-target="T1"]').innerText(), 'pass');
  const section = page.locator('section.disagreement[data-clause="MF-CALL-10"]');
  assert.match(await section.innerText(), /a response with id "kit1-1-wrong"/);
  assert.equal(await page.locator('li.target').count(), count);
});

test('--target with a single-target report option is a usage error that says why', async (t) => {
  const result = await runCli(t, ['--reference', '--target', 'reference', '--junit', 'x.xml']);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /--junit describe one target's run: with several targets \(--target\) the kit writes one matrix/,
  );
});

test('--role parent with a child target (reference, service:) is a usage error naming it; drivers are accepted', () => {
  assert.throws(
    () => parseArgs(['--role', 'parent', '--target', 'service:billing', '--target', 'cmd:./driver']),
    (e: Error & { code?: string }) =>
      e.code === ErrorCode.INVALID_ARGUMENT &&
      /--role parent checks parents through their drivers, and T1 \(service:billing\) is a child: give each parent's driver as cmd:/.test(
        e.message,
      ),
  );
  assert.throws(
    () => parseArgs(['--role', 'parent', '--reference', '--target', 'cmd:./driver', '--target', 'reference']),
    /T1 \(reference\) and T3 \(reference\) are children/,
  );
  const drivers = parseArgs(['--role', 'parent', '--target', 'cmd:./a', '--target', '["./b"]', '--', './c']);
  assert.equal(matrixTargets(drivers).length, 3);
});

test('target specs: the single target first, then each --target; -- takes the rest of the line as one command', () => {
  const options = parseArgs([
    '--target',
    'reference',
    '--target',
    'cmd:python3 worker.py --fast',
    '--target',
    '["python3", "my worker.py"]',
    '--target',
    'service:billing',
    '--target',
    './w.go',
    '--jobs',
    '4',
    '--',
    './my-worker',
    '--target',
    'x',
  ]);
  assert.equal(options.jobs, 4);
  assert.deepEqual(
    matrixTargets(options).map((target) => [target.key, target.args]),
    [
      ['T1', ['--', './my-worker', '--target', 'x']],
      ['T2', ['--reference']],
      ['T3', ['--', 'python3', 'worker.py', '--fast']],
      ['T4', ['--', 'python3', 'my worker.py']],
      ['T5', ['--service', 'billing']],
      ['T6', ['./w.go']],
    ],
  );
  for (const bad of ['cmd:', 'service:', '[]', '[1]', '["a"'])
    assert.throws(
      () => targetArgs(bad),
      (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT,
      bad,
    );
  assert.throws(() => parseArgs(['--target', 'reference', '--jobs', '0']), /--jobs expects a number of targets/);
});

test("a target's setup error shows the last line of its own stderr (the FATAL line names the cause)", () => {
  const run = (key: string, stderr: string) => ({
    target: { key, label: `driver ${key}`, args: ['--', `driver-${key}`] },
    exitCode: 2,
    report: undefined,
    stderr,
    durationMs: 10,
  });
  const matrix = buildMatrix(
    [
      run(
        'T1',
        [
          'multifrost-conform: setup error: parent driver d did not start as the driver contract says',
          'd: the driver exited before its hello line (exit code 2, signal none)',
          '--- child stderr (tail) ---',
          'loading',
          'FATAL: unknown MULTIFROST_DRIVER_MISBEHAVE item no-timeout',
          '',
        ].join('\n'),
      ),
      run('T2', 'multifrost-conform: setup error: no such service billing\n'),
    ],
    'parent',
  );
  assert.equal(
    matrix.targets[0]!.summary,
    'setup error: parent driver d did not start as the driver contract says d: the driver exited before its hello line (exit code 2, signal none); its stderr ends: FATAL: unknown MULTIFROST_DRIVER_MISBEHAVE item no-timeout',
  );
  assert.equal(matrix.targets[1]!.summary, 'setup error: no such service billing');
});
