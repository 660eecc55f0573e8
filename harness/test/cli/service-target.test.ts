/**
 * `--service <id>`: the kit connects to a worker already running in connect mode, found through the
 * service registry (MULTIFROST_HOME points at a temporary directory, as the registry tests do).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireBuild, runCli, startService } from './cli-process.js';

test('--service runs the catalogue against a connect-mode worker found in the registry', async (t) => {
  requireBuild();
  const home = mkdtempSync(join(tmpdir(), 'mf-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  await startService(t, { serviceId: 'cli-test-service', home });
  const result = await runCli(t, ['--service', 'cli-test-service', '--tags', '@MF-SVC-1 and @call', '--quiet'], {
    MULTIFROST_HOME: home,
  });
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    /^multifrost-conform: PASS service 'cli-test-service' \[v3\] \d+ scenarios: \d+ passed, 0 failed/m,
  );
  const missing = await runCli(t, ['--service', 'no-such-service', '--quiet'], { MULTIFROST_HOME: home });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no-such-service/);
});

test('--service against a CURVE service (MF-SEC-7): the kit connects as a CURVE client of the key the entry publishes', async (t) => {
  requireBuild();
  const home = mkdtempSync(join(tmpdir(), 'mf-home-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  await startService(t, { serviceId: 'curve-service', home, env: { MULTIFROST_CURVE: '1' } });
  const entry = (
    JSON.parse(readFileSync(join(home, 'services.json'), 'utf8')) as Record<string, Record<string, unknown>>
  )['curve-service'];
  assert.equal(typeof entry?.['curve_public_key'], 'string', 'the service published its key');
  const result = await runCli(
    t,
    ['--service', 'curve-service', '--tags', '(@MF-SVC-1 and @call) or @MF-SEC-7', '--json', join(home, 'r.json')],
    { MULTIFROST_HOME: home, MULTIFROST_CHILD_CAPABILITIES: 'curve' },
  );
  assert.equal(result.code, 0, result.stdout + result.stderr);
  const report = JSON.parse(readFileSync(join(home, 'r.json'), 'utf8')) as {
    scenarios: Array<{ id: string; verdict: string; clauses: Array<{ id: string }> }>;
  };
  const notPassed = report.scenarios.filter((s) => s.verdict !== 'pass').map((s) => `${s.id} ${s.verdict}`);
  assert.deepEqual(notPassed, []);
  assert.ok(
    report.scenarios.some((s) => s.clauses.some((c) => c.id === 'MF-SEC-7')),
    'the MF-SEC-7 scenario ran',
  );
  assert.ok(report.scenarios.filter((s) => s.clauses.some((c) => c.id === 'MF-SVC-1')).length >= 6, 'the calls ran');
});
