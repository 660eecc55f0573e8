/**
 * A run that never hides why, never cascades, and fails at start-up with a reason (issue 14), through the
 * compiled CLI with small stub workers and drivers written by each test into a temporary directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import { MINI_CATALOGUE, REPO_ROOT, requireBuild, runCli, startService } from './cli-process.js';

const REFERENCE = pathToFileURL(join(REPO_ROOT, 'dist', 'src', 'conform', 'reference-worker.js')).href;
const INSTRUMENTED = join(REPO_ROOT, 'dist', 'src', 'conform', 'instrumented-child.js');
/** The @child scenarios of the conformance service in call.feature: eight quick ones, `add` first. */
const SERVICE_TAGS = ['--tags', '@call and @MF-SVC-1'];

interface JsonScenario {
  id: string;
  verdict: string;
  reason?: string;
  failure?: { actual?: string };
  processes: Array<{
    role: string;
    pid?: number;
    exitCode?: number | null;
    signal?: string | null;
    stderrTail: string[];
    stdoutTail: string[];
  }>;
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-robust-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a script into `dir` and returns its path. */
function script(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The reference worker, except that `add(2, 40)` dies as a Python worker would, with a traceback on its stderr. */
function crashingWorker(dir: string): string {
  return script(
    dir,
    'crashing-worker.mjs',
    `import { writeSync } from 'node:fs';
import { ConformanceWorker } from ${JSON.stringify(REFERENCE)};
class Crashing extends ConformanceWorker {
  add(a, b) {
    if (a === 2 && b === 40) {
      writeSync(2, 'Traceback (most recent call last):\\n  File "worker.py", line 12, in add\\nValueError: boom\\n');
      process.exit(1);
    }
    return a + b;
  }
}
await new Crashing().run();
`,
  );
}

function readJson(path: string): { scenarios: JsonScenario[] } {
  return JSON.parse(readFileSync(path, 'utf8')) as { scenarios: JsonScenario[] };
}

// Each test runs its own CLI processes in its own temp dir: two at a time use both cores (the CLI and its
// worker take turns on one).
describe('a run stays robust and says what happened', { concurrency: 2 }, () => {
  test('a worker that dies: its exit status and stderr traceback reach the failure and the JSON; the next scenario gets a fresh worker', async (t) => {
    const dir = tempDir(t);
    const worker = crashingWorker(dir);
    const result = await runCli(t, [
      ...SERVICE_TAGS,
      '--timeout',
      '3000',
      '--json',
      join(dir, 'r.json'),
      '--',
      process.execPath,
      worker,
    ]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const { scenarios } = readJson(join(dir, 'r.json'));
    const failed = scenarios.filter((s) => s.verdict !== 'pass');
    assert.equal(
      failed.length,
      1,
      `only the scenario that killed the worker fails, the rest ran on a fresh worker: ${JSON.stringify(failed.map((s) => s.id))}`,
    );
    const [dead] = failed;
    assert.equal(dead!.verdict, 'fail');
    assert.match(dead!.failure?.actual ?? '', /exited \(code 1, signal none\).*ValueError: boom/);
    const worker0 = dead!.processes.find((p) => p.role === 'worker');
    assert.ok(worker0 !== undefined, "the worker is one of the scenario's processes");
    assert.equal(worker0.exitCode, 1);
    assert.equal(worker0.signal, null);
    assert.ok(worker0.stderrTail.includes('Traceback (most recent call last):'), JSON.stringify(worker0));
    assert.ok(worker0.stderrTail.includes('ValueError: boom'));
    // Passing scenarios keep their processes too (a worker still running has no exit status yet).
    for (const passed of scenarios.filter((s) => s.verdict === 'pass')) {
      const [only] = passed.processes;
      assert.equal(only?.role, 'worker', passed.id);
      assert.equal(only?.exitCode, undefined);
      assert.ok(
        !only?.stderrTail.includes('ValueError: boom'),
        "a fresh worker does not inherit the dead one's output",
      );
    }
  });

  test('--fail-fast stops at the first blocking failure: the rest is reported as not run', async (t) => {
    const dir = tempDir(t);
    const result = await runCli(t, [
      ...SERVICE_TAGS,
      '--fail-fast',
      '--timeout',
      '3000',
      '--json',
      join(dir, 'r.json'),
      '--',
      process.execPath,
      crashingWorker(dir),
    ]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const { scenarios } = readJson(join(dir, 'r.json'));
    assert.equal(scenarios.length, 8);
    const ran = scenarios.filter((s) => !(s.reason ?? '').startsWith('not run'));
    assert.deepEqual(
      ran.map((s) => s.verdict),
      ['fail'],
      'the first scenario (add 2 + 40) killed the worker; nothing ran after it',
    );
    const first = ran[0]!.id;
    for (const rest of scenarios.filter((s) => s !== ran[0]))
      assert.ok(
        (rest.reason ?? '').startsWith(`not run: --fail-fast: stopped after the first blocking failure, ${first}`),
        rest.reason,
      );
    assert.match(result.stdout, /the run stopped early: --fail-fast: .*; 7 scenario\(s\) not run/);
  });

  test('a forced --profile the worker does not answer ends the run at start-up with exit 2, not a timeout per scenario', async (t) => {
    const started = performance.now();
    // The reference worker speaks only v3 when MULTIFROST_PROFILE=v3.
    const result = await runCli(t, ['--reference', '--profile', 'v4', ...SERVICE_TAGS], { MULTIFROST_PROFILE: 'v3' });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(
      result.stderr,
      /--profile v4: reference worker \(TypeScript\) does not answer v4 \(during the start-up probe it answered only v3\)/,
    );
    assert.match(result.stderr, /Run without --profile to use v3/);
    assert.doesNotMatch(result.stdout, /^(FAIL|TIME) /m, 'no scenario ran');
    assert.ok(performance.now() - started < 20_000);
  });

  test('a dead --service ends the run with one clear verdict instead of every remaining scenario timing out', async (t) => {
    requireBuild();
    const home = tempDir(t);
    // The kit's instrumented child in connect mode: it exits (status 3, no unregistering) at the 5th CALL.
    await startService(t, {
      serviceId: 'dying-service',
      home,
      script: INSTRUMENTED,
      env: { MULTIFROST_MISBEHAVE: 'crash-after=5' },
    });
    const dir = tempDir(t);
    const started = performance.now();
    const result = await runCli(
      t,
      ['--service', 'dying-service', ...SERVICE_TAGS, '--timeout', '1500', '--json', join(dir, 'r.json')],
      { MULTIFROST_HOME: home },
    );
    const elapsedMs = performance.now() - started;
    assert.equal(result.code, 1, result.stdout + result.stderr);
    const { scenarios } = readJson(join(dir, 'r.json'));
    const failed = scenarios.filter((s) => s.verdict === 'fail' || s.verdict === 'timeout');
    assert.equal(failed.length, 1, JSON.stringify(scenarios.map((s) => [s.id, s.verdict, s.reason])));
    const notRun = scenarios.filter((s) => (s.reason ?? '').startsWith("not run: the service 'dying-service' is gone"));
    assert.ok(notRun.length >= 1, 'the scenarios after the death were not run');
    assert.equal(
      scenarios.filter((s) => s.verdict === 'pass').length + failed.length + notRun.length,
      scenarios.length,
    );
    assert.match(result.stdout, /the run stopped early: the service 'dying-service' is gone/);
    assert.ok(elapsedMs < 15_000, `stopped early (${Math.round(elapsedMs)} ms)`);
  });

  test('--startup-timeout bounds the start-up check; a worker that answers undecodably gets its own setup error with the bytes', async (t) => {
    const dir = tempDir(t);
    // Starts only after 3 s: too slow for --startup-timeout 800.
    const slow = script(
      dir,
      'slow-worker.mjs',
      `await new Promise((resolve) => setTimeout(resolve, 3000));\nawait import(${JSON.stringify(REFERENCE)});\n`,
    );
    const timedOut = await runCli(t, ['--startup-timeout', '800', ...SERVICE_TAGS, '--', process.execPath, slow]);
    assert.equal(timedOut.code, 2, timedOut.stdout + timedOut.stderr);
    // Nothing had connected by then: the error says where a worker must connect (MF-LIFE-3).
    assert.match(
      timedOut.stderr,
      /nothing connected to the kit's port (\d+) within 800 ms: a spawn-mode worker connects its ROUTER to tcp:\/\/127\.0\.0\.1:<COMLINK_ZMQ_PORT> \(here \1, MF-LIFE-3\)/,
    );
    // A worker that connects to another port gets the same; one that connects and stays silent is told so.
    const router = (connectTo: string): string =>
      `const zmq = require(${JSON.stringify(join(REPO_ROOT, 'node_modules', 'zeromq'))});
const socket = new zmq.Router();
socket.connect('tcp://127.0.0.1:' + (${connectTo}));
setInterval(() => undefined, 1000);
`;
    const elsewhere = script(dir, 'elsewhere-worker.cjs', router('Number(process.env.COMLINK_ZMQ_PORT) + 1'));
    const wrongPort = await runCli(t, ['--startup-timeout', '800', ...SERVICE_TAGS, '--', process.execPath, elsewhere]);
    assert.equal(wrongPort.code, 2, wrongPort.stdout + wrongPort.stderr);
    assert.match(wrongPort.stderr, /nothing connected to the kit's port \d+ within 800 ms: .*MF-LIFE-3/);
    const silent = script(dir, 'silent-worker.cjs', router('process.env.COMLINK_ZMQ_PORT'));
    const connected = await runCli(t, ['--startup-timeout', '800', ...SERVICE_TAGS, '--', process.execPath, silent]);
    assert.equal(connected.code, 2, connected.stdout + connected.stderr);
    assert.match(
      connected.stderr,
      /the worker connected, but did not answer a HEARTBEAT or CALL in v3 or v4 within 800 ms/,
    );
    // A ROUTER that answers every message with bytes that are not msgpack.
    const garbage = script(
      dir,
      'garbage-worker.cjs',
      `const zmq = require(${JSON.stringify(join(REPO_ROOT, 'node_modules', 'zeromq'))});
(async () => {
  const socket = new zmq.Router();
  socket.connect('tcp://127.0.0.1:' + process.env.COMLINK_ZMQ_PORT);
  for await (const [identity] of socket) await socket.send([identity, '', Buffer.from([0xc1, 0xff, 0x00, 0x42])]);
})();
`,
    );
    const undecodable = await runCli(t, [...SERVICE_TAGS, '--', process.execPath, garbage]);
    assert.equal(undecodable.code, 2, undecodable.stdout + undecodable.stderr);
    assert.match(
      undecodable.stderr,
      /the worker answered, but not in a form the kit can decode \(the payload is not msgpack[^)]*\): 2 frame\(s\), first bytes in hex: \[<empty>, c1ff0042 \(4 bytes\)\]/,
    );
    assert.doesNotMatch(undecodable.stderr, /did not answer/);
  });

  /** A parent driver stub: `body` runs after the contract's environment was checked. */
  function driver(dir: string, name: string, body: string): string {
    return script(
      dir,
      name,
      `import { createInterface } from 'node:readline';
if (!process.env.MULTIFROST_CHILD_COMMAND || !process.env.MULTIFROST_PROFILE || !process.env.MULTIFROST_CALL_TIMEOUT_MS) {
  process.stderr.write('FATAL: the contract environment is missing\\n');
  process.exit(9);
}
const say = (line) => process.stdout.write(JSON.stringify(line) + '\\n');
const onStop = (then) => createInterface({ input: process.stdin }).on('line', (line) => { if (JSON.parse(line).op === 'stop') then(); });
${body}
`,
    );
  }

  test('--role parent: a driver that fails at start-up is a setup error showing its status and stderr, not five empty failures', async (t) => {
    const dir = tempDir(t);
    const fatal = driver(
      dir,
      'fatal.mjs',
      `process.stderr.write('FATAL: cannot import multifrost: No module named multifrost\\n'); process.exit(1);`,
    );
    const result = await runCli(t, ['--role', 'parent', '--', process.execPath, fatal]);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stderr, /the driver exited before its hello line \(exit code 1, signal none\)/);
    assert.match(result.stderr, /FATAL: cannot import multifrost: No module named multifrost/);

    const startFailed = driver(
      dir,
      'start-failed.mjs',
      `say({ event: 'hello', capabilities: [] }); say({ event: 'start-failed', error: 'the child exited with status 3 before it connected' }); process.exitCode = 1;`,
    );
    const failed = await runCli(t, ['--role', 'parent', '--', process.execPath, startFailed]);
    assert.equal(failed.code, 2, failed.stdout + failed.stderr);
    assert.match(failed.stderr, /could not start its worker: the child exited with status 3 before it connected/);

    const silent = driver(dir, 'silent.mjs', `createInterface({ input: process.stdin }).on('line', () => undefined);`);
    const quiet = await runCli(t, ['--role', 'parent', '--startup-timeout', '1000', '--', process.execPath, silent]);
    assert.equal(quiet.code, 2, quiet.stdout + quiet.stderr);
    assert.match(quiet.stderr, /the driver printed nothing within 1000 ms of starting/);

    const noHello = driver(dir, 'no-hello.mjs', `onStop(() => { say({ event: 'stopped' }); process.exit(0); });`);
    const old = await runCli(t, ['--role', 'parent', '--', process.execPath, noHello]);
    assert.equal(old.code, 2, old.stdout + old.stderr);
    assert.match(
      old.stderr,
      /the driver has no hello line: it answered \{"op":"stop"\} with \{"event":"stopped"\}, but the driver contract \(docs\/spec\.md section 14, MF-DRV-2\) says its first stdout line is \{"event":"hello","capabilities":\[\.\.\.\]\}/,
    );
  });

  test("--role parent: the capabilities of the driver's hello line are printed first and the run goes on", async (t) => {
    const dir = tempDir(t);
    const good = driver(
      dir,
      'good.mjs',
      `say({ event: 'hello', capabilities: ['heartbeat', 'breaker'] }); onStop(() => { say({ event: 'stopped' }); process.exit(0); });`,
    );
    // No scenario matches the tag: the run ends right after the start-up check and the header.
    const result = await runCli(t, ['--role', 'parent', '--tags', '@no-such-tag', '--', process.execPath, good]);
    const [first, second] = result.stdout.split('\n');
    assert.match(first ?? '', /^multifrost-conform: parent driver .*good\.mjs, profile v3/);
    assert.equal(second, 'multifrost-conform: driver capabilities (hello line): heartbeat, breaker');
    assert.match(result.stderr, /no scenario matches/);
  });

  test('a report that cannot be written: the verdict is still printed, the message names the file and why, exit 2', async (t) => {
    const dir = tempDir(t);
    const blocker = script(dir, 'not-a-dir', 'a file where a directory should be\n');
    const result = await runCli(t, ['--reference', '--quiet', '--json', join(blocker, 'r.json')], {
      MULTIFROST_CONFORM_CATALOGUE: MINI_CATALOGUE,
    });
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stdout, /^multifrost-conform: FAIL reference worker \(TypeScript\) \[v3\] 6 scenarios/m);
    assert.ok(result.stderr.includes(`cannot write the JSON report to ${join(blocker, 'r.json')}: `), result.stderr);
    assert.match(result.stderr, /: (EEXIST|ENOTDIR): /);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  test('--json - writes the JSON report to stdout, and the human-readable output to stderr', async (t) => {
    const result = await runCli(t, ['--reference', '--json', '-'], { MULTIFROST_CONFORM_CATALOGUE: MINI_CATALOGUE });
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as { schema: string; scenarios: unknown[] };
    assert.equal(report.schema, 'multifrost-conform/report@1');
    assert.equal(report.scenarios.length, 6);
    assert.match(result.stderr, /^multifrost-conform: reference worker \(TypeScript\), profile v3/m);
    assert.match(result.stderr, /multifrost-conform: FAIL reference worker \(TypeScript\) \[v3\] 6 scenarios/);
  });
});
