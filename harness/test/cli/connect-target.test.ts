/**
 * The connect-mode scenarios (features/connect.feature, `--tags @connect`) through the compiled CLI: the
 * reference worker passes all of them, and each fixtures/broken/registry-*.mjs worker (the reference with
 * one registry fault) fails the scenarios of the rule it breaks. With MF_FALSIFY_EXACT=1 (`npm run
 * falsifiability`) each broken worker runs all of them and must pass the others too. A `--service`
 * target gets the read-only entry checks and the rest skipped with the reason.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BROKEN, EXACT_FALSIFIABILITY, nameFilter, requireBuild, runCli, startService } from './cli-process.js';

interface Scenario {
  id: string;
  name: string;
  verdict: string;
  reason?: string;
  logs?: string[];
  failure?: { message: string };
}

/** Scenario names of connect.feature, by what they check. */
const ENTRY = /registers its port, its pid and its start time/;
const MODES = /has mode 0700 and services\.json mode 0600/;
const LOOPBACK = /listens on 127\.0\.0\.1 only/;
const LOCK_HELD = /while another process holds the lock/;
const STALE = /A stale lock is broken/;
const FUTURE = /A stale lock is broken: it is dated .* in the future/;
const CLAIM = /left alone while another process holds its claim/;
const ODD = /makes the worker fail at once, never hang or spin/;
const STOP = /makes a worker in connect mode unregister and exit with status 0/;
const OTHERS = /Entries of other services are kept/;
const MALFORMED = /wrong-typed field is kept intact/;
const LIVE_ID = /held by a live process is refused/;
const DEAD_ID = /held by a dead process is taken over/;
const CORRUPT = /not valid JSON is moved aside/;
const RACE = /race on one registry/;
const LEFTOVERS = /What dead writers left in the registry directory is removed/;

interface Case {
  worker: string | undefined;
  rule: string;
  /** The scenarios this worker must fail; every other one must pass. */
  fails: RegExp[];
  /** Scenarios it may fail or pass (a race it loses most of the time, not always). */
  mayFail?: RegExp[];
  /** No scenario can get past this breakage (the kit cannot find the entry): it runs only `fails`, always. */
  alone?: boolean;
}

const CASES: Case[] = [
  { worker: undefined, rule: 'none (the reference worker)', fails: [] },
  { worker: 'registry-started-not-utc.mjs', rule: 'MF-REG-2', fails: [ENTRY] },
  { worker: 'registry-file-mode-0644.mjs', rule: 'MF-REG-11', fails: [MODES] },
  { worker: 'registry-binds-all-interfaces.mjs', rule: 'MF-SEC-1', fails: [LOOPBACK] },
  // Without the lock it also leaves a stale lock in place (never removed, MF-REG-4), and it loses the race
  // only when a write of the kit lands inside one of its read-modify-write windows (most runs, not all).
  // Never taking the lock, it also writes while another process holds a stale lock's claim (MF-REG-14).
  // It still reads services.lock when it releases, so a link or FIFO there makes it fail as it should.
  { worker: 'registry-ignores-lock.mjs', rule: 'MF-REG-3', fails: [LOCK_HELD, STALE, CLAIM], mayFail: [RACE] },
  // Never breaking a lock, it also never breaks the claimed one once the claim is gone.
  { worker: 'registry-keeps-stale-locks.mjs', rule: 'MF-REG-4', fails: [STALE, CLAIM] },
  { worker: 'registry-lock-written-late.mjs', rule: 'MF-REG-13', fails: [LOCK_HELD] },
  { worker: 'registry-breaks-without-claim.mjs', rule: 'MF-REG-14', fails: [CLAIM] },
  { worker: 'registry-follows-odd-files.mjs', rule: 'MF-REG-15', fails: [ODD] },
  { worker: 'registry-future-locks-never-expire.mjs', rule: 'MF-REG-16', fails: [FUTURE] },
  { worker: 'registry-keeps-leftovers.mjs', rule: 'MF-REG-17 (SHOULD)', fails: [LEFTOVERS] },
  { worker: 'registry-never-unregisters.mjs', rule: 'MF-REG-9 (unregister on stop)', fails: [STOP, RACE] },
  { worker: 'registry-prunes-dead-entries.mjs', rule: 'MF-REG-9 (other entries kept)', fails: [OTHERS] },
  { worker: 'registry-drops-malformed-entries.mjs', rule: 'MF-REG-12', fails: [MALFORMED] },
  { worker: 'registry-overwrites-live-ids.mjs', rule: 'MF-REG-8 (live id refused)', fails: [LIVE_ID] },
  { worker: 'registry-refuses-dead-ids.mjs', rule: 'MF-REG-8 (dead id taken over)', fails: [DEAD_ID] },
  { worker: 'registry-overwrites-corrupt-file.mjs', rule: 'MF-REG-7', fails: [CORRUPT] },
  { worker: 'registry-torn-writes.mjs', rule: 'MF-REG-6', fails: [RACE] },
  { worker: 'registry-home-subdir.mjs', rule: 'MF-REG-1', fails: [ENTRY], alone: true },
  { worker: 'registry-wrong-service-id.mjs', rule: 'MF-SVC-2', fails: [ENTRY], alone: true },
  { worker: 'registry-no-lock-wait.mjs', rule: 'MF-REG-5', fails: [LOCK_HELD], alone: true },
];

