#!/usr/bin/env node
// The whole test run, as `npm test` runs it. Stages run in order and the first failure stops the run:
//   1. peers: install and build the Python, Go and Rust reference peers (cached, idempotent)
//   2. build: tsc to dist/ (the CLI and the zmq cucumber profile run compiled code); then the type check,
//      lint (eslint) and format (prettier --check) side by side (`checks`)
//   3. unit + property + integration tests under c8 (node --test; files listed here, Node 20 takes no globs),
//      in two lanes side by side: the CLI tests and the rest (harness/test-lanes.mjs)
//   4. cucumber: the simulator profile, then the zmq profile
//   5. traceability: every MUST clause of docs/spec.md has a scenario, every cited clause exists
// `npm test -- <stage>...` runs only the named stages; `npm test -- unit <file filter>` narrows the files.
// The run ends (passed or not) with how many tests passed, failed and were skipped, per stage and in total:
// node --test writes a second report in TAP to a file, cucumber a message stream, and both are counted.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);

/**
 * Counts of node's TAP reporter: its closing `# pass`, `# fail`, ... lines (subtests included, as node
 * counts them). Cancelled tests count as failed, todo tests as skipped. Undefined when there is no summary.
 */
export function countTap(text) {
  const field = (name) => {
    const match = new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text);
    return match === null ? undefined : Number(match[1]);
  };
  const pass = field('pass');
  if (pass === undefined) return undefined;
  return {
    passed: pass,
    failed: (field('fail') ?? 0) + (field('cancelled') ?? 0),
    skipped: (field('skipped') ?? 0) + (field('todo') ?? 0),
  };
}

const CUCUMBER_WORST = ['PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED'];

/**
 * Counts scenarios in a cucumber message stream (ndjson): each test case by its worst step status (the
 * last attempt when retried). Passed; skipped (a skipped step); failed (failed, ambiguous, undefined or
 * pending, as the catalogue runs strict).
 */
export function countCucumberMessages(text) {
  const worst = new Map(); // testCaseStarted id -> worst status index
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const envelope = JSON.parse(line);
    if (envelope.testCaseStarted) worst.set(envelope.testCaseStarted.id, 0);
    else if (envelope.testStepFinished) {
      const { testCaseStartedId, testStepResult } = envelope.testStepFinished;
      worst.set(
        testCaseStartedId,
        Math.max(worst.get(testCaseStartedId) ?? 0, Math.max(0, CUCUMBER_WORST.indexOf(testStepResult.status))),
      );
    } else if (envelope.testCaseFinished && !envelope.testCaseFinished.willBeRetried) {
      const status = CUCUMBER_WORST[worst.get(envelope.testCaseFinished.testCaseStartedId) ?? 0];
      if (status === 'PASSED') counts.passed += 1;
      else if (status === 'SKIPPED') counts.skipped += 1;
      else counts.failed += 1;
    }
  }
  return counts;
}

