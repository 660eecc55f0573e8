// The lock cases an outside probe found (issue 15), each reproduced: odd files at the registry's names
// (dangling symbolic link, FIFO), a lock dated in the future, a zombie holder, leftovers of killed writers,
// a lock seen without its pid, a lock removed while another process held its claim, and a holder whose lock
// was broken before it wrote. Time-dependent rules run on the virtual clock; file rules in mkdtemp dirs.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/errors.js';
import {
  isZombie,
  RegistryFileError,
  ServiceRegistry,
  lockHolderPid,
  type RegistryFileSnapshot,
} from '../../../src/registry/index.js';
import { realClock } from '../../../src/time/real-clock.js';
import { memoryWorld, rejectsWith, track } from './registry-test-kit.js';

async function home(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mf-registry-hard-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const baseDir = join(dir, '.multifrost');
  await mkdir(baseDir, { mode: 0o700 });
  return baseDir;
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

/** Settles `promise`, or fails the test when it has not settled after `ms` (a hang or a spin). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms (hangs or spins)`)), ms);
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    clearTimeout(timer);
  }
}

async function rejectsWithFileError(promise: Promise<unknown>, path: string, found: string): Promise<void> {
  const error = await rejectsWith(within(3_000, promise), ErrorCode.REGISTRY);
  assert.ok(error instanceof RegistryFileError, `a RegistryFileError, got ${error.constructor.name}: ${error.message}`);
  assert.equal(error.path, path);
  assert.equal(error.found, found);
  assert.ok(error.message.includes(path), error.message);
}

test('MF-REG-15: a dangling symbolic link at services.lock fails register at once with RegistryFileError (it used to spin for ever)', async (t) => {
  const baseDir = await home(t);
  await symlink(join(baseDir, 'nowhere'), join(baseDir, 'services.lock'));
  const registry = new ServiceRegistry({ baseDir, lockTimeoutMs: 2_000 });
  const started = realClock.nowMs();
  await rejectsWithFileError(registry.register('svc', 44_000), registry.lockPath, 'symbolic link');
  assert.ok(realClock.nowMs() - started < 1_000, 'at once, not at the lock timeout');
});

test('MF-REG-15: a FIFO at services.lock or services.json fails register and discover at once (they used to hang)', async (t) => {
  for (const name of ['services.lock', 'services.json']) {
    const baseDir = await home(t);
    execFileSync('mkfifo', ['-m', '600', join(baseDir, name)]);
    const registry = new ServiceRegistry({ baseDir, lockTimeoutMs: 2_000 });
    await rejectsWithFileError(registry.register('svc', 44_001), join(baseDir, name), 'FIFO');
    if (name === 'services.json')
      await rejectsWithFileError(registry.discover('svc', { timeoutMs: 1_000 }), registry.registryPath, 'FIFO');
    assert.ok((await stat(join(baseDir, name))).isFIFO(), 'the FIFO is left in place');
  }
});

test('MF-REG-15: a directory or a symbolic link at services.json is refused, never followed or replaced', async (t) => {
  const baseDir = await home(t);
  await writeFile(join(baseDir, 'target.json'), '{}\n');
  await symlink(join(baseDir, 'target.json'), join(baseDir, 'services.json'));
  const registry = new ServiceRegistry({ baseDir });
  await rejectsWithFileError(registry.register('svc', 44_002), registry.registryPath, 'symbolic link');
  assert.equal(await readFile(join(baseDir, 'target.json'), 'utf8'), '{}\n');
  await rm(join(baseDir, 'services.json'));
  await mkdir(join(baseDir, 'services.json'));
  await rejectsWithFileError(registry.register('svc', 44_002), registry.registryPath, 'directory');
});

test('MF-REG-16: a lock dated 10 s or more in the future is stale at once; one 3 s ahead is waited for', async () => {
  const world = memoryWorld();
  const holder = world.processes.spawn();
  world.store.setLock(`${holder}\nfuture\n`, world.clock.epochMs() + 10_000);
  await world.registryAs(undefined, { lockTimeoutMs: 0 }).register('far', 44_010);
  world.store.setLock(`${holder}\nsoon\n`, world.clock.epochMs() + 3_000);
  const waiter = track(world.registryAs().register('near', 44_011));
  await world.clock.advanceBy(2_000);
  assert.equal(waiter.settled, false, 'a lock slightly ahead (a clock step) is live');
  assert.equal(world.store.currentLock?.content, `${holder}\nsoon\n`);
});

test('MF-REG-16: on disk, a lock with a live pid dated 60 s in the future is broken at once (it used to never expire)', async (t) => {
  const baseDir = await home(t);
  const lockPath = join(baseDir, 'services.lock');
  await writeFile(lockPath, `${process.pid}\n`);
  const future = (realClock.epochMs() + 60_000) / 1000;
  await utimes(lockPath, future, future);
  await new ServiceRegistry({ baseDir, lockTimeoutMs: 0 }).register('svc', 44_012);
});

test('MF-REG-18: a lock whose holder is a zombie (exited, never reaped) is broken at once, not after 10 s', async (t) => {
  const baseDir = await home(t);
  // A parent that forks a child which exits at once, and never waits for it: a zombie with a known pid. (A shell
  // running `true & exec sleep 30` was used before, but a shell may reap the child itself before the exec when
  // the child exits first, which a loaded machine made happen: then no zombie ever appeared.)
  const parent = spawn(
    'python3',
    ['-c', 'import os, sys, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  t.after(() => parent.kill('SIGKILL'));
  const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
  const zombie = Number(line.toString().trim());
  // The child exits at once; on a loaded machine it may take a while to be scheduled: wait for the event.
  for (let i = 0; i < 1000 && !isZombie(zombie); i++) await realClock.sleep(10);
  assert.ok(isZombie(zombie), `pid ${zombie} is a zombie`);
  await writeFile(join(baseDir, 'services.lock'), `${zombie}\n`);
  await new ServiceRegistry({ baseDir, lockTimeoutMs: 0 }).register('svc', 44_020);
});

test('MF-REG-17: temporary files and claims of dead writers are removed by the next writer; a live young one is kept', async (t) => {
  const baseDir = await home(t);
  const dead = await deadPid();
  const leftovers = [
    `services.json.tmp-${dead}-0a1b2c`,
    `services.lock.tmp-${dead}-3d4e5f`,
    'services.lock.12345.claim',
  ];
  for (const name of leftovers)
    await writeFile(join(baseDir, name), name.endsWith('.claim') ? `${dead}\nabc\n` : 'partial');
  const oldLive = `services.json.tmp-${process.pid}-777777`;
  await writeFile(join(baseDir, oldLive), 'stalled');
  const longAgo = (realClock.epochMs() - 60_000) / 1000;
  await utimes(join(baseDir, oldLive), longAgo, longAgo);
  const youngLive = `services.json.tmp-${process.pid}-abcdef`;
  await writeFile(join(baseDir, youngLive), 'in progress');
  await new ServiceRegistry({ baseDir }).register('svc', 44_030);
  assert.deepEqual((await readdir(baseDir)).sort(), ['services.json', youngLive].sort());
});

test('MF-REG-13: a reader looking at services.lock throughout 80 registrations and unregistrations never finds it without its pid', async (t) => {
  const baseDir = await home(t);
  const registry = new ServiceRegistry({ baseDir });
  let reads = 0;
  let withoutPid = 0;
  let running = true;
  const reader = (async () => {
    while (running) {
      const content = await readFile(join(baseDir, 'services.lock'), 'utf8').catch(() => undefined);
      if (content !== undefined) {
        reads++;
        if (lockHolderPid(content) === undefined) withoutPid++;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();
  for (let i = 0; i < 80; i++)
    await registry[i % 2 === 0 ? 'register' : 'unregister']('svc', 44_040).catch(() => undefined);
  running = false;
  await reader;
  t.diagnostic(`${reads} reads found the lock, ${withoutPid} without a pid`);
  assert.equal(withoutPid, 0);
});

test('MF-REG-14: a stale lock whose claim a live process holds is left alone until the claim goes, then broken', async (t) => {
  const baseDir = await home(t);
  const lockPath = join(baseDir, 'services.lock');
  const staleContent = `${await deadPid()}\n`;
  await writeFile(lockPath, staleContent);
  const inode = (await stat(lockPath, { bigint: true })).ino.toString();
  const claimPath = `${lockPath}.${inode}.claim`;
  await writeFile(claimPath, `${process.pid}\nkit-claim\n`);
  await rejectsWith(new ServiceRegistry({ baseDir, lockTimeoutMs: 300 }).register('svc', 44_050), ErrorCode.REGISTRY);
  assert.equal(await readFile(lockPath, 'utf8'), staleContent, 'the claimed lock is not removed by another process');
  await rm(claimPath);
  await new ServiceRegistry({ baseDir, lockTimeoutMs: 0 }).register('svc', 44_050);
  assert.deepEqual(await readdir(baseDir), ['services.json']);
});

test('MF-REG-14: a claim left by a dead claimer does not block: it is cleared and the stale lock broken at once', async (t) => {
  const baseDir = await home(t);
  const lockPath = join(baseDir, 'services.lock');
  const dead = await deadPid();
  await writeFile(lockPath, `${dead}\n`);
  const inode = (await stat(lockPath, { bigint: true })).ino.toString();
  await writeFile(`${lockPath}.${inode}.claim`, `${dead}\nbreaker\n`);
  await new ServiceRegistry({ baseDir, lockTimeoutMs: 0 }).register('svc', 44_051);
  assert.deepEqual(await readdir(baseDir), ['services.json']);
});

test('MF-REG-14: a holder whose lock was broken while it held it writes nothing over the new holder, and redoes its operation', async () => {
  const world = memoryWorld();
  const registry = world.registryAs();
  const other = world.processes.spawn();
  const read = world.store.readRegistry.bind(world.store);
  let interfered = false;
  world.store.readRegistry = async (): Promise<RegistryFileSnapshot | undefined> => {
    const snapshot = await read();
    if (!interfered) {
      interfered = true;
      // While we hold the lock (our read in hand), another process breaks it, takes its own and registers.
      world.store.setLock(`${other}\nother-token\n`);
      world.store.setRegistryText(
        `{"theirs": {"port": 44061, "pid": ${other}, "started": "2026-01-01T00:00:00.000Z"}}\n`,
      );
    }
    return snapshot;
  };
  const pending = track(registry.register('mine', 44_060));
  await world.clock.advanceBy(50);
  assert.equal(pending.settled, false, 'it waits for the new holder');
  world.store.readRegistry = read;
  const theirs = world.store.currentLock!;
  const claim = await world.store.claimLock(theirs, theirs.content);
  assert.equal(claim.kind, 'claimed');
  if (claim.kind === 'claimed') await claim.claim.removeLock(); // the other process is done
  await world.clock.advanceBy(100);
  await pending.done;
  assert.equal(pending.error, undefined);
  assert.deepEqual(Object.keys(JSON.parse(world.store.registryText ?? '{}') as object).sort(), ['mine', 'theirs']);
});
