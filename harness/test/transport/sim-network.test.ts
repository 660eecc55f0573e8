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
  for (const [lingerMs, expected] of [[0, 0], [100, 1]] as const) {
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
  for (const attempt of [() => socket.bind('udp://x'), () => socket.connect('tcp://127.0.0.1:0'), () => socket.connect('tcp://127.0.0.1')]) {
    await assert.rejects(attempt(), (error: unknown) => error instanceof ConnectionError && error.transportCode === 'EINVAL');
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
  assert.deepEqual(seen.map((frames) => idOf(frames[2])), ['c0', 'c2']);
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
