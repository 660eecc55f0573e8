// The registry lock on the in-memory store and a VirtualClock: creation, staleness, polling, timeout, release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, RegistryError } from '../../../src/errors.js';
import { lockHolderPid, RegistryLock, resolveRegistryOptions } from '../../../src/registry/index.js';
import { assertCode, memoryWorld, track, type MemoryWorld } from './registry-test-kit.js';

function lockFor(
  world: MemoryWorld,
  pid = world.processes.spawn(),
  overrides: { lockStaleMs?: number } = {},
): RegistryLock {
  return new RegistryLock(
    resolveRegistryOptions({
      store: world.store,
      clock: world.clock,
      processProbe: world.processes,
      pid,
      ...overrides,
    }),
  );
}

test('MF-REG-3: the lock holds the owner pid on its first line and release removes it', async () => {
  const world = memoryWorld();
  const held = await lockFor(world, 777).acquire();
  world.processes.add(777);
  assert.equal(lockHolderPid(world.store.currentLock?.content ?? ''), 777);
  assert.match(world.store.currentLock?.content ?? '', /^777\n[0-9a-f]{16}\n$/);
  await held.release();
  await held.release();
  assert.equal(world.store.currentLock, undefined);
});

test('MF-REG-4: a lock whose owner pid is dead is broken at once', async () => {
  const world = memoryWorld();
  const dead = world.processes.spawn();
  world.processes.kill(dead);
  world.store.setLock(`${dead}\n`);
  const held = await lockFor(world).acquire();
  assert.equal(world.clock.nowMs(), 0);
  assert.equal(world.store.currentLock?.content, held.content);
});

test('MF-REG-4, MF-REG-5: a live lock is waited for, polling every 100 ms, and taken at the first poll after its release', async () => {
  const world = memoryWorld();
  const holder = lockFor(world);
  const first = await holder.acquire();
  const attempts: number[] = [];
  const create = world.store.createLock.bind(world.store);
  world.store.createLock = (content) => {
    attempts.push(world.clock.nowMs());
    return create(content);
  };
  const second = track(lockFor(world).acquire());
  await world.clock.advanceBy(350);
  assert.equal(second.settled, false);
  await first.release();
  await world.clock.advanceBy(49);
  assert.equal(second.settled, false, 'no attempt between polls');
  await world.clock.advanceBy(1);
  await second.done;
  assert.ok(second.value !== undefined);
  assert.deepEqual(attempts, [0, 100, 200, 300, 400]);
});

test('MF-REG-4: a live lock 10 s old is stale; at 9 999 ms it is not', async () => {
  const world = memoryWorld();
  const holder = world.processes.spawn();
  world.store.setLock(`${holder}\n`, world.clock.epochMs() - 9_950);
  const waiter = track(lockFor(world).acquire());
  await world.clock.advanceBy(49);
  assert.equal(waiter.settled, false, 'age 9 999 ms: still live');
  await world.clock.advanceBy(51);
  await waiter.done;
  assert.ok(waiter.value !== undefined, 'broken at the 100 ms poll, age 10 050 ms');
  assert.equal(lockHolderPid(world.store.currentLock?.content ?? ''), lockHolderPid(waiter.value.content));
});

test('MF-REG-4: a lock naming no pid (empty: its creator died before writing) ages out after 10 s', async () => {
  const world = memoryWorld();
  world.store.setLock('');
  const waiter = track(lockFor(world).acquire());
  await world.clock.advanceBy(9_999);
  assert.equal(waiter.settled, false);
  await world.clock.advanceBy(1);
  await waiter.done;
  assert.ok(waiter.value !== undefined);
});

test("MF-REG-4: with the default settings a stuck live holder loses its lock at the waiter's last poll (10 s), and its late release does not remove the new lock", async () => {
  const world = memoryWorld();
  const stuck = await lockFor(world).acquire();
  const waiter = track(lockFor(world).acquire());
  await world.clock.advanceBy(9_999);
  assert.equal(waiter.settled, false);
  await world.clock.advanceBy(1);
  await waiter.done;
  assert.ok(waiter.value !== undefined);
  await stuck.release();
  assert.equal(world.store.currentLock?.content, waiter.value.content, 'release removes only our own lock');
});

test('MF-REG-5: acquisition gives up at exactly 10 s with MF_REGISTRY naming the lock file and its holder', async () => {
  const world = memoryWorld();
  // A longer staleness than the timeout isolates the timeout rule (with the defaults the lock would be broken).
  await lockFor(world, world.processes.spawn(), { lockStaleMs: 60_000 }).acquire();
  const holderPid = lockHolderPid(world.store.currentLock?.content ?? '');
  const waiter = track(lockFor(world, world.processes.spawn(), { lockStaleMs: 60_000 }).acquire());
  await world.clock.advanceBy(9_999);
  assert.equal(waiter.settled, false);
  await world.clock.advanceBy(1);
  await waiter.done;
  const error = assertCode(waiter.error, ErrorCode.REGISTRY);
  assert.ok(error instanceof RegistryError);
  assert.equal(error.details.lockPath, world.store.lockPath);
  assert.equal(error.details.holderPid, holderPid);
  assert.ok(error.message.includes(world.store.lockPath), error.message);
  assert.ok(error.message.includes(`pid ${holderPid}`), error.message);
  assert.equal(world.clock.pendingTimerCount, 0, 'no timer left behind');
});

test('MF-REG-3: two registries in one process (same pid) exclude each other; the token keeps their locks apart', async () => {
  const world = memoryWorld();
  const pid = world.processes.spawn();
  const a = world.registryAs(pid);
  const b = world.registryAs(pid);
  const first = await lockFor(world, pid).acquire();
  const blocked = track(a.register('svc-a', 40_100));
  await world.clock.advanceBy(100);
  assert.equal(blocked.settled, false, 'the other registry of the same pid waits');
  await first.release();
  await world.clock.advanceBy(100);
  await blocked.done;
  assert.equal(blocked.value?.port, 40_100);
  await b.register('svc-b', 40_101);
  assert.deepEqual(Object.keys(await a.list()).sort(), ['svc-a', 'svc-b']);
});

test('MF-REG-3: every mutation releases the lock, also when it fails', async () => {
  const world = memoryWorld();
  const owner = world.registryAs();
  await owner.register('svc', 40_110);
  await assert.rejects(world.registryAs().register('svc', 40_111));
  assert.equal(world.store.currentLock, undefined);
  world.store.setRegistryText('[]');
  await assert.rejects(owner.unregister('svc'));
  assert.equal(world.store.currentLock, undefined);
});

test('lockHolderPid reads the first line only and refuses non-pids', () => {
  assert.equal(lockHolderPid('123\nabc\n'), 123);
  assert.equal(lockHolderPid(' 42 \n'), 42);
  assert.equal(lockHolderPid('42'), 42);
  assert.equal(lockHolderPid(''), undefined);
  assert.equal(lockHolderPid('0\n'), undefined);
  assert.equal(lockHolderPid('-5\n'), undefined);
  assert.equal(lockHolderPid('{"pid":5}'), undefined);
});
