// Register / unregister / discover / list rules on the in-memory store and a VirtualClock (exact timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, RegistryError } from '../../../src/errors.js';
import { parseRegistryText, resolveRegistryOptions } from '../../../src/registry/index.js';
import { assertCode, memoryWorld, rejectsWith, track } from './registry-test-kit.js';

function fileObject(text: string | undefined): Record<string, unknown> {
  assert.ok(text !== undefined, 'the registry file should exist');
  return JSON.parse(text) as Record<string, unknown>;
}

test('MF-REG-2: register writes exactly { port, pid, started } with started in ISO 8601 UTC from the clock', async () => {
  const world = memoryWorld();
  await world.clock.advanceBy(1234);
  const registry = world.registryAs(4321);
  world.processes.add(4321);
  const entry = await registry.register('math', 40_001);
  const expectedStarted = new Date(Date.UTC(2026, 0, 1) + 1234).toISOString();
  assert.deepEqual(entry, { port: 40_001, pid: 4321, started: expectedStarted, extra: {} });
  assert.deepEqual(fileObject(world.store.registryText), {
    math: { port: 40_001, pid: 4321, started: expectedStarted },
  });
  assert.match(expectedStarted, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.deepEqual(await registry.discover('math', { timeoutMs: 0 }), entry);
});

test('MF-REG-8: registration refuses an id held by a live pid, whoever holds it (even our own pid)', async () => {
  const world = memoryWorld();
  const first = world.registryAs();
  await first.register('svc', 40_002);
  const second = world.registryAs();
  const error = await rejectsWith(second.register('svc', 40_003), ErrorCode.ALREADY_REGISTERED);
  assert.ok(error instanceof RegistryError);
  assert.equal(error.details.holderPid, first.options.pid);
  assert.equal(error.details.serviceId, 'svc');
  await rejectsWith(first.register('svc', 40_004), ErrorCode.ALREADY_REGISTERED);
  assert.equal(
    (await second.discover('svc', { timeoutMs: 0 })).port,
    40_002,
    'the refused registrations changed nothing',
  );
});

test('MF-REG-8: registration overwrites an entry whose pid is dead', async () => {
  const world = memoryWorld();
  const crashed = world.registryAs();
  await crashed.register('svc', 40_005);
  world.processes.kill(crashed.options.pid);
  const successor = world.registryAs();
  const entry = await successor.register('svc', 40_006);
  assert.equal(entry.pid, successor.options.pid);
  assert.deepEqual((fileObject(world.store.registryText)['svc'] as { port: number }).port, 40_006);
});

test('MF-REG-8, MF-REG-12: a malformed entry under the same id still holds it while its pid lives, and is replaced once that pid is dead or unusable', async () => {
  const world = memoryWorld();
  const holder = world.processes.spawn();
  world.store.setRegistryText(JSON.stringify({ svc: { port: 'eighty', pid: holder } }));
  const registry = world.registryAs();
  await rejectsWith(registry.register('svc', 40_007), ErrorCode.ALREADY_REGISTERED);
  world.processes.kill(holder);
  assert.equal((await registry.register('svc', 40_007)).port, 40_007);
  world.store.setRegistryText(JSON.stringify({ svc: { port: 1, pid: 'not a pid' } }));
  assert.equal((await world.registryAs().register('svc', 40_008)).port, 40_008);
});

test('MF-REG-9: unregister removes only an entry holding our pid, and leaves every other entry alone', async () => {
  const world = memoryWorld();
  const owner = world.registryAs();
  const stranger = world.registryAs();
  await owner.register('svc', 40_010);
  await stranger.register('other', 40_011);
  assert.equal(await stranger.unregister('svc'), false);
  assert.equal((await owner.discover('svc', { timeoutMs: 0 })).port, 40_010);
  assert.equal(await owner.unregister('svc'), true);
  assert.deepEqual(Object.keys(fileObject(world.store.registryText)), ['other']);
  const writes = world.store.writeCount;
  assert.equal(await owner.unregister('svc'), false, 'already gone');
  assert.equal(world.store.writeCount, writes, 'a no-op unregister does not rewrite the file');
});

test('MF-REG-9: after a crash and a takeover, the crashed owner pid cannot remove the successor entry', async () => {
  const world = memoryWorld();
  const crashed = world.registryAs();
  await crashed.register('svc', 40_012);
  world.processes.kill(crashed.options.pid);
  const successor = world.registryAs();
  await successor.register('svc', 40_013);
  assert.equal(await crashed.unregister('svc'), false);
  assert.equal((await successor.discover('svc', { timeoutMs: 0 })).port, 40_013);
});

test('MF-REG-10: discovery returns only a live pid entry; a dead one is reported, never returned', async () => {
  const world = memoryWorld();
  const service = world.registryAs();
  await service.register('svc', 40_020);
  world.processes.kill(service.options.pid);
  const error = await rejectsWith(world.registryAs().discover('svc', { timeoutMs: 0 }), ErrorCode.SERVICE_NOT_FOUND);
  assert.match(error.message, /pid \d+ is dead \(port 40020\)/);
  assert.match(error.message, /services\.json/);
});

test('MF-REG-10: discovery polls every 100 ms and finds a service registered while it waits', async () => {
  const world = memoryWorld();
  const reads: number[] = [];
  const realRead = world.store.readRegistry.bind(world.store);
  world.store.readRegistry = () => {
    reads.push(world.clock.nowMs());
    return realRead();
  };
  const parent = world.registryAs();
  const found = track(parent.discover('svc'));
  await world.clock.advanceBy(250);
  assert.equal(found.settled, false);
  await world.registryAs().register('svc', 40_021);
  await world.clock.advanceBy(49);
  assert.equal(found.settled, false, 'not seen before the next poll at 300 ms');
  await world.clock.advanceBy(1);
  await found.done;
  assert.equal(found.value?.port, 40_021);
  // 250 is the registering process's own read under the lock; the discovery reads are on the 100 ms grid.
  assert.deepEqual(reads, [0, 100, 200, 250, 300]);
});

test('MF-REG-10: discovery gives up at exactly its timeout (default 5 s), naming the id, the file and what it saw', async () => {
  const world = memoryWorld();
  const parent = world.registryAs();
  const missing = track(parent.discover('nowhere'));
  await world.clock.advanceBy(4999);
  assert.equal(missing.settled, false, 'still polling at 4999 ms');
  await world.clock.advanceBy(1);
  await missing.done;
  const error = assertCode(missing.error, ErrorCode.SERVICE_NOT_FOUND);
  assert.ok(error instanceof RegistryError);
  assert.equal(error.details.serviceId, 'nowhere');
  assert.equal(error.details.registryPath, world.store.registryPath);
  assert.match(error.message, /'nowhere'.*services\.json.*5000 ms.*does not exist/);

  const custom = track(parent.discover('nowhere', { timeoutMs: 250 }));
  await world.clock.advanceBy(249);
  assert.equal(custom.settled, false);
  await world.clock.advanceBy(1);
  await custom.done;
  assertCode(custom.error, ErrorCode.SERVICE_NOT_FOUND);
});

test('MF-REG-10: a discovery can be aborted; the promise rejects with the signal reason and no timer is left', async () => {
  const world = memoryWorld();
  const controller = new AbortController();
  const pending = track(world.registryAs().discover('svc', { signal: controller.signal }));
  await world.clock.advanceBy(150);
  controller.abort(new Error('caller gave up'));
  await pending.done;
  assert.equal((pending.error as Error).message, 'caller gave up');
  assert.equal(world.clock.pendingTimerCount, 0);
});

test('MF-REG-2: readers keep extra keys and accept start_time for started', async () => {
  const world = memoryWorld();
  const pid = world.processes.spawn();
  world.store.setRegistryText(
    JSON.stringify({ go: { port: 40_030, pid, start_time: '2026-01-01T00:00:00Z', host: '127.0.0.1', tags: ['a'] } }),
  );
  const entry = await world.registryAs().discover('go', { timeoutMs: 0 });
  assert.deepEqual(entry, {
    port: 40_030,
    pid,
    started: '2026-01-01T00:00:00Z',
    extra: { host: '127.0.0.1', tags: ['a'] },
  });
});

test('MF-REG-12: discovery ignores an entry with a wrong-typed field, keeps polling, and says why at the timeout', async () => {
  const world = memoryWorld();
  const pid = world.processes.spawn();
  world.store.setRegistryText(JSON.stringify({ svc: { port: '40040', pid } }));
  const pending = track(world.registryAs().discover('svc', { timeoutMs: 300 }));
  await world.clock.advanceBy(300);
  await pending.done;
  const error = assertCode(pending.error, ErrorCode.SERVICE_NOT_FOUND);
  assert.match(error.message, /malformed.*port "40040" is not an integer/);
});

test('MF-REG-12: writers keep every other entry byte for byte, malformed ones and unusual numbers included', async () => {
  const world = memoryWorld();
  const strangeEntry =
    '{ "port" : "8080", "pid": 1.50, "huge": 12345678901234567890123, "x": 1e999 ,"nested":{"a":[1, 2 ,{"b":"}"}]}}';
  const oddValue = '"just a string"';
  world.store.setRegistryText(`{"strange": ${strangeEntry},\n"odd":${oddValue}}`);
  const registry = world.registryAs();
  await registry.register('mine', 40_050);
  await registry.unregister('mine');
  await registry.register('mine', 40_051);
  const parsed = parseRegistryText(world.store.registryText ?? '');
  assert.ok(parsed.ok);
  assert.equal(parsed.members.get('strange')?.raw, strangeEntry);
  assert.equal(parsed.members.get('odd')?.raw, oddValue);
  assert.deepEqual([...parsed.members.keys()], ['strange', 'odd', 'mine']);
});

test('an id named __proto__ is an ordinary entry (no prototype pollution, MF-SEC-2 spirit)', async () => {
  const world = memoryWorld();
  const registry = world.registryAs();
  await registry.register('__proto__', 40_060);
  await registry.register('constructor', 40_061);
  assert.equal((await registry.discover('__proto__', { timeoutMs: 0 })).port, 40_060);
  const listed = await registry.list();
  assert.deepEqual(Object.keys(listed).sort(), ['__proto__', 'constructor']);
  assert.equal(Object.getPrototypeOf(listed), Object.prototype);
  assert.equal(({} as Record<string, unknown>)['port'], undefined);
});

test('list() returns the well-formed entries of live pids only', async () => {
  const world = memoryWorld();
  const live = world.registryAs();
  const dead = world.registryAs();
  await live.register('live', 40_070);
  await dead.register('dead', 40_071);
  world.processes.kill(dead.options.pid);
  const text = world.store.registryText ?? '';
  world.store.setRegistryText(text.replace(/\n}\n$/, `,\n  "bad": {"port": "x", "pid": ${live.options.pid}}\n}\n`));
  assert.deepEqual(Object.keys(await live.list()), ['live']);
});

