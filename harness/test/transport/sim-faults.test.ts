/**
 * The simulated network's own behaviour beyond the Transport contract: delivery through the clock, each
 * fault of the plan, runtime partitions and holds, crash and restart. Exact, on virtual time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClosedError } from '../../../src/errors.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import {
  corrupt,
  crash,
  delay,
  drop,
  duplicate,
  partition,
  reorder,
  type FaultRule,
} from '../../../src/transport/sim/faults.js';
import { SimNetwork, type SimNetworkEvent } from '../../../src/transport/sim/sim-network.js';
import type { Frames, Socket } from '../../../src/transport/transport.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { EMPTY, callPayload, collect, describe, idOf, responsePayload } from './sim-scenario.js';

interface Pair {
  clock: VirtualClock;
  network: SimNetwork;
  parent: Socket;
  child: Socket;
  endpoint: string;
  /** Messages received by the child ROUTER and the parent DEALER, as they arrive. */
  atChild: Frames[];
  atParent: Frames[];
}

async function pair(faults: readonly FaultRule[] = [], seed = 1): Promise<Pair> {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock, seed, faults, describe });
  const child = network.transport('child').router();
  const endpoint = await child.bind(loopbackEndpoint(0));
  const parent = network.transport('parent').dealer();
  await parent.connect(endpoint);
  return { clock, network, parent, child, endpoint, atChild: collect(child), atParent: collect(parent) };
}

const ids = (frames: Frames[]): (string | undefined)[] => frames.map((f) => idOf(f[f.length - 1]));

async function sendCalls(p: Pair, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await p.parent.send([EMPTY, callPayload(i)]);
}

test('delivery happens through the clock, never inside send', async () => {
  const p = await pair();
  await p.parent.send([EMPTY, callPayload(0)]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(p.atChild.length, 0, 'delivered before the clock moved');
  assert.equal(p.network.inFlight, 1);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(p.atChild), ['c0']);
});

test('a burst sent in one tick is delivered by one clock timer', async () => {
  const p = await pair();
  await sendCalls(p, 500);
  assert.equal(p.clock.pendingTimerCount, 1);
  await p.clock.runUntilIdle();
  assert.equal(p.atChild.length, 500);
});

test('base latency: nothing arrives before latencyMs of virtual time', async () => {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock, latencyMs: 5 });
  const child = network.transport('child').router();
  const parent = network.transport('parent').dealer();
  await parent.connect(await child.bind(loopbackEndpoint(0)));
  const seen = collect(child);
  await parent.send([EMPTY, callPayload(0)]);
  await clock.advanceBy(4);
  assert.equal(seen.length, 0);
  await clock.advanceBy(1);
  assert.equal(seen.length, 1);
});

test('drop({ p: 1 }) loses every message; the trace says which rule dropped it', async () => {
  const p = await pair([drop()]);
  await sendCalls(p, 3);
  await p.clock.runUntilIdle();
  assert.equal(p.atChild.length, 0);
  const sends = p.network.traceLines
    .map((l) => JSON.parse(l) as { ev: string; faults?: unknown })
    .filter((r) => r.ev === 'send');
  assert.deepEqual(
    sends.map((r) => r.faults),
    [[{ fault: 'drop', rule: 0 }], [{ fault: 'drop', rule: 0 }], [{ fault: 'drop', rule: 0 }]],
  );
});

test('drop({ p: 0.3 }) loses about 30% of 2,000 messages', async () => {
  const p = await pair([drop({ p: 0.3 })], 7);
  await sendCalls(p, 2000);
  await p.clock.runUntilIdle();
  const lost = 2000 - p.atChild.length;
  assert.ok(lost > 480 && lost < 720, `lost ${lost}`);
});

test('nth and where pick exactly the messages meant', async () => {
  const p = await pair([drop({ nth: [2, 4] }), drop({ where: (m) => m.function === 'add' && m.seq > 6 })]);
  await sendCalls(p, 10);
  await p.clock.runUntilIdle();
  // c1, c3 are the 2nd and 4th messages; from seq 7 on, the even ids are calls to `add`.
  assert.deepEqual(ids(p.atChild), ['c0', 'c2', 'c4', 'c5', 'c7', 'c9']);
});

test('direction filters: dropping child->parent loses replies, not calls', async () => {
  const p = await pair([drop({ direction: 'child->parent' })]);
  await sendCalls(p, 2);
  await p.clock.runUntilIdle();
  for (const [id] of p.atChild) await p.child.send([id!, EMPTY, responsePayload('r')]);
  await p.clock.runUntilIdle();
  assert.equal(p.atChild.length, 2);
  assert.equal(p.atParent.length, 0);
});

