/**
 * Every MUST scenario of the catalogue passes against the TypeScript reference worker and against the
 * Python, Go and Rust reference peers (harness/peers; built by `node harness/peers/setup.mjs`), through the
 * compiled CLI over real ZeroMQ. A peer that is not built is skipped with the reason.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import { runCli } from './cli-process.js';

interface Target {
  name: string;
  args: string[];
  missing: string | undefined;
}

const targets: Target[] = [
  { name: 'TypeScript reference worker', args: ['--reference'], missing: undefined },
  ...PEER_LANGUAGES.map((language) => {
    const child = PEERS[language].child;
    const program = child[0]!;
    return {
      name: `${language} peer`,
      args: ['--', ...child],
      missing: program.includes('/') && !existsSync(program) ? `${program} not built (node harness/peers/setup.mjs)` : undefined,
    };
  }),
];

describe('all MUST scenarios pass against the reference implementations', { concurrency: 2 }, () => {
  for (const target of targets) {
    it(`${target.name}: every @must scenario passes`, { skip: target.missing ?? false }, async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'mf-peer-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const result = await runCli(t, ['--tags', '@must', '--quiet', '--json', join(dir, 'r.json'), ...target.args]);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { scenarios: Array<{ id: string; name: string; verdict: string; failure?: { message: string } }> };
      const bad = report.scenarios.filter((s) => s.verdict !== 'pass').map((s) => `${s.verdict} ${s.id} ${s.name}: ${s.failure?.message.split('\n').slice(0, 3).join(' / ') ?? ''}`);
      assert.deepEqual(bad, [], `non-passing MUST scenarios against the ${target.name}`);
      assert.ok(report.scenarios.length >= 50, `the catalogue ran (${report.scenarios.length} scenarios)`);
      assert.equal(result.code, 0, result.stdout + result.stderr);
    });
  }
});
