/** SimNetwork behaviour not covered by the contract suite: disconnects, linger, endpoints, the ./sim barrel. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionError } from '../../../src/errors.js';
import { createSimNetwork, drop } from '../../../src/sim.js';
import { realClock } from '../../../src/time/real-clock.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { delay } from '../../../src/transport/sim/faults.js';
import { SimNetwork } from '../../../src/transport/sim/sim-network.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { within } from './backends.js';
import { EMPTY, callPayload, collect, idOf } from './sim-scenario.js';

test('closing a DEALER disconnects it: the ROUTER forgets its routing id', async () => {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock });
  const router = network.transport('child').router();
  const dealer = network.transport('parent').dealer();
  await dealer.connect(await router.bind(loopbackEndpoint(0)));
  await dealer.send([EMPTY, callPayload(0)]);
  await clock.runUntilIdle();
  const [routingId] = await router.receive();
  await dealer.close();
  await router.send([routingId!, EMPTY, callPayload(1)]);
  assert.equal(network.inFlight, 0);
  assert.ok(network.traceLines.at(-1)!.includes('"ev":"unroutable"'));
});

test('messages in flight from a closed socket are lost with linger 0 and still delivered with linger > 0', async () => {
  for (const [lingerMs, expected] of [
    [0, 0],
    [100, 1],
  ] as const) {
    const clock = new VirtualClock();
    const network = new SimNetwork({ clock, faults: [delay({ ms: 10 })] });
    const router = network.transport('child').router();
    const seen = collect(router);
    const dealer = network.transport('parent').dealer({ lingerMs });
    await dealer.connect(await router.bind(loopbackEndpoint(0)));
    await dealer.send([EMPTY, callPayload(0)]);
    await dealer.close();
    await clock.runUntilIdle();
    assert.equal(seen.length, expected, `lingerMs ${lingerMs}`);
  }
});

test('port 0 hands out distinct ports; a port is free again after its socket closes', async () => {
  const network = new SimNetwork({ clock: new VirtualClock() });
  const transport = network.transport('child');
  const a = transport.router();
  const b = transport.router();
  const first = await a.bind(loopbackEndpoint(0));
  const second = await b.bind(loopbackEndpoint(0));
  assert.notEqual(first, second);
  await a.close();
  const c = transport.router();
  assert.equal(await c.bind(first), first);
});

test('malformed endpoints fail with ConnectionError EINVAL; connecting to port 0 too', async () => {
  const network = new SimNetwork({ clock: new VirtualClock() });
  const socket = network.transport().dealer();
  for (const attempt of [
    () => socket.bind('udp://x'),
    () => socket.connect('tcp://127.0.0.1:0'),
    () => socket.connect('tcp://127.0.0.1'),
  ]) {
    await assert.rejects(
      attempt(),
      (error: unknown) => error instanceof ConnectionError && error.transportCode === 'EINVAL',
    );
  }
});

test('unnamed transports get distinct process names', () => {
  const network = new SimNetwork({ clock: new VirtualClock() });
  assert.notEqual(network.transport(), network.transport());
  assert.equal(network.transport('same'), network.transport('same'));
});

test('createSimNetwork (./sim) decodes payloads with the protocol codec for predicates and the trace', async () => {
  const clock = new VirtualClock();
  const network = createSimNetwork({ clock, faults: [drop({ where: (m) => m.function === 'echo' })] });
  const router = network.transport('child').router();
  const seen = collect(router);
  const dealer = network.transport('parent').dealer();
  await dealer.connect(await router.bind(loopbackEndpoint(0)));
  for (let i = 0; i < 4; i++) await dealer.send([EMPTY, callPayload(i)]);
  await clock.runUntilIdle();
  assert.deepEqual(
    seen.map((frames) => idOf(frames[2])),
    ['c0', 'c2'],
  );
  assert.ok(network.traceLines.some((line) => line.includes('"function":"echo"')));
});

test('runs on the real clock too (deliveries on the next timer tick)', async () => {
  const network = new SimNetwork({ clock: realClock, trace: false });
  const router = network.transport('child').router();
  const dealer = network.transport('parent').dealer();
  await dealer.connect(await router.bind(loopbackEndpoint(0)));
  await dealer.send([EMPTY, callPayload(0)]);
  const [, , payload] = await within(router.receive(), 5_000);
  assert.equal(idOf(payload), 'c0');
  await dealer.close();
  await router.close();
});

test('at the high-water mark a ROUTER drops, and a DEALER moves on to a connection with room', async () => {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock });
  const limits = { sendHighWaterMark: 1, receiveHighWaterMark: 1 };
  const routerA = network.transport('a').router(limits);
  const routerB = network.transport('b').router(limits);
  const dealer = network.transport('parent').dealer(limits);
  await dealer.connect(await routerA.bind(loopbackEndpoint(0)));
  await dealer.connect(await routerB.bind(loopbackEndpoint(0)));
  // Two connections of room 2 each: four sends go out at once, round robin; the fifth waits.
  const sends = Array.from({ length: 5 }, (_, i) => dealer.send([EMPTY, callPayload(i)]));
  let fifthDone = false;
  void sends[4]!.then(() => (fifthDone = true));
  await clock.runUntilIdle();
  assert.equal(fifthDone, false);
  const first = await routerA.receive();
  assert.equal(idOf(first[2]), 'c0');
  await clock.runUntilIdle();
  assert.equal(fifthDone, true, 'reading from A made room for the waiting send');
  assert.deepEqual([idOf((await routerA.receive())[2]), idOf((await routerA.receive())[2])], ['c2', 'c4']);
  // The DEALER reads nothing: the ROUTER's third reply on that connection is dropped.
  for (let i = 0; i < 3; i++) await routerB.send([first[0]!, EMPTY, callPayload(10 + i)]);
  const [routingId] = await routerB.receive();
  for (let i = 0; i < 3; i++) await routerB.send([routingId!, EMPTY, callPayload(20 + i)]);
  await clock.runUntilIdle();
  assert.ok(network.traceLines.some((line) => line.includes('high-water mark reached')));
  assert.deepEqual([idOf((await dealer.receive())[1]), idOf((await dealer.receive())[1])], ['c20', 'c21']);
});
