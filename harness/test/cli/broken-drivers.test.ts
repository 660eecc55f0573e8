/**
 * The kit's proof that its checks of a parent can fail (issue 13 item 5, parent role): the @parent catalogue
 * runs through cucumber against fixtures/broken/parent-driver-misbehaving.mjs, once per breakage. In `npm test`
 * each run holds the scenarios citing the broken clause: at least one fails, and every failing scenario cites
 * the clause and fails on it (its ConformanceFailure names it). With MF_FALSIFY_EXACT=1 (`npm run
 * falsifiability`) each run adds scenarios of other clauses (one breakage: the whole @parent set), which must
 * keep passing. A completeness test requires a breakage for every clause an @parent scenario cites.
 *
 * Needs the compiled kit (`npm run build`): the fixture drives dist/src/index.js's ParentWorker, and cucumber
 * loads the compiled steps (the `zmq-compiled` profiles).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { BROKEN, EXACT_FALSIFIABILITY, REPO_ROOT, withoutCoverage } from './cli-process.js';

const DRIVER = join(BROKEN, 'parent-driver-misbehaving.mjs');
const CUCUMBER = join(REPO_ROOT, 'node_modules', '.bin', 'cucumber-js');
/** Breakages that fail by silence cost this per wait; 4 s still leaves a loaded machine room to answer. */
const STEP_TIMEOUT_MS = 4000;
/** Backstop for one cucumber run (the whole @parent set takes about 75 s). */
const RUN_BACKSTOP_MS = 200_000;

interface Case {
  misbehave: string;
  clause: string;
  /** Cucumber tag expression; undefined runs the whole @parent set. */
  tags?: string | undefined;
  profile?: 'zmq' | 'zmq-v4';
  /**
   * Other clauses a failing scenario citing both may name: its "driver answers call N" step reports the
   * scenario's first clause (the unknown-id scenario is tagged @MF-CALL-12 @MF-CALL-13, the namespace one @MF-CALL-1 @MF-CALL-13).
   */
  alsoNamed?: string[];
  /** The breakage fails every scenario (nothing can run without it): the run holds only its clause's. */
  alone?: boolean;
}

