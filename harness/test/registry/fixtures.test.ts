// The sample registry files in fixtures/registry, each through the real file store: the documented behaviour,
// and no entry of another service is lost (either still in services.json, or kept in the moved-aside file).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, RegistryError } from '../../../src/errors.js';
import { ServiceRegistry } from '../../../src/registry/index.js';
import { rejectsWith } from './registry-test-kit.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/registry/', import.meta.url));

async function registryWith(
  t: TestContext,
  fixture: string,
): Promise<{ registry: ServiceRegistry; original: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mf-registry-fixture-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const original = await readFile(join(fixtures, fixture), 'utf8');
  const path = join(dir, 'services.json');
  await mkdir(dir, { recursive: true });
  await writeFile(path, original, { mode: 0o600 });
  return { registry: new ServiceRegistry({ baseDir: dir }), original, path };
}

for (const fixture of ['empty.json', 'truncated.json', 'array.json']) {
  test(`MF-REG-7: ${fixture} is moved aside intact by a writer, the error names both paths, discovery only reports it`, async (t) => {
    const { registry, original, path } = await registryWith(t, fixture);
    const notFound = await rejectsWith(registry.discover('billing', { timeoutMs: 0 }), ErrorCode.SERVICE_NOT_FOUND);
    assert.match(notFound.message, /unusable/);
    assert.equal(await readFile(path, 'utf8'), original, 'discovery does not touch the file');
    const error = await rejectsWith(registry.register('mine', 40_710), ErrorCode.REGISTRY);
    assert.ok(error instanceof RegistryError && error.details.movedToPath !== undefined);
    assert.equal(await readFile(error.details.movedToPath, 'utf8'), original, 'every entry it held is kept aside');
    assert.ok(error.message.includes(path) && error.message.includes(error.details.movedToPath));
    await registry.register('mine', 40_710);
    assert.deepEqual(Object.keys(await registry.list()), ['mine']);
  });
}

test('MF-REG-12: wrong-typed-port.json: billing is ignored by discovery and kept byte for byte; search is found', async (t) => {
  const { registry, original, path } = await registryWith(t, 'wrong-typed-port.json');
  await rejectsWith(registry.discover('billing', { timeoutMs: 0 }), ErrorCode.SERVICE_NOT_FOUND);
  const search = await registry.discover('search', { timeoutMs: 0 });
  assert.deepEqual([search.port, search.extra], [40_701, { owner: 'team-a' }]);
  await registry.register('mine', 40_711);
  await registry.unregister('mine');
  assert.equal(
    await readFile(path, 'utf8'),
    original,
    'the file is back to its original bytes after register + unregister',
  );
});

test('MF-REG-2: go-start-time.json: start_time is read as started and extra keys are kept', async (t) => {
  const { registry } = await registryWith(t, 'go-start-time.json');
  assert.deepEqual(await registry.discover('go-service', { timeoutMs: 0 }), {
    port: 40_702,
    pid: 1,
    started: '2026-01-01T00:00:00Z',
    extra: { host: '127.0.0.1' },
  });
});
