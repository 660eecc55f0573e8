import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkTagExpression, parseArgs } from '../../../src/cli/args.js';
import { conformOptions, readMethodNames } from '../../../src/cli/run-options.js';
import { scriptArgv } from '../../../src/conform/target.js';
import { readBaseline, readCheckedBaseline, unknownBaselineEntries } from '../../../src/conform/baseline.js';
import { autoSeed, MAX_AUTO_SEED } from '../../../src/conform/fuzz.js';
import { locateCatalogue } from '../../../src/conform/catalogue.js';
import { catalogueScenarios } from '../../../src/conform/run-catalogue.js';
import { specClauses } from '../../../src/conform/spec-clauses.js';
import { REPO_ROOT } from './cli-process.js';
import { ErrorCode } from '../../../src/errors.js';
import { tagExpression } from '../../../src/conform/conform-run.js';
import { parseFaultSpec } from '../../../src/conform/fault-spec.js';
import { parseMisbehaviour } from '../../../src/conform/misbehaviour.js';

test('a script target and report options are parsed; everything after -- is the command, untouched', () => {
  const script = parseArgs([
    './worker.py',
    '--json',
    'r.json',
    '--junit=r.xml',
    '--strict',
    '--timeout',
    '2500',
    '--name',
    'echo',
    '--name',
    'add',
  ]);
  assert.equal(script.script, './worker.py');
  assert.equal(script.json, 'r.json');
  assert.equal(script.junit, 'r.xml');
  assert.equal(script.strict, true);
  assert.equal(script.timeoutMs, 2500);
  assert.deepEqual(script.names, ['echo', 'add']);
  const command = parseArgs(['--profile', 'v4', '--', 'python3', '-u', 'child.py', '--json', 'x']);
  assert.deepEqual(command.argv, ['python3', '-u', 'child.py', '--json', 'x']);
  assert.equal(command.json, undefined);
  assert.equal(command.profile, 'v4');
});