const CASES: Case[] = [
  // The whole @parent set (23 scenarios, about 45 s) only when proving exactness (`npm run falsifiability`).
  {
    misbehave: 'camel-client-name',
    clause: 'MF-MSG-7',
    tags: EXACT_FALSIFIABILITY ? undefined : '@parent and (@MF-MSG-7 or @MF-DRV-2)',
  },
  { misbehave: 'wrong-app', clause: 'MF-PROF-2', tags: '@parent and (@MF-PROF-2 or @MF-LIFE-4)' },
  { misbehave: 'hb-seconds-in-v3', clause: 'MF-HB-2', tags: '@parent and (@MF-HB-2 or @MF-HB-5)' },
  { misbehave: 'hb-ms-in-v4', clause: 'MF-HB-3', tags: '@parent and (@MF-HB-3 or @MF-HB-5)', profile: 'zmq-v4' },
  { misbehave: 'rtt-in-seconds', clause: 'MF-HB-5', tags: '@parent and (@MF-HB-5 or @MF-HB-2)' },
  { misbehave: 'no-shutdown', clause: 'MF-LIFE-4', tags: '@parent and (@MF-LIFE-4 or @MF-LIFE-5)' },
  { misbehave: 'shell-spawn', clause: 'MF-LIFE-1', tags: '@parent and (@MF-LIFE-1 or @MF-LIFE-8)' },
  { misbehave: 'no-crash-detect', clause: 'MF-LIFE-8', tags: '@parent and (@MF-LIFE-8 or @MF-LIFE-5)' },
  {
    misbehave: 'ignore-timeout',
    clause: 'MF-CALL-13',
    tags: '@parent and (@MF-CALL-13 or @MF-CALL-6)',
    alsoNamed: ['MF-CALL-12', 'MF-CALL-1'],
  },
  { misbehave: 'args-omitted', clause: 'MF-CALL-1', tags: '@parent and (@MF-CALL-1 or @MF-MSG-7)' },
  { misbehave: 'args-reversed', clause: 'MF-CALL-14', tags: '@parent and (@MF-CALL-14 or @MF-MSG-7)' },
  { misbehave: 'accept-unknown-id', clause: 'MF-CALL-12', tags: '@parent and (@MF-CALL-12 or @MF-CALL-6)' },
  { misbehave: 'missing-result-error', clause: 'MF-CALL-6', tags: '@parent and (@MF-CALL-6 or @MF-CALL-14)' },
  // Without the delimiter no message reaches the child's code: every scenario fails, so this one runs alone.
  { misbehave: 'no-delimiter', clause: 'MF-FRAME-1', tags: '@parent and @MF-FRAME-1', alone: true },
  { misbehave: 'timestamp-ms', clause: 'MF-MSG-2', tags: '@parent and (@MF-MSG-2 or @MF-CALL-14)' },
  { misbehave: 'bind-all', clause: 'MF-SEC-1', tags: '@parent and (@MF-SEC-1 or @MF-CALL-6)' },
  { misbehave: 'hb-slow-interval', clause: 'MF-HB-6', tags: '@parent and (@MF-HB-6 or @MF-CALL-6)' },
  { misbehave: 'no-heartbeats', clause: 'MF-HB-8', tags: '@parent and (@MF-HB-8 or @MF-CALL-6)' },
  { misbehave: 'hb-early-miss', clause: 'MF-HB-7', tags: '@parent and (@MF-HB-7 or @MF-HB-2)' },
  { misbehave: 'stop-answers-twice', clause: 'MF-LIFE-5', tags: '@parent and (@MF-LIFE-5 or @MF-CALL-6)' },
  { misbehave: 'no-restart', clause: 'MF-LIFE-9', tags: '@parent and (@MF-LIFE-9 or @MF-CALL-6)' },
  // Refusing the first call of a run fails any scenario that calls: this one runs alone.
  { misbehave: 'breaker-starts-open', clause: 'MF-CB-1', tags: '@parent and @MF-CB-1', alone: true },
  { misbehave: 'breaker-late-trip', clause: 'MF-CB-2', tags: '@parent and (@MF-CB-2 or @MF-CALL-6)' },
  { misbehave: 'breaker-sends-when-open', clause: 'MF-CB-4', tags: '@parent and (@MF-CB-4 or @MF-CALL-6)' },
  { misbehave: 'breaker-short-cooldown', clause: 'MF-CB-5', tags: '@parent and (@MF-CB-5 or @MF-CALL-6)' },
  { misbehave: 'breaker-never-closes', clause: 'MF-CB-6', tags: '@parent and (@MF-CB-6 or @MF-CALL-6)' },
  { misbehave: 'no-stopped-event', clause: 'MF-DRV-1', tags: '@parent and (@MF-DRV-1 or @MF-CALL-14)' },
  // Without the hello line no scenario can start: this one runs alone.
  { misbehave: 'no-hello', clause: 'MF-DRV-2', tags: '@parent and @MF-DRV-2', alone: true },
  { misbehave: 'connect-wrong-port', clause: 'MF-LIFE-12', tags: '@parent and (@MF-LIFE-12 or @MF-CALL-6)' },
  { misbehave: 'discovery-trusts-dead', clause: 'MF-REG-10', tags: '@parent and (@MF-REG-10 or @MF-CALL-6)' },
  { misbehave: 'entry-needs-started', clause: 'MF-REG-2', tags: '@parent and (@MF-REG-2 or @MF-CALL-6)' },
  // Values (parent.feature: each argument in its msgpack type, each value of the reply read unchanged).
  { misbehave: 'wide-int-args', clause: 'MF-VAL-2', tags: '@parent and (@MF-VAL-2 or @MF-CALL-14)' },
  { misbehave: 'lossy-int64-results', clause: 'MF-VAL-4', tags: '@parent and (@MF-VAL-4 or @MF-CALL-14)' },
  { misbehave: 'bin-as-str-args', clause: 'MF-VAL-5', tags: '@parent and (@MF-VAL-5 or @MF-CALL-14)' },
  { misbehave: 'astral-args-replaced', clause: 'MF-VAL-9', tags: '@parent and (@MF-VAL-9 or @MF-CALL-14)' },
  { misbehave: 'float32-args', clause: 'MF-VAL-10', tags: '@parent and (@MF-VAL-10 or @MF-CALL-14)' },
  { misbehave: 'proto-key-renamed', clause: 'MF-VAL-11', tags: '@parent and (@MF-VAL-11 or @MF-CALL-14)' },
  { misbehave: 'non-finite-args-as-float', clause: 'MF-VAL-1', tags: '@parent and (@MF-VAL-1 or @MF-VAL-10)' },
  // A result outside the portable set (parent-received.feature): delivered changed, or dropped so the call times out.
  { misbehave: 'unportable-results-changed', clause: 'MF-VAL-14', tags: '@parent and (@MF-VAL-14 or @MF-MSG-1)' },
  { misbehave: 'drop-unportable-results', clause: 'MF-VAL-14', tags: '@parent and (@MF-VAL-14 or @MF-MSG-1)' },
  // What a parent must drop (features/parent-received.feature: decoys before the real reply) and what it sends.
  { misbehave: 'stray-misspelled-app', clause: 'MF-PROF-1', tags: '@parent and (@MF-PROF-1 or @MF-MSG-6)' },
  { misbehave: 'stray-unknown-type', clause: 'MF-MSG-3', tags: '@parent and (@MF-MSG-3 or @MF-MSG-5)' },
  { misbehave: 'accept-bad-framing', clause: 'MF-FRAME-4', tags: '@parent and (@MF-FRAME-4 or @MF-FRAME-5)' },
  { misbehave: 'accept-trailing-bytes', clause: 'MF-FRAME-5', tags: '@parent and (@MF-FRAME-5 or @MF-FRAME-4)' },
  { misbehave: 'accept-array-payload', clause: 'MF-MSG-1', tags: '@parent and (@MF-MSG-1 or @MF-FRAME-5)' },
  { misbehave: 'unknown-fields-refused', clause: 'MF-MSG-4', tags: '@parent and (@MF-MSG-4 or @MF-CALL-6)' },
  { misbehave: 'unknown-type-as-response', clause: 'MF-MSG-5', tags: '@parent and (@MF-MSG-5 or @MF-MSG-6)' },
  { misbehave: 'accept-wrong-app', clause: 'MF-MSG-6', tags: '@parent and (@MF-MSG-6 or @MF-MSG-5)' },
  { misbehave: 'accept-wrong-core-types', clause: 'MF-MSG-9', tags: '@parent and (@MF-MSG-9 or @MF-MSG-6)' },
  { misbehave: 'no-size-limit', clause: 'MF-SEC-3', tags: '@parent and (@MF-SEC-3 or @MF-CALL-6)' },
  // Still drops an oversized reply: the scenario of MF-SEC-3 (which cites MF-MSG-10 too) keeps passing.
  { misbehave: 'send-oversize', clause: 'MF-MSG-10', tags: '@parent and (@MF-MSG-10 or @MF-CALL-6)' },
  { misbehave: 'vague-start-failure', clause: 'MF-LIFE-10', tags: '@parent and (@MF-LIFE-10 or @MF-LIFE-8)' },
  {
    misbehave: 'registry-follows-links',
    clause: 'MF-REG-15',
    tags: '@parent and (@MF-REG-15 or @MF-LIFE-12)',
  },
  // Discovery that ignores MULTIFROST_HOME fails every connect-mode scenario: the exact run adds a spawn-mode one.
  { misbehave: 'registry-home-ignored', clause: 'MF-REG-1', tags: '@parent and (@MF-REG-1 or @MF-CALL-6)' },
  { misbehave: 'breaker-success-keeps-count', clause: 'MF-CB-7', tags: '@parent and (@MF-CB-7 or @MF-CB-3)' },
  { misbehave: 'remote-errors-not-counted', clause: 'MF-CB-3', tags: '@parent and (@MF-CB-3 or @MF-CB-7)' },
  { misbehave: 'probe-pins-v3', clause: 'MF-PROF-6', tags: '@parent and (@MF-PROF-6 or @MF-CALL-6)' },
  { misbehave: 'probe-v4-first', clause: 'MF-PROF-6', tags: '@parent and (@MF-PROF-6 or @MF-CALL-6)' },
  // CURVE (features/security.feature): a driver that declares `curve` and ignores MULTIFROST_CURVE=1 gives the
  // child no key; one that hands the key over but keeps its socket plaintext gets no handshake, so no answer.
  {
    misbehave: 'curve-ignored',
    clause: 'MF-SEC-8',
    tags: '@parent and (@MF-SEC-8 or @MF-CALL-6)',
    alsoNamed: ['MF-SEC-6'],
  },
  {
    misbehave: 'curve-plaintext',
    clause: 'MF-SEC-6',
    tags: '@parent and (@MF-SEC-6 or @MF-CALL-6)',
    alsoNamed: ['MF-DRV-2', 'MF-DRV-1'],
  },
];

