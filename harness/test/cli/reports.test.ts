/**
 * What the reports show a port maintainer, on hand-built results (no catalogue, no worker): the values that
 * differ, the origin of every failing clause, the processes of a failing scenario, JUnit names that are
 * unique and stable with file and line, colour only where it belongs, and a progress line that fits the
 * terminal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonReport } from '../../../src/conform/report/json-report.js';
import { junitReport } from '../../../src/conform/report/junit-report.js';
import { ProgressPrinter, colourEnabled, textReport } from '../../../src/conform/report/text-report.js';
import type { ProcessOutcome, Report, ScenarioResult } from '../../../src/conform/results.js';
import { summarize } from '../../../src/conform/results.js';
import { specClauses } from '../../../src/conform/spec-clauses.js';

function scenario(id: string, fields: Partial<ScenarioResult> & { cites?: string[] } = {}): ScenarioResult {
  const [uri = 'x.feature', line = '1'] = id.split(':');
  const cites = fields.cites ?? ['MF-CALL-6'];
  const clauses = cites.map((clause) => ({
    id: clause,
    level: specClauses().get(clause)?.level,
    text: specClauses().get(clause)?.text,
  }));
  const { cites: _cites, ...rest } = fields;
  return {
    id,
    name: `scenario ${id}`,
    feature: uri.replace(/\.feature$/, ''),
    uri,
    line: Number(line),
    tags: ['@child', '@must', ...cites.map((c) => `@${c}`)],
    clauses,
    level: 'MUST',
    role: 'child',
    verdict: 'pass',
    durationMs: 3,
    failure: undefined,
    reason: undefined,
    trace: undefined,
    logs: [],
    processes: [],
    ...rest,
  };
}

function report(scenarios: ScenarioResult[], role: 'child' | 'parent' = 'child'): Report {
  return {
    info: {
      target: 'command ./w.py',
      role,
      profile: 'v3',
      profileSource: '--profile',
      transport: 'zmq',
      startedAt: '2026-12-01T00:00:00.000Z',
      durationMs: 1234,
      kitVersion: '0.1.0',
      strict: false,
      tags: undefined,
      faults: undefined,
      seed: undefined,
    },
    scenarios,
    summary: summarize(scenarios, false),
    extras: [],
  };
}

const crashedWorker: ProcessOutcome = {
  role: 'worker',
  argv: ['python3', '-u', 'w.py'],
  pid: 4242,
  exitCode: 1,
  signal: null,
  stderrTail: ['Traceback (most recent call last):', 'ZeroDivisionError: division by zero'],
  stdoutTail: [],
};

const driverFailure = scenario('lifecycle.feature:120', {
  role: 'parent',
  tags: ['@parent', '@must', '@MF-DRV-1'],
  cites: ['MF-DRV-1'],
  verdict: 'fail',
  failure: {
    clause: 'MF-DRV-1',
    expected: 'true',
    actual: 'false',
    message:
      'MF-DRV-1 (MUST) A parent driver follows the contract above.\nexpected: true\nactual:   false\ndetail:   one line per call for seq 1, 2; saw []',
    step: 'Then the driver answers every call',
  },
  processes: [
    {
      ...crashedWorker,
      role: 'driver',
      argv: ['python3', 'driver.py'],
      pid: 77,
      stderrTail: ['FATAL: cannot import multifrost'],
    },
  ],
});

const erratumFailure = scenario('call.feature:40', {
  cites: ['MF-CALL-5', 'MF-SEC-2'],
  verdict: 'fail',
  failure: {
    clause: 'MF-CALL-5',
    expected: 'an ERROR containing "not found"',
    actual: 'a RESPONSE {"result":null}',
    message: 'MF-CALL-5 ...\nexpected: an ERROR containing "not found"\nactual:   a RESPONSE {"result":null}',
    step: 'Then the reply is an ERROR',
  },
  processes: [crashedWorker],
});

test('the text report shows the message of a failure that only has a boolean, and the detail line', () => {
  const text = textReport(report([driverFailure], 'parent'), { trace: false, colour: false });
  assert.match(text, /expected: true\n {4}actual: {3}false/);
  assert.match(text, /detail: {3}one line per call for seq 1, 2; saw \[\]/);
});

test('the text report shows the origin of every clause of a failure', () => {
  const text = textReport(report([erratumFailure]), { trace: false, colour: false });
  assert.match(
    text,
    /MF-CALL-5 \(MUST\) A CALL to a name that is not a public method[^\n]*\n {6}origin: erratum - The design dispatches any function property/,
  );
  assert.match(text, /MF-SEC-2 \(MUST\)[^\n]*\n {6}origin: erratum - /);
});

test('the text report shows the exit status and stderr tail of the processes of a failing scenario', () => {
  const text = textReport(report([erratumFailure]), { trace: false, colour: false });
  assert.match(
    text,
    / {4}process: worker pid 4242 \(python3 -u w\.py\): exited with code 1\n {6}stderr: Traceback \(most recent call last\):\n {6}stderr: ZeroDivisionError: division by zero/,
  );
  const driver = textReport(report([driverFailure], 'parent'), { trace: false, colour: false });
  assert.match(
    driver,
    /process: driver pid 77 \(python3 driver\.py\): exited with code 1\n {6}stderr: FATAL: cannot import multifrost/,
  );
});

test('the JSON report carries the origin of every clause and of the failure, the processes, and the coverage', () => {
  const json = JSON.parse(
    jsonReport(report([erratumFailure, scenario('call.feature:50', { cites: ['MF-CALL-3'] })])),
  ) as {
    schema: string;
    scenarios: Array<{
      id: string;
      clauses: Array<{ id: string; origin?: { kind: string; note: string } }>;
      failure?: { origin?: { kind: string } };
      processes: ProcessOutcome[];
    }>;
    coverage: Array<{ id: string; outcome: string; origin?: { kind: string } }>;
    coverageSummary: { role: string; conformant: boolean; must: { applicable: number; checked: number } };
  };
  assert.equal(json.schema, 'multifrost-conform/report@1');
  const failing = json.scenarios.find((s) => s.id === 'call.feature:40');
  assert.deepEqual(
    failing?.clauses.map((c) => [c.id, c.origin?.kind]),
    [
      ['MF-CALL-5', 'erratum'],
      ['MF-SEC-2', 'erratum'],
    ],
  );
  assert.equal(failing?.failure?.origin?.kind, 'erratum');
  assert.deepEqual(failing?.processes[0]?.stderrTail, crashedWorker.stderrTail);
  assert.equal(json.coverage.find((c) => c.id === 'MF-CALL-5')?.outcome, 'fail');
  assert.equal(json.coverage.find((c) => c.id === 'MF-CALL-3')?.outcome, 'pass');
  assert.equal(json.coverage.find((c) => c.id === 'MF-CALL-3')?.origin?.kind, 'design');
  assert.equal(
    json.coverage.some((c) => c.id === 'MF-CALL-13'),
    false,
    'a parent clause is not listed for a child run',
  );
  assert.equal(json.coverageSummary.conformant, false);
  assert.equal(json.coverageSummary.role, 'child');
  assert.equal(json.coverageSummary.must.checked, 3);
});

test('JUnit names are unique and stable (two Examples rows of one outline differ) and carry file and line', () => {
  const rows = [10, 11, 12].map((line) =>
    scenario(`values.feature:${line}`, { name: 'an integer round-trips', cites: ['MF-VAL-2'] }),
  );
  const xml = junitReport(report(rows));
  const names = [...xml.matchAll(/<testcase classname="values" name="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(names.length, 3);
  assert.equal(new Set(names).size, 3, `duplicate names: ${names.join(' | ')}`);
  assert.deepEqual(
    junitReport(report([...rows].reverse()))
      .match(/<testcase classname="values"[^>]*>/g)
      ?.sort(),
    xml.match(/<testcase classname="values"[^>]*>/g)?.sort(),
    'the names do not depend on the order of the results',
  );
  assert.match(
    xml,
    /<testcase classname="values" name="an integer round-trips \[MF-VAL-2\] #1"[^>]* file="features\/values\.feature" line="10"/,
  );
});

test('JUnit shows the processes of a failure in system-err and the origin in the failure text', () => {
  const xml = junitReport(report([erratumFailure]));
  assert.match(xml, /<system-err>[^<]*worker pid 4242 \(python3 -u w\.py\): exited with code 1\n {2}stderr: Traceback/);
  assert.match(
    xml,
    /<failure message="expected an ERROR containing &quot;not found&quot;, actual a RESPONSE \{&quot;result&quot;:null\}" type="fail">[^<]*origin: erratum - The design dispatches/,
  );
});

test('JUnit has a coverage testsuite: one testcase per applicable clause, the unchecked ones skipped with the reason', () => {
  const xml = junitReport(
    report([
      erratumFailure,
      scenario('call.feature:50', { cites: ['MF-CALL-3'] }),
      scenario('call.feature:60', {
        cites: ['MF-CALL-8'],
        level: 'SHOULD',
        verdict: 'skipped',
        reason: 'the worker has no method `fail`',
      }),
    ]),
  );
  const suite = /<testsuite name="coverage \(child\)"[^>]*>([\s\S]*?)<\/testsuite>/.exec(xml);
  assert.ok(suite, 'a coverage testsuite');
  const applicable = [...specClauses().values()].filter((c) => c.level !== 'MAY' && c.roles.includes('child')).length;
  assert.equal((suite[1]!.match(/<testcase /g) ?? []).length, applicable);
  assert.match(suite[1]!, /<testcase classname="coverage" name="MF-CALL-3 \(MUST\)"[^>]*\/>/);
  assert.match(suite[1]!, /<testcase classname="coverage" name="MF-CALL-5 \(MUST\)"[^>]*>\s*<failure /);
  assert.match(
    suite[1]!,
    /<testcase classname="coverage" name="MF-CALL-8 \(SHOULD\)"[^>]*>\s*<skipped message="skipped: the worker has no method `fail`"/,
  );
  assert.match(
    suite[1]!,
    /<testcase classname="coverage" name="MF-OUT-2 \(MUST\)"[^>]*>\s*<skipped message="not checkable: a conformance worker writes only when called/,
  );
});

function sink(
  isTTY: boolean,
  columns?: number,
): { write(text: string): boolean; isTTY: boolean; columns?: number; text: string } {
  const out = {
    isTTY,
    text: '',
    write: (chunk: string) => ((out.text += chunk), true),
    ...(columns === undefined ? {} : { columns }),
  };
  return out;
}

test('colour on a TTY only: NO_COLOR turns it off, FORCE_COLOR turns it on anywhere', () => {
  assert.equal(colourEnabled({ isTTY: true }, {}), true);
  assert.equal(colourEnabled({ isTTY: false }, {}), false);
  assert.equal(colourEnabled({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(
    colourEnabled({ isTTY: true }, { NO_COLOR: '' }),
    true,
    'an empty NO_COLOR does not count (no-color.org)',
  );
  assert.equal(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  assert.equal(colourEnabled({ isTTY: true }, { FORCE_COLOR: '0' }), false);
  /* eslint-disable no-control-regex -- ANSI escape codes are what this test looks for */
  const failing = scenario('call.feature:40', { verdict: 'fail', failure: erratumFailure.failure });
  const tty = sink(true, 120);
  new ProgressPrinter(tty, 2, { env: {} }).scenario(failing);
  assert.match(tty.text, /\x1b\[31mFAIL/, 'a failure is red on a terminal');
  const noColour = sink(true, 120);
  new ProgressPrinter(noColour, 2, { env: { NO_COLOR: '1' } }).scenario(failing);
  assert.doesNotMatch(noColour.text.replaceAll('\r\x1b[K', ''), /\x1b\[/, 'NO_COLOR: no colour codes');
  const ci = sink(false);
  new ProgressPrinter(ci, 2, { env: {} }).scenario(failing);
  assert.doesNotMatch(ci.text, /\x1b/, 'no escape codes at all off a terminal');
  assert.match(textReport(report([failing]), { trace: false, colour: true }), /\x1b\[31mFAIL\x1b\[0m/);
  assert.doesNotMatch(textReport(report([failing]), { trace: false, colour: false }), /\x1b/);
  /* eslint-enable no-control-regex */
});

test('the live progress line fits the terminal width', () => {
  for (const columns of [40, 80]) {
    const out = sink(true, columns);
    const printer = new ProgressPrinter(out, 150, { env: { NO_COLOR: '1' } });
    printer.scenario(
      scenario('values.feature:300', {
        name: 'a scenario whose name is long enough to overflow a narrow terminal by itself, and then some more words',
      }),
    );
    const live = out.text.split('\r\x1b[K').at(-1)!;
    assert.ok(
      live.length > 0 && live.length < columns,
      `"${live}" (${live.length} chars) does not fit ${columns} columns`,
    );
  }
});