test('the role parent needs a driver command; list needs no target', () => {
  assert.equal(parseArgs(['--role', 'parent', '--', 'driver']).role, 'parent');
  assert.throws(
    () => parseArgs(['--role', 'parent', '--reference']),
    (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT,
  );
  assert.equal(parseArgs(['list', '--tags', '@must']).command, 'list');
});

test('usage errors are typed: no target, two targets, bad profile, bad number, unknown option, bad regex', () => {
  for (const argv of [
    [],
    ['a.py', '--reference'],
    ['--reference', '--profile', 'v5'],
    ['--reference', '--timeout', '0'],
    ['--reference', '--bogus'],
    ['--reference', '--name', '('],
  ]) {
    assert.throws(
      () => parseArgs(argv),
      (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT,
      argv.join(' '),
    );
  }
});

test('the role tag is combined with the user tag expression', () => {
  assert.equal(tagExpression('child', undefined), '@child');
  assert.equal(tagExpression('parent', '@must or @should'), '@parent and (@must or @should)');
});

test('the fault spec reads drop, delay with jitter, duplicate, reorder and corrupt; a typo is a usage error', () => {
  assert.deepEqual(parseFaultSpec('drop=0.05,delay=10ms~5ms,duplicate=0.01'), [
    { fault: 'drop', p: 0.05 },
    { fault: 'delay', ms: 10, jitterMs: 5 },
    { fault: 'duplicate', p: 0.01 },
  ]);
  assert.deepEqual(parseFaultSpec('reorder=0.5@20ms,corrupt=0.1'), [
    { fault: 'reorder', p: 0.5, windowMs: 20 },
    { fault: 'corrupt', p: 0.1 },
  ]);
  for (const bad of ['', 'drop=2', 'delay=fast', 'explode=1', 'drop=']) {
    assert.throws(
      () => parseFaultSpec(bad),
      (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT,
      bad,
    );
  }
});

test('the instrumented child reads its misbehaviour list', () => {
  assert.deepEqual(parseMisbehaviour('delay=200,drop-heartbeats,wrong-id=add,crash-after=3'), {
    delayMs: 200,
    dropHeartbeats: true,
    wrongId: 'add',
    crashAfterCalls: 3,
  });
  assert.deepEqual(parseMisbehaviour(undefined), {});
  assert.throws(
    () => parseMisbehaviour('explode'),
    (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT,
  );
});

test('--startup-timeout, --fail-fast, --names and --name-map are parsed and reach the run options; --timeout leaves start-up alone', () => {
  const parsed = parseArgs([
    '--reference',
    '--startup-timeout',
    '12000',
    '--timeout=800',
    '--fail-fast',
    '--names',
    'pascal',
    '--name-map',
    'names.json',
  ]);
  assert.equal(parsed.startupTimeoutMs, 12000);
  assert.equal(parsed.timeoutMs, 800);
  assert.equal(parsed.failFast, true);
  assert.equal(parsed.nameStyle, 'pascal');
  assert.equal(parsed.nameMap, 'names.json');
  const target = { kind: 'reference', argv: ['node', 'w.js'], label: 'reference' } as const;
  const options = conformOptions(parsed, target, {
    methodNames: { style: 'pascal', map: { write_stdout: 'WriteOut' } },
  });
  assert.equal(options.startupTimeoutMs, 12000);
  assert.equal(options.stepTimeoutMs, 800);
  assert.equal(options.failFast, true);
  assert.deepEqual(options.methodNames, { style: 'pascal', map: { write_stdout: 'WriteOut' } });
  const timeoutOnly = conformOptions(parseArgs(['--reference', '--timeout', '800']), target, {});
  assert.equal(timeoutOnly.startupTimeoutMs, undefined, '--timeout must not change the start-up timeout');
  assert.equal(timeoutOnly.failFast, undefined);
  assert.equal(timeoutOnly.methodNames, undefined);
  for (const bad of [
    ['--startup-timeout', '0'],
    ['--startup-timeout', '10s'],
    ['--names', 'kebab'],
    ['--startup-timeout'],
  ]) {
    assert.throws(
      () => parseArgs(['--reference', ...bad]),
      (e: { code?: string }) => e.code === ErrorCode.INVALID_ARGUMENT,
      bad.join(' '),
    );
  }
});

test('--names and --name-map become MethodNames; a missing or invalid map file is a usage error naming the file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-args-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(readMethodNames({ nameStyle: undefined, nameMap: undefined }), undefined);
  assert.deepEqual(readMethodNames({ nameStyle: 'camel', nameMap: undefined }), { style: 'camel' });
  const good = join(dir, 'names.json');
  writeFileSync(good, '{"write_stdout": "WriteOut"}');
  assert.deepEqual(readMethodNames({ nameStyle: undefined, nameMap: good }), {
    style: 'wire',
    map: { write_stdout: 'WriteOut' },
  });
  const missing = join(dir, 'missing.json');
  const invalid = join(dir, 'invalid.json');
  writeFileSync(invalid, '{"write_stdout": ');
  const notService = join(dir, 'other.json');
  writeFileSync(notService, '{"frobnicate": "F"}');
  for (const file of [missing, invalid, notService]) {
    assert.throws(
      () => readMethodNames({ nameStyle: 'pascal', nameMap: file }),
      (e: { code?: string; message: string }) =>
        (e.code === ErrorCode.INVALID_ARGUMENT && e.message.includes(file) && e.message.includes('--name-map')) ||
        assert.fail(e.message),
    );
  }
});

test('an invalid --tags expression is a usage error at parse time, worded for the user', () => {
  for (const bad of ['@must(', '@must and', '(@must', 'or @must', 'must', '@must and not should', '']) {
    assert.throws(
      () => parseArgs(['--reference', '--tags', bad]),
      (e: { code?: string; message: string }) =>
        (e.code === ErrorCode.INVALID_ARGUMENT &&
          /--tags/.test(e.message) &&
          /e\.g\.|did you mean|leave --tags out/.test(e.message)) ||
        assert.fail(`${bad}: ${e.message}`),
    );
  }
  assert.equal(
    parseArgs(['--reference', '--tags', '@must and not (@MF-OUT-2 or @slow)']).tags,
    '@must and not (@MF-OUT-2 or @slow)',
  );
  assert.match(checkTagExpressionMessage('must'), /did you mean @must\?/);
});

function checkTagExpressionMessage(expression: string): string {
  try {
    checkTagExpression(expression);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

test('usage errors never show internal names and say what to type instead', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-args-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'not a worker');
  const cases: Array<[() => unknown, RegExp]> = [
    [() => parseArgs([]), /no target given: type a worker script \(multifrost-conform \.\/worker\.py\)/],
    [() => parseArgs(['a.py', '--reference']), /exactly one target, got the script a\.py and --reference/],
    [() => parseArgs(['--reference', '--tag', '@must']), /unknown option --tag: did you mean --tags\?/],
    [
      () => parseArgs(['--reference', '--verbose']),
      /unknown option --verbose: .*multifrost-conform -- \.\/my-worker --verbose/,
    ],
    [() => parseArgs(['--reference', '--json']), /--json needs a value, e.g\. --json report\.json/],
    [() => parseArgs(['--reference', '--quiet=yes']), /--quiet takes no value/],
    [() => parseArgs(['--reference', '--seed', '-5']), /--seed expects an integer >= 0, got '-5' \(e\.g\. --seed 7\)/],
    [() => parseArgs(['worker', '--flag-for-worker-value', 'x']), /unknown option/],
    [
      () => parseArgs(['./my-worker', 'arg']),
      /one target expected, got 2: \.\/my-worker arg; .*multifrost-conform -- \.\/my-worker arg/,
    ],
    [() => scriptArgv(join(dir, 'nope.py')), /worker script not found: .*nope\.py; .*multifrost-conform -- /],
    [() => scriptArgv(dir), /is a directory, not a worker script/],
    [() => scriptArgv(text), /cannot tell how to run .*notes\.txt: .*chmod \+x .*multifrost-conform -- <program>/],
  ];
  for (const [run, expected] of cases) {
    assert.throws(run, (e: { code?: string; message: string }) => {
      assert.equal(e.code, ErrorCode.INVALID_ARGUMENT);
      assert.doesNotMatch(e.message, /scriptPath|executable:|^target:|^--\w[\w-]*: --/);
      assert.match(e.message, expected);
      return true;
    });
  }
});

test('list and run are commands; --help and --version need no target', () => {
  assert.equal(parseArgs(['--help']).command, 'help');
  assert.equal(parseArgs(['-h']).command, 'help');
  assert.equal(parseArgs(['--version']).command, 'version');
  assert.equal(parseArgs(['run', '--reference']).reference, true);
});

test('baseline entries that name no clause of docs/spec.md or no scenario of the catalogue are named with their line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-args-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'known.txt');
  writeFileSync(file, '# known\nMF-CALL-8\nMF-NOPE-1\n\noutput.feature:20\nmessage.feature:999\nnope.feature:3\n');
  const known = {
    clauses: new Set(['MF-CALL-8']),
    scenarios: new Set(['output.feature:20', 'message.feature:7', 'message.feature:12']),
  };
  assert.deepEqual(unknownBaselineEntries(readBaseline(file), known), [
    `${file}:3: MF-NOPE-1 is not a clause of docs/spec.md`,
    `${file}:6: message.feature:999 names no scenario: message.feature has scenarios at lines 7, 12 (multifrost-conform list prints them)`,
    `${file}:7: nope.feature:3 names no scenario: there is no feature file nope.feature (multifrost-conform list prints every scenario id)`,
  ]);
  assert.throws(
    () => readCheckedBaseline(file, known),
    (e: { code?: string; message: string }) =>
      e.code === ErrorCode.INVALID_ARGUMENT && /3 entries that match nothing/.test(e.message),
  );
  writeFileSync(file, 'MF-CALL-8\noutput.feature:20\n');
  assert.deepEqual(readCheckedBaseline(file, known).entries, ['MF-CALL-8', 'output.feature:20']);
});

test('an auto-chosen fuzz seed is a non-negative integer that --seed accepts', () => {
  for (const r of [0, 0.5, 0.999999999999]) {
    const seed = autoSeed(() => r);
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed <= MAX_AUTO_SEED, String(seed));
    assert.equal(parseArgs(['--reference', '--fuzz', '1', '--seed', String(seed)]).seed, seed);
  }
});

test('the baseline example in docs/cli.md names only clauses of the spec and scenarios the CLI runs', async (t) => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
  const example = /### Baseline of expected failures[\s\S]*?\n```\n([\s\S]*?)\n```/.exec(doc)?.[1];
  assert.ok(example !== undefined, 'docs/cli.md has a baseline example');
  const dir = mkdtempSync(join(tmpdir(), 'mf-args-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'known.txt');
  writeFileSync(file, `${example}\n`);
  const catalogue = locateCatalogue(REPO_ROOT);
  const all = await catalogueScenarios(catalogue);
  const baseline = readCheckedBaseline(file, {
    clauses: new Set(specClauses().keys()),
    scenarios: new Set(all.map((s) => s.id)),
  });
  assert.ok(baseline.entries.length >= 2);
  // Scenario entries must name scenarios a child run executes, not in-process (@internal) ones.
  for (const entry of baseline.entries.filter((e) => e.includes('.feature:'))) {
    const scenario = all.find((s) => s.id === entry)!;
    assert.ok(
      scenario.tags.includes('@child') && !scenario.tags.includes('@internal'),
      `${entry} (${scenario.name}) is not run by the CLI: ${scenario.tags.join(' ')}`,
    );
  }
});