/**
 * The scenarios a case runs: in `npm test` only those citing the broken clause (the proof that each check can
 * fail); with MF_FALSIFY_EXACT=1 the case's own selection, which adds scenarios of other clauses that must keep
 * passing (the proof that the breakage changes nothing else), or the whole @parent set.
 */
function tagsOf(c: Case): string {
  if (!EXACT_FALSIFIABILITY)
    return c.alone === true && c.tags !== undefined ? c.tags : `@parent and not @internal and @${c.clause}`;
  return c.tags ?? '@parent and not @internal';
}

/** Clauses cited by @parent scenarios that no breakage can break, with the reason (none today). */
const CANNOT_BREAK: Record<string, string> = {};

/** The clauses cited by the @parent scenarios of every feature file (tags on the scenario), and how many there are. */
function parentScenarios(): { cited: Set<string>; count: number } {
  const cited = new Set<string>();
  let count = 0;
  let tags: string[] = [];
  const features = readdirSync(join(REPO_ROOT, 'features')).filter((name) => name.endsWith('.feature'));
  const lines = features.flatMap((name) => readFileSync(join(REPO_ROOT, 'features', name), 'utf8').split('\n'));
  for (const line of lines) {
    const text = line.trim();
    if (text.startsWith('@')) tags = text.split(/\s+/);
    else if (text.startsWith('Scenario')) {
      if (tags.includes('@parent') && !tags.includes('@internal')) {
        count += 1;
        for (const tag of tags) if (tag.startsWith('@MF-')) cited.add(tag.slice(1));
      }
      tags = [];
    }
  }
  return { cited, count };
}

