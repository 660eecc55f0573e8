/**
 * Never fail a correct implementation (issue 13 item 6): every MUST scenario of the catalogue passes, through
 * the compiled CLI over real ZeroMQ,
 * - in the child role against the TypeScript reference worker and the Python, Go and Rust reference peers,
 *   and against the Go peer serving PascalCase names (`--names pascal`);
 * - in the parent role against the Python, Go and Rust reference drivers (every @parent scenario, with no
 *   skip other than an undeclared optional capability); the TypeScript driver runs all of them in the
 *   cucumber zmq stage of `npm test`.
 * The children are timed too (`--timing`, MF-SVC-3): each answers `add` within the bound.
 * A peer that is not built is skipped with the reason. `MF_CONFORM_REPEAT=N` repeats every run N times and
 * `MF_CONFORM_CPU_LOAD=K` keeps K busy processes spinning meanwhile (`npm run reliability` uses both); in
 * `npm test` each runs once on the shared, already busy machine.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import { runCli } from './cli-process.js';

interface Target {
  name: string;
  args: string[];
  env?: Record<string, string>;
  missing: string | undefined;
  /** Skip reasons allowed in this run (an optional capability the driver does not declare). */
  allowedSkip?: RegExp;
}

function missing(argv: readonly string[]): string | undefined {
  const program = argv[0]!;
  return program.includes('/') && !existsSync(program)
    ? `${program} not built (node harness/peers/setup.mjs)`
    : undefined;
}

/** The reference peers' children have CURVE (MF-SEC-6): declared, so the kit checks it instead of skipping. */
const CURVE_CHILD = { MULTIFROST_CHILD_CAPABILITIES: 'curve' };

const targets: Target[] = [
  { name: 'TypeScript reference worker', args: ['--reference'], missing: undefined },
  ...PEER_LANGUAGES.map((language) => ({
    name: `${language} peer`,
    args: ['--', ...PEERS[language].child],
    env: CURVE_CHILD,
    missing: missing(PEERS[language].child),
  })),
  {
    name: 'go peer with PascalCase names',
    args: ['--names', 'pascal', '--', ...PEERS.go.child],
    env: { MULTIFROST_NAME_STYLE: 'pascal', ...CURVE_CHILD },
    missing: missing(PEERS.go.child),
  },
  ...PEER_LANGUAGES.map((language) => ({
    name: `${language} reference driver`,
    args: ['--role', 'parent', '--', ...PEERS[language].parentDriver],
    missing: missing(PEERS[language].parentDriver),
    // The Python, Go and Rust drivers are minimal: they declare neither a breaker nor auto-restart, and their
    // parents speak the profile they are told (no probe).
    allowedSkip: /does not declare the capability "(breaker|restart|probe)"/,
  })),
];

const repeat = Math.max(1, Number(process.env['MF_CONFORM_REPEAT'] ?? 1));
const load = Math.max(0, Number(process.env['MF_CONFORM_CPU_LOAD'] ?? 0));

describe('every MUST scenario passes against the reference implementations, in both roles', { concurrency: 2 }, () => {
  const burners: Array<ReturnType<typeof spawn>> = [];
  before(() => {
    for (let i = 0; i < load; i++) burners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  });
  after(() => {
    for (const burner of burners) burner.kill('SIGKILL');
  });

  for (const target of targets) {
    for (let round = 1; round <= repeat; round++) {
      const label = repeat > 1 ? ` (run ${round} of ${repeat})` : '';
      it(`${target.name}: every @must scenario passes${label}`, { skip: target.missing ?? false }, async (t) => {
        const dir = mkdtempSync(join(tmpdir(), 'mf-peer-'));
        t.after(() => rmSync(dir, { recursive: true, force: true }));
        const child = !target.args.includes('parent');
        const result = await runCli(
          t,
          ['--tags', '@must', '--quiet', ...(child ? ['--timing'] : []), '--json', join(dir, 'r.json'), ...target.args],
          target.env ?? {},
          300_000,
        );
        const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as {
          scenarios: Array<{
            id: string;
            name: string;
            verdict: string;
            reason?: string;
            failure?: { message: string };
          }>;
          extras: Array<{ title: string; clauses?: string[]; checked?: boolean; violated?: boolean; lines: string[] }>;
          coverage: Array<{ id: string; outcome: string; reason?: string }>;
        };
        const bad = report.scenarios
          .filter(
            (s) =>
              s.verdict !== 'pass' && !(s.verdict === 'skipped' && target.allowedSkip?.test(s.reason ?? '') === true),
          )
          .map(
            (s) =>
              `${s.verdict} ${s.id} ${s.name}: ${s.reason ?? s.failure?.message.split('\n').slice(0, 3).join(' / ') ?? ''}`,
          );
        assert.deepEqual(bad, [], `non-passing MUST scenarios against the ${target.name}`);
        assert.ok(
          report.scenarios.length >= (target.args.includes('parent') ? 15 : 50),
          `the catalogue ran (${report.scenarios.length} scenarios)`,
        );
        if (child) {
          const timing = report.extras.find((e) => e.clauses?.includes('MF-SVC-3'));
          assert.ok(timing?.checked === true, `the timing section ran: ${JSON.stringify(timing)}`);
          const svc3 = report.coverage.find((c) => c.id === 'MF-SVC-3');
          assert.equal(svc3?.outcome, 'pass', `MF-SVC-3 against the ${target.name}: ${timing.lines.join(' / ')}`);
        }
        assert.equal(result.code, 0, result.stdout + result.stderr);
      });
    }
  }
});