test('delay with jitter postpones delivery and keeps per-connection order', async () => {
  const p = await pair([delay({ ms: 10, jitterMs: 5 })], 3);
  await sendCalls(p, 200);
  await p.clock.advanceBy(4);
  assert.equal(p.atChild.length, 0, 'nothing before 10 - 5 ms');
  await p.clock.runUntilIdle();
  assert.deepEqual(
    ids(p.atChild),
    Array.from({ length: 200 }, (_, i) => `c${i}`),
  );
  assert.ok(p.clock.nowMs() >= 5 && p.clock.nowMs() <= 15, `ended at ${p.clock.nowMs()}`);
});

test('duplicate delivers extra copies, only of the messages its predicate picks', async () => {
  const p = await pair([duplicate({ copies: 2, where: (m) => m.function === 'add' })]);
  await sendCalls(p, 4);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(p.atChild), ['c0', 'c0', 'c0', 'c1', 'c2', 'c2', 'c2', 'c3']);
});

test('reorder lets later messages overtake; every message still arrives once', async () => {
  const p = await pair([reorder({ p: 0.3, windowMs: 20 })], 11);
  await sendCalls(p, 200);
  await p.clock.runUntilIdle();
  const seen = ids(p.atChild);
  assert.equal(seen.length, 200);
  assert.deepEqual([...seen].sort(), Array.from({ length: 200 }, (_, i) => `c${i}`).sort());
  assert.notDeepEqual(
    seen,
    Array.from({ length: 200 }, (_, i) => `c${i}`),
  );
});

test('corrupt flips exactly the requested bits in a copy of the last frame', async () => {
  const p = await pair([corrupt({ bits: 3 })]);
  const original = callPayload(0);
  const kept = Buffer.from(original);
  await p.parent.send([EMPTY, original]);
  await p.clock.runUntilIdle();
  assert.ok(Buffer.from(original).equals(kept), "the sender's buffer is untouched");
  const received = p.atChild[0]![2]!;
  let flipped = 0;
  for (let i = 0; i < original.length; i++) for (let x = original[i]! ^ received[i]!; x !== 0; x &= x - 1) flipped++;
  assert.ok(flipped >= 1 && flipped <= 3 && flipped % 2 === 1, `flipped ${flipped}`); // the same bit twice cancels
});

test('corrupt truncate cuts the last frame to a shorter prefix', async () => {
  const p = await pair([corrupt({ mode: 'truncate' })], 5);
  const original = callPayload(0);
  await p.parent.send([EMPTY, original]);
  await p.clock.runUntilIdle();
  const received = p.atChild[0]![2]!;
  assert.ok(received.length < original.length);
  assert.ok(Buffer.from(original.subarray(0, received.length)).equals(Buffer.from(received)));
});

test('a partition rule drops traffic between two processes during its window only', async () => {
  const p = await pair([partition({ between: ['parent', 'child'], fromMs: 10, untilMs: 20 })]);
  await p.parent.send([EMPTY, callPayload(0)]);
  await p.clock.advanceTo(10);
  await p.parent.send([EMPTY, callPayload(1)]);
  await p.clock.advanceTo(20);
  await p.parent.send([EMPTY, callPayload(2)]);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(p.atChild), ['c0', 'c2']);
});

test('partition() and heal() at run time', async () => {
  const p = await pair();
  p.network.partition('child', 'parent');
  await p.parent.send([EMPTY, callPayload(0)]);
  await p.clock.runUntilIdle();
  p.network.heal();
  await p.parent.send([EMPTY, callPayload(1)]);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(p.atChild), ['c1']);
});

test('hold() keeps matching messages back until release, then delivers them in order', async () => {
  const p = await pair();
  const hold = p.network.hold((m) => m.direction === 'parent->child');
  await sendCalls(p, 3);
  await p.clock.runUntilIdle();
  assert.equal(p.atChild.length, 0);
  assert.equal(hold.count, 3);
  hold.release();
  hold.release();
  await sendCalls(p, 1);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(p.atChild), ['c0', 'c1', 'c2', 'c0']);
});