interface Scenario {
  name: string;
  tags: string[];
  status: 'passed' | 'failed' | 'skipped';
  error: string;
}

interface JsonStep {
  result?: { status?: string; error_message?: string };
}
interface JsonElement {
  name: string;
  type?: string;
  tags?: Array<{ name: string }>;
  steps?: JsonStep[];
  before?: JsonStep[];
  after?: JsonStep[];
}

/** Scenarios of a cucumber `json:` report, each with its worst step status and the first error. */
function readReport(path: string): Scenario[] {
  const features = JSON.parse(readFileSync(path, 'utf8')) as Array<{ elements?: JsonElement[] }>;
  const scenarios: Scenario[] = [];
  for (const feature of features) {
    for (const element of feature.elements ?? []) {
      if (element.type !== undefined && element.type !== 'scenario') continue;
      const steps = [...(element.before ?? []), ...(element.steps ?? []), ...(element.after ?? [])];
      const statuses = steps.map((s) => s.result?.status ?? 'undefined');
      const status = statuses.some((s) => s !== 'passed' && s !== 'skipped')
        ? 'failed'
        : statuses.includes('skipped')
          ? 'skipped'
          : 'passed';
      const error = steps.map((s) => s.result?.error_message).find((m) => m !== undefined) ?? '';
      scenarios.push({ name: element.name, tags: (element.tags ?? []).map((t) => t.name), status, error });
    }
  }
  return scenarios;
}