/** The closing table: one row per stage that ran tests, and the total. */
export function countsTable(rows) {
  const total = rows.reduce(
    (sum, row) => ({
      passed: sum.passed + row.passed,
      failed: sum.failed + row.failed,
      skipped: sum.skipped + row.skipped,
    }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  const all = [...rows, { title: 'total', ...total }];
  const width = Math.max(...all.map((row) => row.title.length));
  const line = (title, passed, failed, skipped) =>
    `${title.padEnd(width)}  ${String(passed).padStart(7)}  ${String(failed).padStart(7)}  ${String(skipped).padStart(7)}`;
  return [
    line('tests', 'passed', 'failed', 'skipped'),
    ...all.map((row) => line(row.title, row.passed, row.failed, row.skipped)),
  ].join('\n');
}

/** Stages that counted tests, in order. */
const tally = [];
let scratch;
/** A temporary file for a stage's machine-readable report (removed at exit). */
function reportFile(name) {
  scratch ??= mkdtempSync(join(tmpdir(), 'mf-test-counts-'));
  return join(scratch, name);
}

function printCounts() {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  if (tally.length > 0) console.log(`\n${countsTable(tally)}`);
}

/** Runs one stage; `count` reads its results afterwards (also when it failed). */
function run(title, command, args, env = {}, count = undefined) {
  const started = Date.now();
  console.log(`\n=== ${title}: ${[command, ...args].map((a) => relative(root, a) || a).join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const counts = count?.();
  if (count !== undefined) tally.push({ title, ...(counts ?? { passed: 0, failed: 0, skipped: 0 }) });
  const summary =
    counts === undefined ? '' : `: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  if (result.status !== 0) {
    console.error(
      `=== ${title} FAILED (exit ${result.status ?? result.signal}) after ${seconds} s${summary}${count !== undefined && counts === undefined ? ' (no counts: the run ended before its summary)' : ''}`,
    );
    printCounts();
    process.exit(result.status || 1);
  }
  console.log(`=== ${title} passed in ${seconds} s${summary}`);
}

/**
 * Runs stages that count no tests (each a command) at the same time, each with its output held and printed
 * whole, in order, when all are done; stops the run if any failed. The type check, lint and format check are
 * CPU-bound single processes: side by side they use both cores of a two-core machine.
 */
async function runTogether(jobs) {
  const started = Date.now();
  console.log(`\n=== ${jobs.map((job) => job.title).join(', ')}: side by side`);
  const results = await Promise.all(
    jobs.map(
      ({ title, command, args }) =>
        new Promise((resolve) => {
          const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          child.stdout.on('data', (chunk) => (output += chunk));
          child.stderr.on('data', (chunk) => (output += chunk));
          child.on('error', (error) => resolve({ title, command, args, output: String(error), status: 1 }));
          child.on('close', (status, signal) =>
            resolve({ title, command, args, output, status: status ?? signal, seconds: (Date.now() - started) / 1000 }),
          );
        }),
    ),
  );
  let failed = false;
  for (const { title, command, args, output, status, seconds } of results) {
    console.log(`\n=== ${title}: ${[command, ...args].map((a) => relative(root, a) || a).join(' ')}`);
    if (output !== '') process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
    if (status === 0) console.log(`=== ${title} passed in ${seconds.toFixed(1)} s`);
    else {
      failed = true;
      console.error(`=== ${title} FAILED (exit ${status})`);
    }
  }
  if (failed) {
    printCounts();
    process.exit(1);
  }
}

/** Reads a report file that a stage may not have written (it crashed first). */
function readIfThere(path) {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** A cucumber stage: its own formatters, plus a message stream to count from. */
function cucumber(title, profile) {
  const messages = reportFile(`cucumber-${profile}.ndjson`);
  run(
    title,
    process.execPath,
    ['--import', 'tsx', bin('cucumber-js'), '--profile', profile, '--format', `message:${messages}`],
    {},
    () => {
      const text = readIfThere(messages);
      return text === undefined ? undefined : countCucumberMessages(text);
    },
  );
}

function findTests(dir, filter) {
  if (!existsSync(dir)) return [];
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path, filter));
    else if (name.endsWith('.test.ts') && (!filter || path.includes(filter))) found.push(path);
  }
  return found;
}

/** The static checks: they count no tests, and `checks` runs them side by side. */
const CHECKS = {
  typecheck: { title: 'typecheck', command: bin('tsc'), args: ['-p', 'tsconfig.check.json'] },
  lint: { title: 'lint', command: bin('eslint'), args: ['.'] },
  format: { title: 'format', command: bin('prettier'), args: ['--check', '--log-level', 'warn', '.'] },
};

const stages = {
  peers: () => {
    if (existsSync(join(root, 'harness/peers/setup.mjs'))) run('peers', process.execPath, ['harness/peers/setup.mjs']);
    // Chromium for the HTML report test. Not fatal: without it (no root, no apt) that one test reports
    // itself skipped with the reason; CI runs as root and gets it.
    const chromium = spawnSync(process.execPath, ['harness/test/cli/setup-chromium.mjs'], {
      cwd: root,
      stdio: 'inherit',
    });
    if (chromium.status !== 0)
      console.warn('=== chromium could not be installed: the HTML report test will be skipped');
  },
  build: () => run('build', bin('tsc'), ['-p', 'tsconfig.json']),
  typecheck: () => run(CHECKS.typecheck.title, CHECKS.typecheck.command, CHECKS.typecheck.args),
  lint: () => run(CHECKS.lint.title, CHECKS.lint.command, CHECKS.lint.args),
  format: () => run(CHECKS.format.title, CHECKS.format.command, CHECKS.format.args),
  /** typecheck, lint and format side by side. */
  checks: () => runTogether(Object.values(CHECKS)),
  unit: (filter) => {
    const files = findTests(join(root, 'harness/test'), filter);
    if (files.length === 0)
      throw new Error(`no test files found under harness/test${filter === undefined ? '' : ` matching ${filter}`}`);
    const tap = reportFile('unit');
    run(
      'unit, property and integration tests',
      bin('c8'),
      [
        '--reporter=text-summary',
        '--reporter=json-summary',
        // Its own directory for the raw profiles: c8 empties the directory it uses when it starts, and the
        // default (coverage/tmp) is shared with the `npm test` runs that test-counts.test.ts starts inside this
        // one. A nested run emptied it under the outer run: its profiles were lost (34 files of src/ missing
        // from the report), and with the two lanes the nested c8 failed (ENOTEMPTY) while the outer wrote.
        `--temp-directory=${reportFile('c8-profiles')}`,
        '--include=src/**',
        '--exclude=**/*.test.ts',
        process.execPath,
        // Two lanes side by side, the CLI tests and the rest, each one file at a time (harness/test-lanes.mjs).
        join(root, 'harness', 'test-lanes.mjs'),
        tap,
        '--import',
        'tsx',
        '--test',
        '--test-concurrency=1',
        // A backstop, not a wait: a test (or suite) that hangs is cancelled, and counted failed, after 20 min
        // instead of holding CI until its own limit. The slowest suites take about 2 min.
        '--test-timeout=1200000',
        '--',
        ...files,
      ],
      {},
      () => {
        const lanes = ['cli', 'other'].map((lane) => readIfThere(`${tap}-${lane}.tap`));
        const counts = lanes.filter((text) => text !== undefined).map(countTap);
        if (counts.length === 0 || counts.some((c) => c === undefined)) return undefined;
        return counts.reduce((sum, c) => ({
          passed: sum.passed + c.passed,
          failed: sum.failed + c.failed,
          skipped: sum.skipped + c.skipped,
        }));
      },
    );
  },
  cucumber: () => {
    if (!existsSync(join(root, 'cucumber.cjs'))) return;
    cucumber('cucumber (simulator)', 'default');
    cucumber('cucumber (zmq)', 'zmq');
  },
  traceability: () => {
    if (existsSync(join(root, 'harness/traceability.ts')))
      run('traceability', process.execPath, ['--import', 'tsx', 'harness/traceability.ts']);
  },
};

// Run only as a script: the counting functions above are imported by their tests.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [, , ...argv] = process.argv;
  const selected = argv.filter((a) => a in stages);
  const filter = argv.find((a) => !(a in stages));
  const order = selected.length > 0 ? selected : ['peers', 'build', 'checks', 'unit', 'cucumber', 'traceability'];
  const started = Date.now();
  for (const stage of order) await stages[stage](filter);
  console.log(`\nall stages passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  printCounts();
}