test('invalid service ids and ports are refused with MF_INVALID_ARGUMENT before touching the store', async () => {
  const world = memoryWorld();
  const registry = world.registryAs();
  for (const id of ['', 'a\nb', 'x'.repeat(257)])
    await rejectsWith(registry.register(id, 40_080), ErrorCode.INVALID_ARGUMENT);
  for (const port of [0, 65_536, 1.5, Number.NaN])
    await rejectsWith(registry.register('svc', port), ErrorCode.INVALID_ARGUMENT);
  await rejectsWith(registry.discover('', { timeoutMs: 0 }), ErrorCode.INVALID_ARGUMENT);
  for (const timeoutMs of [-1, Number.POSITIVE_INFINITY, Number.NaN])
    await rejectsWith(registry.discover('svc', { timeoutMs }), ErrorCode.INVALID_ARGUMENT);
  assert.equal(world.store.registryText, undefined);
  assert.equal(world.store.currentLock, undefined);
});

test('resolveRegistryOptions: defaults as the spec says, and invalid durations are refused with MF_INVALID_ARGUMENT', () => {
  const resolved = resolveRegistryOptions({ env: { MULTIFROST_HOME: '/tmp/somewhere' } });
  assert.deepEqual(
    [
      resolved.baseDir,
      resolved.lockStaleMs,
      resolved.lockPollMs,
      resolved.lockTimeoutMs,
      resolved.discoverPollMs,
      resolved.discoverTimeoutMs,
      resolved.pid,
    ],
    ['/tmp/somewhere', 10_000, 100, 10_000, 100, 5_000, process.pid],
  );
  for (const bad of [
    { lockPollMs: 0 },
    { lockStaleMs: -1 },
    { discoverPollMs: Number.NaN },
    { lockTimeoutMs: Number.POSITIVE_INFINITY },
    { pid: 0 },
  ]) {
    assert.throws(
      () => resolveRegistryOptions(bad),
      (error: unknown) => assertCode(error, ErrorCode.INVALID_ARGUMENT) !== undefined,
    );
  }
});
