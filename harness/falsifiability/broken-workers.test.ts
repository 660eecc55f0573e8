/**
 * The kit's own proof that every check it makes on a foreign child can fail: the compiled CLI runs the whole
 * child catalogue against the unbroken instrumented child, then against one breakage per clause cited by an
 * @child scenario (harness/falsifiability/falsifiability.ts). For each breakage, every failing scenario must cite
 * its clause, at least one scenario citing it must fail, and every other scenario must keep the verdict of
 * the unbroken run. A clause cited by an @child scenario with no breakage, and not in the commented
 * CANNOT_BREAK list, fails the test: a new check must come with the proof that it can fail.
 *
 * By default each breakage runs only the scenarios citing its clause (`--tags @<clause>`); with
 * MF_FALSIFY_EXACT=1 it runs the whole catalogue, which also proves it changes nothing else.
 * Breakages run two at a time. `MULTIFROST_BREAKAGES=<regex>` runs only those whose label matches (the
 * completeness check then does not run).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { BROKEN, EXACT_FALSIFIABILITY, REPO_ROOT, runCli } from '../test/cli/cli-process.js';
import {
  BREAKAGES,
  CANNOT_BREAK,
  INSTRUMENTED_CHILD,
  citedClauses,
  tableProblems,
  cites,
  failed,
  judge,
  labelOf,
  targetOf,
  type Breakage,
  type ReportedScenario,
} from './falsifiability.js';

/**
 * How long a step waits for an expected message. Some breakages fail by silence, so each of their failing
 * scenarios costs this long; but below 4 s a worker started on a loaded 2-core machine can miss it.
 */
const STEP_TIMEOUT_MS = '4000';
/** Backstop for one CLI run of the whole catalogue (about 25 s on the shared 2-core machine). */
const RUN_BACKSTOP_MS = 240_000;

const only = process.env['MULTIFROST_BREAKAGES'];
const selected = only === undefined ? BREAKAGES : BREAKAGES.filter((b) => new RegExp(only).test(labelOf(b)));

async function runCatalogue(
  t: TestContext,
  target: string[],
  misbehave: string,
  tags?: string,
): Promise<{ code: number | null; scenarios: ReportedScenario[]; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-broken-'));
  try {
    const report = join(dir, 'report.json');
    const args = [
      '--quiet',
      '--timeout',
      STEP_TIMEOUT_MS,
      '--json',
      report,
      ...(tags === undefined ? [] : ['--tags', tags]),
      ...target,
    ];
    // The instrumented child has CURVE: declared, so the @MF-SEC-6 scenario runs (and curve-plaintext breaks it).
    const env = { MULTIFROST_MISBEHAVE: misbehave, MULTIFROST_CHILD_CAPABILITIES: 'curve' };
    const result = await runCli(t, args, env, RUN_BACKSTOP_MS);
    const output = `${result.stdout}\n${result.stderr}`;
    assert.ok(existsSync(report), `the CLI wrote its report (exit ${String(result.code)})\n${output}`);
    const { scenarios } = JSON.parse(readFileSync(report, 'utf8')) as { scenarios: ReportedScenario[] };
    return { code: result.code, scenarios, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('every clause checked on a foreign child is proven able to fail', { concurrency: 2 }, () => {
  let baseline: Map<string, ReportedScenario> | undefined;
  let baselineError: unknown;

  // The unbroken run is shared by every test of the suite: its CLI process is reaped when the suite ends.
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const cleanup of cleanups) cleanup();
  });

  before(async () => {
    const suite = { after: (cleanup: () => void) => void cleanups.push(cleanup) } as unknown as TestContext;
    try {
      const { scenarios } = await runCatalogue(suite, ['--', process.execPath, INSTRUMENTED_CHILD], '');
      baseline = new Map(scenarios.map((s) => [s.id, s]));
    } catch (error) {
      baselineError = error;
    }
  });

  const unbroken = (): Map<string, ReportedScenario> => {
    if (baseline === undefined)
      throw baselineError instanceof Error ? baselineError : new Error('the unbroken run did not complete');
    return baseline;
  };

  it('the unbroken instrumented child passes every @child scenario it runs', () => {
    const bad = [...unbroken().values()]
      .filter(failed)
      .map((s) => `${s.id} ${s.name}: ${s.failure?.message.split('\n')[0] ?? s.verdict}`);
    assert.deepEqual(bad, [], 'scenarios the unbroken instrumented child fails');
  });

  it(
    'every clause cited by an @child scenario has a breakage, or is listed as unbreakable with the reason',
    { skip: only !== undefined ? 'MULTIFROST_BREAKAGES selects a subset' : false },
    () => {
      const cited = citedClauses([...unbroken().values()]);
      const { missing, stale, both } = tableProblems(cited);
      assert.deepEqual(
        missing,
        [],
        'clauses cited by @child scenarios with no breakage (add one to harness/falsifiability/falsifiability.ts, or say in CANNOT_BREAK why none can exist)',
      );
      assert.deepEqual(stale, [], 'breakages or unbreakable entries for clauses no @child scenario cites any more');
      assert.deepEqual(both, [], 'clauses listed as unbreakable that have a breakage');
      const broken = new Set(BREAKAGES.map((b) => b.clause));
      const proven = [...cited].filter((clause) => broken.has(clause)).length;
      process.stdout.write(
        `# child clauses proven falsifiable: ${proven} of ${cited.size}; not: ${Object.keys(CANNOT_BREAK).join(', ')}\n`,
      );
    },
  );

  for (const breakage of selected) {
    it(`${labelOf(breakage)}: fails ${EXACT_FALSIFIABILITY ? 'only scenarios citing' : 'a scenario citing'} ${breakage.clause}${EXACT_FALSIFIABILITY ? ', at least one' : ''}`, async (t) => {
      // Only the scenarios citing the clause, unless proving exactness (then a breakage must also leave every
      // other scenario's verdict alone, and may fail an uncited one only as listed in `uncited`).
      const tags = breakage.only ?? (EXACT_FALSIFIABILITY ? undefined : `@${breakage.clause}`);
      const { code, scenarios, output } = await runCatalogue(t, targetOf(breakage), breakage.misbehave ?? '', tags);
      const problems = judge(breakage, scenarios, unbroken());
      assert.deepEqual(problems, [], `${labelOf(breakage)} (exit ${String(code)})\n${output.slice(-2000)}`);
    });
  }
});

// The Python peer with one breakage of its own: the check fails in another language too.
const python = join(REPO_ROOT, 'fixtures', 'python', '.venv', 'bin', 'python');
const pythonBreakage: Breakage = { clause: 'MF-CALL-4', script: 'python_private_callable.py' };

describe('a broken Python worker', () => {
  it(
    'python_private_callable.py: fails only scenarios citing MF-CALL-4 among the call scenarios',
    { skip: existsSync(python) ? false : `${python} not built (node harness/peers/setup.mjs)` },
    async (t) => {
      const { scenarios, output } = await runCatalogue(
        t,
        ['--', python, join(BROKEN, pythonBreakage.script!)],
        '',
        '@call',
      );
      const wrong = scenarios
        .filter((s) => (failed(s) ? !cites(s, 'MF-CALL-4') : s.verdict !== 'pass'))
        .map((s) => `${s.id} ${s.name}: ${s.verdict}`);
      assert.deepEqual(wrong, [], `scenarios other than MF-CALL-4's that did not pass\n${output.slice(-2000)}`);
      assert.ok(
        scenarios.some((s) => failed(s) && cites(s, 'MF-CALL-4')),
        'a scenario citing MF-CALL-4 failed',
      );
    },
  );
});
