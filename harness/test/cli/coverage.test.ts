/**
 * Coverage per clause, on hand-built results and a hand-built catalogue index (never the live catalogue):
 * each outcome, the role filter, and a summary line that says "conformant" only when every applicable
 * MUST clause checkable from outside was checked and passed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeCoverage, conformanceClaim, coverageOf } from '../../../src/conform/coverage.js';
import type { CatalogueScenario, Report, ScenarioResult, Verdict } from '../../../src/conform/results.js';
import { summarize } from '../../../src/conform/results.js';
import { summaryLine } from '../../../src/conform/verdict.js';
import { parseClauses, specClauses } from '../../../src/conform/spec-clauses.js';

const SPEC = `
## 5. Calls (CALL)

- **MF-T-1** (MUST) checked and passing.
  - Roles: child
  - Origin: design. The design says so.
- **MF-T-2** (MUST) checked and failing.
  - Roles: child, parent
  - Origin: erratum. The design says otherwise.
- **MF-T-3** (SHOULD) every scenario skipped.
  - Roles: child
  - Origin: addition. Needed.
- **MF-T-4** (MUST) filtered out.
  - Roles: child
  - Origin: addition. Needed.
- **MF-T-5** (MUST) in-process only.
  - Roles: child
  - Origin: addition. Needed.
- **MF-T-6** (MUST) nothing visible.
  - Roles: child
  - Origin: addition. Needed.
  - Not checkable from outside: internal state.
- **MF-T-7** (MUST) nobody checks it.
  - Roles: child
  - Origin: addition. Needed.
- **MF-T-8** (MUST) a parent clause.
  - Roles: parent
  - Origin: design. Yes.
- **MF-T-9** (MUST) a TypeScript API rule.
  - Roles: library
  - Origin: design. Yes.
- **MF-T-10** (MAY) optional.
  - Roles: child
  - Origin: addition. Needed.
- **MF-T-11** (MUST) partly visible, checked.
  - Roles: child
  - Origin: design. Yes.
  - Partly checkable from outside: the timers.
`;
const clauses = new Map(parseClauses(SPEC).map((c) => [c.id, c]));

function result(id: string, cites: string[], verdict: Verdict, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    id,
    name: id,
    feature: 'x',
    uri: 'x.feature',
    line: Number(id.split(':')[1] ?? 1),
    tags: ['@child', '@must', ...cites.map((c) => `@${c}`)],
    clauses: cites.map((c) => ({ id: c, level: clauses.get(c)?.level ?? specClauses().get(c)?.level, text: 'text' })),
    level: 'MUST',
    role: 'child',
    verdict,
    durationMs: 1,
    failure: verdict === 'fail' ? { clause: cites[0], expected: 'a', actual: 'b', message: 'm', step: 's' } : undefined,
    reason: verdict === 'skipped' ? `no method for ${id}` : undefined,
    trace: undefined,
    logs: [],
    processes: [],
    ...extra,
  };
}

const results = [
  result('x.feature:1', ['MF-T-1'], 'pass'),
  result('x.feature:2', ['MF-T-1'], 'skipped'),
  result('x.feature:3', ['MF-T-2'], 'pass'),
  result('x.feature:4', ['MF-T-2'], 'fail'),
  result('x.feature:5', ['MF-T-3'], 'skipped'),
  result('x.feature:6', ['MF-T-3'], 'skipped'),
  result('x.feature:7', ['MF-T-11'], 'pass'),
];
const catalogue: CatalogueScenario[] = [
  { name: 'a', tags: ['@child', '@must', '@MF-T-4'] },
  { name: 'b', tags: ['@internal', '@must', '@MF-T-5'] },
  { name: 'c', tags: ['@parent', '@must', '@MF-T-7'] },
];

test('every applicable MUST and SHOULD clause gets its outcome, with the reason when it was not checked', () => {
  const coverage = computeCoverage({ role: 'child', clauses, results, catalogue });
  const outcomes = Object.fromEntries(coverage.clauses.map((c) => [c.id, c.outcome]));
  assert.deepEqual(outcomes, {
    'MF-T-1': 'pass',
    'MF-T-2': 'fail',
    'MF-T-3': 'skipped',
    'MF-T-4': 'not-run',
    'MF-T-5': 'in-process-only',
    'MF-T-6': 'not-checkable',
    'MF-T-7': 'no-scenario',
    'MF-T-11': 'pass',
  });
  const why = (id: string): string | undefined => coverage.clauses.find((c) => c.id === id)?.reason;
  assert.equal(why('MF-T-3'), 'no method for x.feature:5; no method for x.feature:6');
  assert.match(why('MF-T-4')!, /1 scenario cites it but did not run: filtered out by --tags\/--name/);
  assert.equal(why('MF-T-6'), 'internal state.');
  assert.match(why('MF-T-7')!, /no scenario of the catalogue checks it on a child/);
  assert.match(why('MF-T-2')!, /x\.feature:4 failed/);
  assert.match(why('MF-T-11')!, /not checked from outside: the timers/);
  assert.deepEqual(coverage.clauses.find((c) => c.id === 'MF-T-1')?.scenarios, ['x.feature:1', 'x.feature:2']);
  assert.deepEqual(coverage.clauses.find((c) => c.id === 'MF-T-2')?.origin, {
    kind: 'erratum',
    note: 'The design says otherwise.',
  });
  assert.deepEqual(
    [
      coverage.must.applicable,
      coverage.must.checked,
      coverage.must.passed,
      coverage.must.failed,
      coverage.must.notCheckable,
    ],
    [7, 3, 2, 1, 1],
  );
  assert.equal(coverage.should.applicable, 1);
  assert.equal(coverage.mustComplete, false);
});

test('the parent role lists the parent clauses; library and MAY clauses are never listed', () => {
  const parent = computeCoverage({ role: 'parent', clauses, results: [], catalogue });
  assert.deepEqual(
    parent.clauses.map((c) => [c.id, c.outcome]),
    [
      ['MF-T-2', 'no-scenario'],
      ['MF-T-8', 'no-scenario'],
    ],
  );
  const child = computeCoverage({ role: 'child', clauses, results: [], catalogue });
  assert.equal(
    child.clauses.some((c) => c.id === 'MF-T-9' || c.id === 'MF-T-10'),
    false,
  );
});

test('only scenarios of the role count: an @internal result makes a clause in-process only, never passed', () => {
  const internal = result('x.feature:9', ['MF-T-7'], 'pass', {
    role: 'internal',
    tags: ['@internal', '@must', '@MF-T-7'],
  });
  const coverage = computeCoverage({ role: 'child', clauses, results: [internal] });
  assert.equal(coverage.clauses.find((c) => c.id === 'MF-T-7')?.outcome, 'in-process-only');
  assert.equal(coverage.catalogueKnown, false);
  assert.equal(
    coverage.clauses.find((c) => c.id === 'MF-T-4')?.outcome,
    'no-scenario',
    'without the catalogue index a clause nobody ran has no scenario in this run',
  );
});

test('a run that stopped early says so for the clauses it did not reach', () => {
  const coverage = computeCoverage({
    role: 'child',
    clauses,
    results,
    catalogue,
    stoppedEarly: '--fail-fast after x.feature:4',
  });
  assert.match(
    coverage.clauses.find((c) => c.id === 'MF-T-4')!.reason!,
    /the run stopped early \(--fail-fast after x\.feature:4\)/,
  );
});

test('a foreign scenario decides a clause annotated as not checkable; a baseline failure is still a failure', () => {
  const coverage = computeCoverage({
    role: 'child',
    clauses,
    results: [result('x.feature:1', ['MF-T-6'], 'pass'), result('x.feature:2', ['MF-T-1'], 'expected-fail')],
  });
  assert.equal(coverage.clauses.find((c) => c.id === 'MF-T-6')?.outcome, 'pass');
  assert.equal(coverage.clauses.find((c) => c.id === 'MF-T-1')?.outcome, 'fail');
  assert.match(coverage.clauses.find((c) => c.id === 'MF-T-1')!.reason!, /failed \(baseline\)/);
});

test('the claim says conformant only when every checkable MUST clause was checked and passed', () => {
  const partial = computeCoverage({ role: 'child', clauses, results, catalogue });
  assert.equal(
    conformanceClaim(partial, true),
    'not conformant: 3 of 6 applicable MUST clauses checked, 1 failed; 1 more not checkable from outside',
  );
  const all = ['MF-T-1', 'MF-T-2', 'MF-T-4', 'MF-T-5', 'MF-T-7', 'MF-T-11'].map((id, i) =>
    result(`x.feature:${i + 1}`, [id], 'pass'),
  );
  const complete = computeCoverage({ role: 'child', clauses, results: all, catalogue });
  assert.equal(
    conformanceClaim(complete, true),
    'conformant: 6 of 6 applicable MUST clauses checked and passed; 1 more not checkable from outside',
  );
  assert.match(
    conformanceClaim(complete, false),
    /^not conformant/,
    'a run with a blocking failure is never conformant',
  );
});

function report(scenarios: ScenarioResult[]): Report {
  return {
    info: {
      target: 'command ./w.py',
      role: 'child',
      profile: 'v3',
      profileSource: '--profile',
      transport: 'zmq',
      startedAt: '2026-12-01T00:00:00.000Z',
      durationMs: 1000,
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

test('a PASS of a run that checked a few clauses does not claim conformance in the summary line', () => {
  const few = report([
    result('call.feature:10', ['MF-CALL-6'], 'pass'),
    result('call.feature:20', ['MF-CALL-8'], 'skipped', { level: 'SHOULD' }),
  ]);
  const line = summaryLine(few);
  const must = coverageOf(few).must;
  assert.match(
    line,
    /^multifrost-conform: PASS command \.\/w\.py \[v3\] 2 scenarios: 1 passed, 0 failed, 0 timed out, 1 skipped, 0 informational \(1\.0 s\); not conformant: 1 of (\d+) applicable MUST clauses checked/,
  );
  assert.equal(Number(/of (\d+) applicable/.exec(line)![1]), must.applicable - must.notCheckable);
  assert.doesNotMatch(line, /; conformant/);
});

test('the live spec gives every clause roles and an origin, and the child role has MUST clauses to check', () => {
  for (const clause of specClauses().values()) {
    assert.ok(clause.roles.length > 0, `${clause.id} has no roles`);
    assert.ok(clause.origin !== undefined && clause.origin.note.length > 20, `${clause.id} has no origin note`);
  }
  const child = computeCoverage({ role: 'child', clauses: specClauses(), results: [] });
  assert.ok(child.must.applicable > 30);
  assert.equal(child.clauses.find((c) => c.id === 'MF-OUT-2')?.outcome, 'not-checkable');
});

test('a section that checks a clause (timing: MF-SVC-3) gives it its outcome; a failing scenario still wins', () => {
  const section = (checked: boolean, violated: boolean) => ({
    title: 'Timing',
    ok: true,
    lines: [checked ? (violated ? 'too slow' : 'fast') : 'not measured: --no-timing'],
    clauses: ['MF-T-7', 'MF-T-2'],
    checked,
    violated,
  });
  const results = [result('a.feature:2', ['MF-T-2'], 'fail')];
  const outcomeOf = (sections: ReturnType<typeof section>[], id: string): [string, string | undefined] => {
    const entry = computeCoverage({ role: 'child', clauses, results, sections }).clauses.find((c) => c.id === id)!;
    return [entry.outcome, entry.reason];
  };
  assert.deepEqual(outcomeOf([], 'MF-T-7')[0], 'no-scenario');
  assert.deepEqual(outcomeOf([section(true, false)], 'MF-T-7'), ['pass', undefined]);
  assert.deepEqual(outcomeOf([section(true, true)], 'MF-T-7'), ['fail', 'Timing: too slow']);
  assert.deepEqual(outcomeOf([section(false, false)], 'MF-T-7'), ['skipped', 'Timing: not measured: --no-timing']);
  assert.equal(outcomeOf([section(true, false)], 'MF-T-2')[0], 'fail', 'the failing scenario is not hidden by a pass');
});
