// CRASH: real processes killed with SIGKILL, a lock holder and a registered service.
import { realClock } from '../../../src/time/real-clock.js';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/errors.js';
import { lockHolderPid, ServiceRegistry } from '../../../src/registry/index.js';
import { rejectsWith } from './registry-test-kit.js';
import { spawnScript } from './spawned.js';

async function tempBase(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mf-registry-crash-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, '.multifrost');
}

test(
  'MF-REG-4: a lock holder killed with SIGKILL while holding the lock: a waiting registration takes it within 10 s',
  { timeout: 30_000 },
  async (t) => {
    const baseDir = await tempBase(t);
    const holder = spawnScript(t, 'registry-process.ts', ['hold-lock', baseDir]);
    await holder.message('locked');
    assert.equal(lockHolderPid(await readFile(join(baseDir, 'services.lock'), 'utf8')), holder.pid);
    const registry = new ServiceRegistry({ baseDir });
    let settled = false;
    const registering = registry.register('svc', 41_600).finally(() => (settled = true));
    // The holder is alive: the registration must still be waiting after a few of its 100 ms polls.
    const probe = new ServiceRegistry({ baseDir, lockTimeoutMs: 300 });
    await rejectsWith(probe.register('probe', 41_601), ErrorCode.REGISTRY);
    assert.equal(settled, false, 'no registration while a live process holds the lock');
    const killedAt = realClock.nowMs();
    holder.child.kill('SIGKILL');
    await holder.exited;
    const entry = await registering;
    const tookMs = realClock.nowMs() - killedAt;
    t.diagnostic(`lock taken ${Math.round(tookMs)} ms after SIGKILL`);
    assert.ok(tookMs < 10_000, `took ${tookMs} ms`);
    assert.equal(entry.port, 41_600);
    assert.equal((await registry.discover('svc', { timeoutMs: 0 })).pid, process.pid);
  },
);

test(
  'MF-REG-4: a lock file left behind by a killed process is broken by the next process at once',
  { timeout: 30_000 },
  async (t) => {
    const baseDir = await tempBase(t);
    const holder = spawnScript(t, 'registry-process.ts', ['hold-lock', baseDir]);
    await holder.message('locked');
    holder.child.kill('SIGKILL');
    await holder.exited;
    const lockPath = join(baseDir, 'services.lock');
    assert.equal(lockHolderPid(await readFile(lockPath, 'utf8')), holder.pid, 'the dead owner lock is still on disk');
    // lockTimeoutMs 0: a single attempt, so success proves the stale lock was broken without waiting.
    await new ServiceRegistry({ baseDir, lockTimeoutMs: 0 }).register('svc', 41_610);
  },
);

test(
  'MF-REG-8, MF-REG-10: a service killed with SIGKILL is not discovered, and its id can be registered again',
  { timeout: 30_000 },
  async (t) => {
    const baseDir = await tempBase(t);
    const service = spawnScript(t, 'registry-process.ts', ['serve', baseDir, 'svc', '41620']);
    await service.message('registered');
    const registry = new ServiceRegistry({ baseDir });
    const live = await registry.discover('svc', { timeoutMs: 0 });
    assert.deepEqual([live.pid, live.port], [service.pid, 41_620]);
    await rejectsWith(registry.register('svc', 41_621), ErrorCode.ALREADY_REGISTERED);
    service.child.kill('SIGKILL');
    await service.exited;
    const error = await rejectsWith(registry.discover('svc', { timeoutMs: 300 }), ErrorCode.SERVICE_NOT_FOUND);
    assert.match(error.message, new RegExp(`pid ${service.pid} is dead \\(port 41620\\)`));
    const again = await registry.register('svc', 41_621);
    assert.deepEqual([again.pid, again.port], [process.pid, 41_621]);
    assert.equal((await registry.discover('svc', { timeoutMs: 0 })).port, 41_621);
    assert.equal(await registry.unregister('svc'), true);
  },
);
