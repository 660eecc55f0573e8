/**
 * The kit's own proof: run the compiled CLI against each broken worker of fixtures/broken/ (each breaks ONE
 * rule) and check that exactly the scenarios exercising that rule fail, and every other scenario of the
 * same selection passes. Every worker runs the same selection (a scenario or more per broken rule, plus
 * the conformance service), so each breakage must show up as its own, distinct set of failures.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BROKEN, REPO_ROOT, runCli } from './cli-process.js';

/** About 20 scenarios: the service's call scenarios, and those of each broken rule. */
const SELECTION = '(@MF-SVC-1 and @call) or @MF-HB-1 or @MF-HB-4 or (@MF-CALL-4 and not @MF-CALL-5) or @MF-MSG-6 or @MF-OUT-1 or @MF-CALL-6';

interface TraceEntry {
  dir?: string;
  type?: string;
  message?: { function?: unknown; args?: unknown };
}

interface Scenario {
  id: string;
  name: string;
  verdict: string;
  clauses: Array<{ id: string }>;
  trace?: TraceEntry[];
  failure?: { expected?: string; actual?: string; message: string };
}

const sent = (s: Scenario): TraceEntry[] => (s.trace ?? []).filter((e) => e.dir === 'kit->worker');
const cites = (s: Scenario, clause: string): boolean => s.clauses.some((c) => c.id === clause);
const callsFunction = (s: Scenario, fn: string): boolean => sent(s).some((e) => e.type === 'call' && e.message?.function === fn);

function holdsIntegerAtLeast(value: unknown, limit: number): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value >= limit;
  if (typeof value === 'string' && /^-?\d+n$/.test(value)) return BigInt(value.slice(0, -1)) >= BigInt(limit);
  if (Array.isArray(value)) return value.some((v) => holdsIntegerAtLeast(v, limit));
  if (typeof value === 'object' && value !== null) return Object.values(value).some((v) => holdsIntegerAtLeast(v, limit));
  return false;
}

interface Case {
  worker: string | undefined;
  /** argv after `--` instead of the worker file (a Python worker runs with the peer's venv). */
  argv?: string[];
  rule: string;
  /** The scenarios this breakage must fail (all others must pass). */
  fails: (s: Scenario) => boolean;
  timeoutMs: number;
}

const CASES: Case[] = [
  { worker: undefined, rule: 'none (the reference worker)', fails: () => false, timeoutMs: 1500 },
  { worker: 'output-without-envelope.mjs', rule: 'MF-FRAME-3', fails: (s) => cites(s, 'MF-OUT-1'), timeoutMs: 1500 },
  { worker: 'void-without-result.mjs', rule: 'MF-CALL-6', fails: (s) => /returns nothing|answers write_stdout|answers write_stderr/.test(s.name), timeoutMs: 1500 },
  { worker: 'wrong-reply-id.mjs', rule: 'MF-MSG-8', fails: (s) => callsFunction(s, 'add'), timeoutMs: 1500 },
  // The worker dies on the first call carrying an integer >= 128 (e.g. `sleep 200`).
  { worker: 'crash-on-big-int.mjs', rule: 'MF-VAL-2', fails: (s) => sent(s).some((e) => e.type === 'call' && holdsIntegerAtLeast(e.message?.args, 128)), timeoutMs: 1500 },
  { worker: 'no-heartbeat-echo.mjs', rule: 'MF-HB-1', fails: (s) => sent(s).some((e) => e.type === 'heartbeat'), timeoutMs: 1500 },
  { worker: 'private-callable.mjs', rule: 'MF-CALL-4', fails: (s) => cites(s, 'MF-CALL-4'), timeoutMs: 1500 },
  { worker: 'wrong-app-accepted.mjs', rule: 'MF-MSG-6', fails: (s) => cites(s, 'MF-MSG-6'), timeoutMs: 1500 },
  {
    worker: 'python_private_callable.py',
    argv: [join(REPO_ROOT, 'fixtures', 'python', '.venv', 'bin', 'python'), join(BROKEN, 'python_private_callable.py')],
    rule: 'MF-CALL-4',
    fails: (s) => cites(s, 'MF-CALL-4'),
    timeoutMs: 1500,
  },
];

describe('the CLI against the broken workers', { concurrency: 4 }, () => {
  for (const c of CASES) {
    const missing = c.argv !== undefined && !existsSync(c.argv[0]!) ? `${c.argv[0]} not built (node harness/peers/setup.mjs)` : false;
    it(`${c.worker ?? 'reference'}: fails exactly the scenarios of ${c.rule}, passes the rest`, { skip: missing }, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'mf-broken-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const target = c.argv !== undefined ? ['--', ...c.argv] : c.worker === undefined ? ['--reference'] : [join(BROKEN, c.worker)];
      const result = await runCli(t, ['--tags', SELECTION, '--timeout', String(c.timeoutMs), '--trace', '--quiet', '--json', join(dir, 'r.json'), ...target]);
      assert.equal(result.code, c.worker === undefined ? 0 : 1, `exit code\n${result.stdout}\n${result.stderr}`);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { scenarios: Scenario[] };
      const ran = report.scenarios.filter((s) => s.verdict !== 'skipped');
      assert.ok(ran.length >= 12, `the selection ran (${ran.length} scenarios)`);
      const failed = ran.filter((s) => s.verdict === 'fail' || s.verdict === 'timeout').map((s) => `${s.id} ${s.name}`);
      const expected = ran.filter(c.fails).map((s) => `${s.id} ${s.name}`);
      if (c.worker !== undefined) assert.ok(expected.length > 0, 'the selection exercises the broken rule');
      assert.deepEqual(failed.sort(), expected.sort(), `failing scenarios for ${c.worker ?? 'reference'}`);
      for (const s of ran.filter(c.fails)) assert.ok(s.failure !== undefined && s.failure.message !== '', `${s.id} reports why it failed`);
    });
  }
});