test('a crash rule kills the receiving process when the matching message arrives; its restart serves again', async () => {
  const p = await pair([crash({ where: (m) => m.function === 'add', nth: 2 })]);
  const events: SimNetworkEvent[] = [];
  p.network.onEvent((event) => events.push(event));
  await sendCalls(p, 2); // c0 add, c1 echo
  await p.clock.runUntilIdle();
  await p.parent.send([EMPTY, callPayload(2)]); // add #2: crashes the child on arrival, and is lost
  await p.parent.send([EMPTY, callPayload(3)]); // lost: the receiver is gone
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(p.atChild), ['c0', 'c1']);
  assert.deepEqual(
    events.map((e) => [e.type, e.process]),
    [['crash', 'child']],
  );
  assert.equal(p.child.closed, true);
  await assert.rejects(p.child.send([EMPTY]), ClosedError);
  const lost = p.network.traceLines.filter((line) => line.includes('"ev":"lost"'));
  assert.equal(lost.length, 2);
  // Restart: the same process name binds the same endpoint again; the parent's DEALER reconnects (as libzmq).
  const restarted = p.network.transport('child').router();
  assert.equal(await restarted.bind(p.endpoint), p.endpoint);
  const seen = collect(restarted);
  await sendCalls(p, 1);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(seen), ['c0']);
  assert.deepEqual(
    events.map((e) => e.type),
    ['crash', 'restart'],
  );
});

test('crash() closes every socket of the process at once; other processes are unaffected', async () => {
  const p = await pair();
  const childTransport = p.network.transport('child');
  const second = childTransport.dealer();
  const pending = second.receive();
  p.network.crash('child');
  await assert.rejects(pending, ClosedError);
  assert.equal(p.child.closed, true);
  assert.equal(second.closed, true);
  assert.equal(p.parent.closed, false);
  // The crashed transport object makes no new sockets; asking the network again is the restart.
  assert.throws(() => childTransport.router(), ClosedError);
  assert.notEqual(p.network.transport('child'), childTransport);
  p.network.crash('nobody'); // unknown: no-op
});

test('messages a process sent before it crashed and still in flight are lost', async () => {
  const p = await pair([delay({ ms: 5 })]);
  await sendCalls(p, 1);
  await p.clock.runUntilIdle();
  await p.child.send([p.atChild[0]![0]!, EMPTY, responsePayload('late')]);
  p.network.crash('child');
  await p.clock.runUntilIdle();
  assert.equal(p.atParent.length, 0);
});

test('a ROUTER with many peers routes by routing id; unknown ids show as unroutable in the trace', async () => {
  const p = await pair();
  const other = p.network.transport('parent-2').dealer({ routingId: new Uint8Array([1, 2, 3]) });
  await other.connect(p.endpoint);
  const atOther = collect(other);
  await other.send([EMPTY, callPayload(9)]);
  await p.clock.runUntilIdle();
  assert.deepEqual([...p.atChild[0]![0]!], [1, 2, 3]);
  await p.child.send([new Uint8Array([1, 2, 3]), EMPTY, responsePayload('to-2')]);
  await p.child.send([new Uint8Array([9, 9]), EMPTY, responsePayload('nobody')]);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(atOther), ['to-2']);
  assert.equal(p.atParent.length, 0);
  assert.ok(
    p.network.traceLines.some((line) => line.includes('"ev":"unroutable"') && line.includes('"routingId":"0909"')),
  );
});

test('a second peer claiming a routing id in use is refused, as libzmq does', async () => {
  const p = await pair();
  const id = new Uint8Array([7]);
  const first = p.network.transport('a').dealer({ routingId: id });
  const second = p.network.transport('b').dealer({ routingId: id });
  await first.connect(p.endpoint);
  await second.connect(p.endpoint);
  await first.send([EMPTY, callPayload(1)]);
  await second.send([EMPTY, callPayload(2)]);
  await p.clock.runUntilIdle();
  assert.deepEqual(ids(p.atChild), ['c1']);
});

test('the trace shows decoded payloads with binary as $bin hex, and the faults applied', async () => {
  const p = await pair([duplicate({ nth: 1 })]);
  await sendCalls(p, 1);
  await p.clock.runUntilIdle();
  const send = p.network.traceLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((r) => r['ev'] === 'send')!;
  assert.deepEqual(send['message'], {
    app: 'comlink_ipc_v3',
    id: 'c0',
    type: 'call',
    timestamp: 1,
    function: 'add',
    args: [0, { $bin: '00' }],
  });
  assert.equal(send['dir'], 'parent->child');
  assert.deepEqual(send['faults'], [{ fault: 'duplicate', rule: 0, copies: 1 }]);
  assert.equal((send['frames'] as string[])[0], '');
  const delivered = p.network.traceLines.filter((line) => line.includes('"ev":"deliver"'));
  assert.deepEqual(
    delivered.map((line) => JSON.parse(line) as unknown),
    [
      { t: 0, ev: 'deliver', msg: 1 },
      { t: 0, ev: 'deliver', msg: 1, copy: 1 },
    ],
  );
});