/** Runs cucumber against the misbehaving driver; the process group is reaped when the test ends. */
async function runCatalogue(t: TestContext, c: Case): Promise<{ scenarios: Scenario[]; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-broken-driver-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, 'report.json');
  const world = {
    stepTimeoutMs: STEP_TIMEOUT_MS,
    target: { kind: 'parent-driver', argv: [process.execPath, DRIVER, `--misbehave=${c.misbehave}`] },
  };
  // The compiled steps (no tsx): each run starts in a third of the CPU time, and there are forty runs.
  const args = [
    CUCUMBER,
    '--profile',
    `${c.profile ?? 'zmq'}-compiled`,
    '--tags',
    tagsOf(c),
    '--format',
    'summary',
    '--format',
    `json:${report}`,
    '--world-parameters',
    JSON.stringify(world),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: withoutCoverage(process.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const kill = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  t.after(kill);
  const backstop = setTimeout(kill, RUN_BACKSTOP_MS);
  await new Promise<void>((resolve) => child.once('close', () => resolve()));
  clearTimeout(backstop);
  assert.ok(existsSync(report), `cucumber wrote its report\n${output.slice(-3000)}`);
  return { scenarios: readReport(report), output };
}

const cites = (s: Scenario, clause: string): boolean => s.tags.includes(`@${clause}`);

describe('every @parent check with a breakage is proven able to fail', { concurrency: 5 }, () => {
  it('the driver refuses an unknown breakage', async () => {
    const child = spawn(process.execPath, [DRIVER, '--misbehave=no-such-thing'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(stderr, /unknown MULTIFROST_DRIVER_MISBEHAVE item no-such-thing/);
  });

  it('every clause cited by an @parent scenario has a breakage, or is listed as unbreakable with the reason', () => {
    const { cited } = parentScenarios();
    const broken = new Set(CASES.map((c) => c.clause));
    const missing = [...cited].filter((clause) => !broken.has(clause) && CANNOT_BREAK[clause] === undefined).sort();
    assert.deepEqual(
      missing,
      [],
      'clauses cited by @parent scenarios with no breakage (add one to fixtures/broken/parent-driver-misbehaving.mjs and CASES)',
    );
    const stale = [...broken, ...Object.keys(CANNOT_BREAK)].filter((clause) => !cited.has(clause)).sort();
    assert.deepEqual(stale, [], 'breakages for clauses no @parent scenario cites any more');
    process.stdout.write(
      `# parent clauses proven falsifiable: ${[...cited].filter((c) => broken.has(c)).length} of ${cited.size}\n`,
    );
  });

  for (const c of CASES) {
    it(`${c.misbehave} fails ${EXACT_FALSIFIABILITY ? 'exactly ' : ''}the scenarios of ${c.clause}${c.tags === undefined ? ' (whole @parent set)' : ''}`, async (t) => {
      const { scenarios, output } = await runCatalogue(t, c);
      const summary = scenarios
        .map((s) => `${s.status.padEnd(7)} ${s.tags.filter((x) => x.startsWith('@MF-')).join(' ')} ${s.name}`)
        .join('\n');
      if (c.tags === undefined)
        assert.equal(scenarios.length, parentScenarios().count, `the whole @parent set runs\n${summary}`);
      const failing = scenarios.filter((s) => s.status === 'failed');
      assert.ok(
        failing.length > 0,
        `at least one scenario citing ${c.clause} fails\n${summary}\n${output.slice(-2000)}`,
      );
      for (const s of failing) {
        assert.ok(
          cites(s, c.clause),
          `only scenarios citing ${c.clause} fail; this one does not: ${s.name}\n${s.error.slice(0, 1500)}`,
        );
        const named = [c.clause, ...(c.alsoNamed ?? [])].filter((clause) => clause === c.clause || cites(s, clause));
        assert.match(
          s.error,
          new RegExp(`ConformanceFailure: (${named.join('|')}) `),
          `"${s.name}" fails on ${c.clause}\n${s.error.slice(0, 1500)}`,
        );
      }
      const others = scenarios.filter((s) => !cites(s, c.clause));
      if (c.alone !== true && EXACT_FALSIFIABILITY)
        assert.ok(others.length > 0, `the run holds scenarios of other clauses\n${summary}`);
      for (const s of others)
        assert.equal(
          s.status,
          'passed',
          `"${s.name}" (not citing ${c.clause}) keeps passing\n${s.error.slice(0, 1500)}`,
        );
    });
  }
});
