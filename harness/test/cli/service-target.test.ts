/**
 * `--service <id>`: the kit connects to a worker already running in connect mode, found through the
 * service registry (MULTIFROST_HOME points at a temporary directory, as the registry tests do).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
