// Real-process chaos, test size: calls over real ZeroMQ to a real reference worker process that is SIGKILLed
// at random moments (autoRestart on). Full size: node --import tsx harness/reliability/chaos-real.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chaosRealViolations, runChaosReal } from '../../reliability/chaos-real.js';
import { groupMembers, isRunning, orphansOf, waitFor } from '../../reliability/processes.js';

test('MF-LIFE-8/9: SIGKILLed children at random moments: no hang, no unhandled rejection, no orphan, typed errors only', async () => {
  const result = await runChaosReal({ calls: 800, kills: 3, seed: 3 });
  assert.deepEqual(chaosRealViolations(result), [], JSON.stringify(result));
  assert.equal(result.kills, 3);
  // The first child, then one per restart (the last kill's restart may be cut short by stop()).
  assert.ok(result.spawnedPids === 4 || result.spawnedPids === 3, `spawned ${result.spawnedPids}`);
  assert.ok(result.answered > 400, `answered ${result.answered}`);
  assert.equal(result.hangs + result.unhandledRejections + result.orphans.length, 0);
});

test('the orphan check sees a live process and its process group, and stops seeing them once killed', async (t) => {
  // A detached shell leading its own group, with a grandchild: exactly the shape of a worker behind a wrapper.
  const child = spawn('/bin/sh', ['-c', 'sleep 30 & wait'], { detached: true, stdio: 'ignore' });
  const pid = child.pid!;
  const exited = once(child, 'exit');
  t.after(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  assert.ok(await waitFor(async () => (await groupMembers(pid)).length >= 2));
  assert.ok(await isRunning(pid));
  const members = await groupMembers(pid);
  assert.ok(members.length >= 2, `group members: ${members.join(',')}`);
  assert.deepEqual((await orphansOf([pid])).sort(), members.sort());
  process.kill(-pid, 'SIGKILL');
  await exited;
  assert.ok(await waitFor(async () => (await orphansOf([pid])).length === 0));
  assert.deepEqual(await orphansOf([pid]), []);
});
