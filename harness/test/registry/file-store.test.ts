// The registry on the real file system, each test in its own mkdtemp directory (never the real home).
import { realClock } from '../../../src/time/real-clock.js';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, RegistryError } from '../../../src/errors.js';
import {
  FileRegistryStore,
  RegistryLock,
  realProcessProbe,
  resolveRegistryOptions,
  ServiceRegistry,
} from '../../../src/registry/index.js';
import { rejectsWith } from './registry-test-kit.js';

async function tempBase(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mf-registry-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, '.multifrost');
}

/** A pid that certainly belonged to a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  await once(child, 'exit');
  assert.ok(pid !== undefined);
  return pid;
}

test('MF-REG-1: the registry lives at $MULTIFROST_HOME/services.json, else ~/.multifrost; an option wins', async (t) => {
  const base = await tempBase(t);
  const fromEnv = new ServiceRegistry({ env: { MULTIFROST_HOME: base } });
  assert.equal(fromEnv.registryPath, join(base, 'services.json'));
  assert.equal(fromEnv.lockPath, join(base, 'services.lock'));
  await fromEnv.register('svc', 40_400);
  assert.equal(
    (JSON.parse(await readFile(join(base, 'services.json'), 'utf8')) as Record<string, { port: number }>)['svc']?.port,
    40_400,
  );
  const fallback = resolveRegistryOptions({ env: { MULTIFROST_HOME: '' } });
  assert.match(fallback.baseDir, /\.multifrost$/);
  assert.equal(resolveRegistryOptions({ baseDir: '/x', env: { MULTIFROST_HOME: base } }).baseDir, '/x');
});

test('MF-REG-11: the directory is created 0700 and the file 0600 even under a umask that would strip owner bits', async (t) => {
  const base = await tempBase(t);
  const previous = process.umask(0o277); // without explicit chmod the file would be 0400 and the directory 0500
  try {
    await new ServiceRegistry({ baseDir: base }).register('svc', 40_401);
  } finally {
    process.umask(previous);
  }
  assert.equal((await stat(base)).mode & 0o777, 0o700);
  assert.equal((await stat(join(base, 'services.json'))).mode & 0o777, 0o600);
});

test('MF-REG-6: writes leave no temporary file and the lock is gone after each operation', async (t) => {
  const base = await tempBase(t);
  const registry = new ServiceRegistry({ baseDir: base });
  await registry.register('a', 40_402);
  await registry.register('b', 40_403);
  await registry.unregister('a');
  assert.deepEqual(await readdir(base), ['services.json']);
  assert.deepEqual(Object.keys(await registry.list()), ['b']);
});

test('MF-REG-3: while held, services.lock holds our pid on its first line; a second O_EXCL create fails', async (t) => {
  const base = await tempBase(t);
  const store = new FileRegistryStore({ baseDir: base });
  const lock = new RegistryLock(resolveRegistryOptions({ store }));
  const held = await lock.acquire();
  const content = await readFile(join(base, 'services.lock'), 'utf8');
  assert.equal(content.split('\n')[0], String(process.pid));
  assert.equal(await store.createLock('other\n'), false);
  await held.release();
  assert.deepEqual(await readdir(base), []);
});

test('MF-REG-4: on disk, a lock left by a dead pid is broken at once, and a live one older than 10 s (mtime) too', async (t) => {
  const base = await tempBase(t);
  const registry = new ServiceRegistry({ baseDir: base });
  const lockPath = join(base, 'services.lock');
  await registry.register('first', 40_404); // creates the directory
  await writeFile(lockPath, `${await deadPid()}\n`);
  await registry.register('second', 40_405);
  await writeFile(lockPath, `${process.pid}\nsomeone-else\n`);
  const old = new Date(realClock.epochMs() - 11_000);
  await utimes(lockPath, old, old);
  await registry.register('third', 40_406);
  assert.deepEqual(Object.keys(await registry.list()).sort(), ['first', 'second', 'third']);
  assert.deepEqual((await readdir(base)).sort(), ['services.json']);
});

test('MF-REG-5: on disk, a fresh live lock makes a short-timeout registration fail with MF_REGISTRY naming the lock', async (t) => {
  const base = await tempBase(t);
  const registry = new ServiceRegistry({ baseDir: base, lockTimeoutMs: 250 });
  await registry.register('first', 40_407);
  const lockPath = join(base, 'services.lock');
  await writeFile(lockPath, `${process.pid}\nnot-ours\n`);
  const error = await rejectsWith(registry.register('second', 40_408), ErrorCode.REGISTRY);
  assert.ok(error instanceof RegistryError);
  assert.equal(error.details.lockPath, lockPath);
  assert.equal(error.details.holderPid, process.pid);
  assert.equal(await readFile(lockPath, 'utf8'), `${process.pid}\nnot-ours\n`, 'a live foreign lock is left alone');
});

const BAD_FILES: Array<[string, string]> = [
  ['empty', ''],
  ['truncated', '{\n  "other": {"port": 40500, "pid": 1, "started": "2026-01-01T00:'],
  ['array', '[{"port": 40500, "pid": 1}]'],
];

for (const [name, text] of BAD_FILES) {
  test(`MF-REG-7: on disk, an ${name} registry file is moved aside with its content intact and the error names both paths`, async (t) => {
    const base = await tempBase(t);
    const registry = new ServiceRegistry({ baseDir: base });
    await registry.register('seed', 40_409); // makes the directory
    const path = join(base, 'services.json');
    await writeFile(path, text);
    const error = await rejectsWith(registry.register('svc', 40_410), ErrorCode.REGISTRY);
    assert.ok(error instanceof RegistryError);
    const movedTo = error.details.movedToPath;
    assert.ok(movedTo !== undefined && movedTo.startsWith(`${path}.corrupt-`), movedTo);
    assert.equal(await readFile(movedTo, 'utf8'), text);
    assert.ok(error.message.includes(path) && error.message.includes(movedTo));
    await registry.register('svc', 40_410);
    assert.deepEqual(Object.keys(await registry.list()), ['svc']);
    assert.equal(await readFile(movedTo, 'utf8'), text, 'the kept file is never touched again');
  });
}

test('MF-REG-12: on disk, a wrong-typed port of another service survives every write byte for byte', async (t) => {
  const base = await tempBase(t);
  const registry = new ServiceRegistry({ baseDir: base });
  await registry.register('seed', 40_411);
  await registry.unregister('seed');
  const wrong = `{"port": "40412", "pid": ${process.pid}, "started": "2026-01-01T00:00:00Z", "note": "kept"}`;
  await writeFile(join(base, 'services.json'), `{"wrong": ${wrong}}`);
  await registry.register('svc', 40_413);
  await registry.unregister('svc');
  const text = await readFile(join(base, 'services.json'), 'utf8');
  assert.equal(text, `{\n  "wrong": ${wrong}\n}\n`);
  await rejectsWith(registry.discover('wrong', { timeoutMs: 0 }), ErrorCode.SERVICE_NOT_FOUND);
});

test('MF-SEC-4: a registry file that reads as owned by another uid is refused by discovery (injected stat)', async (t) => {
  const base = await tempBase(t);
  await new ServiceRegistry({ baseDir: base }).register('svc', 40_414);
  const store = new FileRegistryStore({ baseDir: base, statRegistryFile: () => Promise.resolve({ uid: 4242 }) });
  const wary = new ServiceRegistry({ baseDir: base, store, trustedUid: 1000 });
  const error = await rejectsWith(wary.discover('svc', { timeoutMs: 0 }), ErrorCode.REGISTRY);
  assert.match(error.message, /uid 4242.*uid 1000/);
  const trusting = new ServiceRegistry({ baseDir: base, store, trustedUid: null });
  assert.equal((await trusting.discover('svc', { timeoutMs: 0 })).port, 40_414);
});

test('real process probe: our pid is alive, a reaped pid is dead, 0 and negatives are never alive, EPERM counts as alive', async (t) => {
  assert.equal(realProcessProbe.isAlive(process.pid), true);
  assert.equal(realProcessProbe.isAlive(await deadPid()), false);
  for (const pid of [0, -1, 1.5, Number.NaN]) assert.equal(realProcessProbe.isAlive(pid), false);
  t.mock.method(process, 'kill', () => {
    throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
  });
  assert.equal(realProcessProbe.isAlive(12_345), true);
});

test('the base directory is made again when it was deleted between two operations', async (t) => {
  const base = await tempBase(t);
  const registry = new ServiceRegistry({ baseDir: base });
  await registry.register('a', 40_415);
  await rm(base, { recursive: true });
  await registry.register('b', 40_416);
  assert.deepEqual(Object.keys(await registry.list()), ['b']);
  assert.equal((await stat(base)).mode & 0o777, 0o700);
});