const matches = (patterns: readonly RegExp[] | undefined, s: Scenario): boolean =>
  (patterns ?? []).some((p) => p.test(s.name));
const label = (s: Scenario): string => `${s.id} ${s.name}`;

function readReport(path: string): Scenario[] {
  return (JSON.parse(readFileSync(path, 'utf8')) as { scenarios: Scenario[] }).scenarios;
}

describe('the CLI runs the connect-mode scenarios (@connect)', { concurrency: 3 }, () => {
  for (const c of CASES) {
    const targeted = c.worker !== undefined && (!EXACT_FALSIFIABILITY || c.alone === true);
    const title =
      c.worker === undefined
        ? 'reference: passes every scenario'
        : `${c.worker}: fails the scenarios of ${c.rule}${targeted ? '' : ', passes the rest'}`;
    it(title, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'mf-connect-cli-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const target = c.worker === undefined ? ['--reference'] : [join(BROKEN, c.worker)];
      // --strict: a SHOULD failure (MF-REG-12) fails the run too, so every broken worker exits 1. A shorter
      // step timeout (start-up time 6 s) only shortens the waits of the scenarios a broken worker fails.
      const timeout = c.worker === undefined ? [] : ['--timeout', '3000'];
      const only = targeted ? ['--name', nameFilter([...c.fails, ...(c.mayFail ?? [])])] : [];
      const result = await runCli(t, [
        '--tags',
        '@connect',
        ...only,
        '--strict',
        '--quiet',
        ...timeout,
        '--json',
        join(dir, 'r.json'),
        ...target,
      ]);
      assert.ok(
        result.code === 0 || result.code === 1,
        `a run, not a setup error (exit ${result.code})\n${result.stdout}\n${result.stderr}`,
      );
      const scenarios = readReport(join(dir, 'r.json'));
      assert.ok(
        scenarios.length >= (targeted ? c.fails.length : 15),
        `the connect scenarios ran (${scenarios.length})`,
      );
      assert.deepEqual(
        scenarios.filter((s) => s.verdict === 'skipped').map(label),
        [],
        'nothing skipped against a worker the kit starts',
      );
      const failed = scenarios.filter((s) => s.verdict === 'fail' || s.verdict === 'timeout');
      const unexpected = failed.filter((s) => !matches(c.fails, s) && !matches(c.mayFail, s)).map(label);
      const missed = scenarios.filter((s) => matches(c.fails, s) && !failed.includes(s)).map(label);
      assert.deepEqual(
        unexpected,
        [],
        `scenarios failed that ${c.worker ?? 'the reference'} should pass:\n${failed.map((s) => `${label(s)}\n${s.failure?.message ?? ''}`).join('\n')}`,
      );
      assert.deepEqual(missed, [], `scenarios ${c.worker ?? 'the reference'} should fail but passed`);
      if (c.worker !== undefined)
        assert.ok(
          c.fails.every((p) => scenarios.some((s) => p.test(s.name))),
          'every expected pattern names a scenario',
        );
      for (const s of failed)
        assert.ok(
          s.failure !== undefined && /^MF-[A-Z]+-\d+/.test(s.failure.message),
          `${label(s)} names the clause it failed`,
        );
      assert.equal(result.code, c.worker === undefined ? 0 : 1, `exit code\n${result.stdout}`);
    });
  }

  it('a --service target gets the read-only entry checks; the rest is skipped with the reason', async (t) => {
    requireBuild();
    const home = mkdtempSync(join(tmpdir(), 'mf-connect-home-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const serviceId = `connect-target-${process.pid}`;
    await startService(t, { serviceId, home: join(home, 'registry') });
    const dir = mkdtempSync(join(tmpdir(), 'mf-connect-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const result = await runCli(
      t,
      ['--service', serviceId, '--tags', '@connect', '--quiet', '--json', join(dir, 'r.json')],
      { MULTIFROST_HOME: join(home, 'registry') },
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const scenarios = readReport(join(dir, 'r.json'));
    const passed = scenarios.filter((s) => s.verdict === 'pass').map((s) => s.name);
    assert.equal(passed.length, 3, `the three read-only checks pass: ${passed.join('; ')}`);
    assert.ok(
      passed.some((name) => ENTRY.test(name)) &&
        passed.some((name) => MODES.test(name)) &&
        passed.some((name) => LOOPBACK.test(name)),
    );
    const skipped = scenarios.filter((s) => s.verdict === 'skipped');
    assert.equal(skipped.length, scenarios.length - 3, 'every other scenario is skipped');
    for (const s of skipped)
      assert.match(
        `${s.reason ?? ''} ${(s.logs ?? []).join(' ')}`,
        /did not start service/,
        `${label(s)} says why it was skipped`,
      );
  });
});
