// Registry security on the real file system (issue #9): directory 0700 and file 0600 whatever the umask
// (MF-REG-11), and a registry file owned by another user is never used (MF-SEC-4), end to end: a connect-mode
// parent refuses to connect through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referenceWorkerPath } from '../../../src/conform/reference-worker.js';
import { ErrorCode, MultifrostError } from '../../../src/errors.js';
import { FileRegistryStore, ServiceRegistry } from '../../../src/registry/index.js';
import { resolveWorkerCommand } from '../../../src/worker/parent/command.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { fileServiceDiscovery } from '../../../src/worker/shared/registry-adapter.js';
import { waitFor } from '../../reliability/processes.js';

const OTHER_UID = 65_534; // nobody
const isRoot = process.getuid?.() === 0;

async function tempHome(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mf-registry-security-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A registry whose file reads as owned by another user: really chowned when we are root, otherwise through
 * the store's stat hook (the check under test is the same code either way).
 */
function registryAt(baseDir: string, ownerOverride?: () => number | undefined): ServiceRegistry {
  if (ownerOverride === undefined) return new ServiceRegistry({ baseDir });
  const store = new FileRegistryStore({
    baseDir,
    statRegistryFile: async (handle) => {
      const real = await handle.stat();
      return { uid: ownerOverride() ?? real.uid };
    },
  });
  return new ServiceRegistry({ baseDir, store });
}

async function makeForeign(path: string): Promise<(() => number | undefined) | undefined> {
  if (isRoot) {
    await chown(path, OTHER_UID, OTHER_UID);
    return undefined;
  }
  return () => OTHER_UID;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<MultifrostError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof MultifrostError, String(error));
  assert.equal(error.code, code, error.message);
  return error;
}

test('MF-REG-11: the registry directory is created 0700 and the file 0600, even with a permissive umask', async (t) => {
  const home = await tempHome(t);
  const baseDir = join(home, 'nested', '.multifrost');
  const previous = process.umask(0o000);
  try {
    await new ServiceRegistry({ baseDir }).register('svc', 45_678);
  } finally {
    process.umask(previous);
  }
  assert.equal((await stat(baseDir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(baseDir, 'services.json'))).mode & 0o777, 0o600);
});

test('MF-SEC-4: a registry file owned by another user is not trusted: discovery, listing and registration refuse it', async (t) => {
  const baseDir = await tempHome(t);
  const mine = new ServiceRegistry({ baseDir });
  await mine.register('svc', 45_679);
  // Control: our own file is used.
  assert.equal((await mine.discover('svc', { timeoutMs: 0 })).port, 45_679);
  const path = join(baseDir, 'services.json');
  const before = await readFile(path, 'utf8');
  const override = await makeForeign(path);
  const registry = registryAt(baseDir, override);
  await expectCode(registry.discover('svc', { timeoutMs: 0 }), ErrorCode.REGISTRY);
  await expectCode(registry.list(), ErrorCode.REGISTRY);
  await expectCode(registry.register('other', 45_680), ErrorCode.REGISTRY);
  assert.equal(await readFile(path, 'utf8'), before, 'the foreign file must be left exactly as it was');
  if (isRoot) assert.equal((await stat(path)).uid, OTHER_UID);
});

test(
  'MF-SEC-4, end to end: a parent does not connect through a registry entry written as another user',
  { skip: !isRoot && 'needs root to chown the file' },
  async (t) => {
    const home = await tempHome(t);
    const { command, args } = resolveWorkerCommand(referenceWorkerPath);
    const env: Record<string, string | undefined> = {
      ...process.env,
      MULTIFROST_HOME: home,
      MULTIFROST_SERVICE_ID: 'secure-svc',
    };
    delete env['COMLINK_ZMQ_PORT']; // connect mode
    const child = spawn(command, args, {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    const exited = once(child, 'exit');
    t.after(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid!, 'SIGKILL');
        await exited;
      }
    });
    const registry = new ServiceRegistry({ baseDir: home });
    // Control: with our own file, connect mode works.
    const trusted = await ParentWorker.connect('secure-svc', {
      discovery: await fileServiceDiscovery(registry),
      discoverTimeoutMs: 20_000,
      heartbeatIntervalMs: 0,
    });
    t.after(() => trusted.stop());
    await trusted.start();
    assert.equal(await trusted.callFunction('echo', ['over the wire']), 'over the wire');
    await trusted.stop();
    // The same entry, but the file now belongs to someone else: refused before any socket is opened.
    await chown(join(home, 'services.json'), OTHER_UID, OTHER_UID);
    await expectCode(
      ParentWorker.connect('secure-svc', { discovery: await fileServiceDiscovery(registry), discoverTimeoutMs: 0 }),
      ErrorCode.REGISTRY,
    );
    process.kill(child.pid!, 'SIGTERM');
    assert.ok(await waitFor(() => child.exitCode !== null || child.signalCode !== null, 10_000));
  },
);
