// MF-REG-7 on the in-memory store: a file that is not a JSON object is moved aside, never overwritten, and the
// error names both paths; the next operation starts a fresh registry. Discovery never moves files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, RegistryError } from '../../../src/errors.js';
import { formatRegistryText, parseRegistryText } from '../../../src/registry/index.js';
import { assertCode, memoryWorld, rejectsWith, track } from './registry-test-kit.js';

const BAD_FILES: Array<[string, string]> = [
  ['an empty file', ''],
  ['whitespace only', ' \n'],
  ['truncated JSON', '{"a": {"port": 40200, "pid": 1, "sta'],
  ['a JSON array', '[{"port": 40200, "pid": 1}]'],
  ['JSON null', 'null'],
  ['a JSON number', '42'],
];

for (const [name, text] of BAD_FILES) {
  test(`MF-REG-7: register on ${name} moves the file aside under a new name, fails naming both paths, and the retry starts fresh`, async () => {
    const world = memoryWorld();
    world.store.setRegistryText(text);
    const registry = world.registryAs();
    const error = await rejectsWith(registry.register('svc', 40_200), ErrorCode.REGISTRY);
    assert.ok(error instanceof RegistryError);
    const movedTo = error.details.movedToPath;
    assert.ok(movedTo !== undefined);
    assert.equal(movedTo, `${world.store.registryPath}.corrupt-${world.clock.epochMs()}-${registry.options.pid}`);
    assert.equal(world.store.asideFiles.get(movedTo), text, 'the bad file is kept verbatim');
    assert.ok(error.message.includes(world.store.registryPath) && error.message.includes(movedTo), error.message);
    assert.equal(world.store.registryText, undefined, 'nothing was written over it');
    assert.equal((await registry.register('svc', 40_200)).port, 40_200);
    assert.deepEqual(Object.keys(JSON.parse(world.store.registryText ?? '') as object), ['svc']);
  });
}

test('MF-REG-7: unregister on a bad file also moves it aside and fails; two bad files in a row get distinct names', async () => {
  const world = memoryWorld();
  const registry = world.registryAs();
  world.store.setRegistryText('{"broken"');
  const first = await rejectsWith(registry.unregister('svc'), ErrorCode.REGISTRY);
  world.store.setRegistryText('also broken');
  const second = await rejectsWith(registry.unregister('svc'), ErrorCode.REGISTRY);
  const firstPath = (first as RegistryError).details.movedToPath;
  const secondPath = (second as RegistryError).details.movedToPath;
  assert.ok(firstPath !== undefined && secondPath !== undefined);
  assert.notEqual(firstPath, secondPath);
  assert.equal(world.store.asideFiles.get(firstPath), '{"broken"');
  assert.equal(world.store.asideFiles.get(secondPath), 'also broken');
});

test('MF-REG-7: discovery never moves a bad file; it keeps polling and reports it at the timeout', async () => {
  const world = memoryWorld();
  world.store.setRegistryText('[1, 2');
  const pending = track(world.registryAs().discover('svc', { timeoutMs: 200 }));
  await world.clock.advanceBy(200);
  await pending.done;
  const error = assertCode(pending.error, ErrorCode.SERVICE_NOT_FOUND);
  assert.match(error.message, /unusable \(not valid JSON/);
  assert.equal(world.store.registryText, '[1, 2');
  assert.equal(world.store.asideFiles.size, 0);
});

test('MF-REG-12: a wrong-typed port is not a bad file: registering another id keeps it intact', async () => {
  const world = memoryWorld();
  const pid = world.processes.spawn();
  const wrong = `{"port": "40300", "pid": ${pid}, "started": "2026-01-01T00:00:00.000Z"}`;
  world.store.setRegistryText(`{"wrong": ${wrong}}`);
  await world.registryAs().register('svc', 40_301);
  const parsed = parseRegistryText(world.store.registryText ?? '');
  assert.ok(parsed.ok);
  assert.equal(parsed.members.get('wrong')?.raw, wrong);
  assert.equal(world.store.asideFiles.size, 0);
});

test('parseRegistryText: tolerates a byte order mark, keeps the last of duplicate keys, and round-trips through formatRegistryText', () => {
  const parsed = parseRegistryText('\uFEFF{"a": 1, "b": {"x": "y\\"}"}, "a": 2}');
  assert.ok(parsed.ok);
  assert.deepEqual(
    [...parsed.members.entries()].map(([k, m]) => [k, m.raw]),
    [
      ['a', '2'],
      ['b', '{"x": "y\\"}"}'],
    ],
  );
  const text = formatRegistryText(parsed.members);
  assert.equal(text, '{\n  "a": 2,\n  "b": {"x": "y\\"}"}\n}\n');
  const again = parseRegistryText(text);
  assert.ok(again.ok);
  assert.equal(formatRegistryText(again.members), text);
  assert.equal(formatRegistryText(new Map()), '{}\n');
  const empty = parseRegistryText('{ }');
  assert.ok(empty.ok && empty.members.size === 0);
});
