// MF-VAL-14 on the simulator: a RESPONSE whose result holds a value outside the portable set (a map key that is
// not a string, an extension type) settles its call with a ProtocolError saying where, at once: never a
// timeout (the message used to be dropped as undecodable) and never a changed value (the key 1 used to
// arrive as "1").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wire, type WireValue } from '../../../src/conform/wire-value.js';
import { ProtocolError } from '../../../src/errors.js';
import { answeringEchoWith } from '../../../features/support/sim-programs.js';
import { outcome, simWorld } from './sim-support.js';

const cases: Array<[string, WireValue, RegExp]> = [
  ['an integer map key', wire.map([[wire.int(1), wire.str('one')]]), /at \$\.result.*a map key of type integer/],
  [
    'a nested extension',
    wire.array([wire.int(1), wire.ext(5, Buffer.from('ab'))]),
    /at \$\.result\[1\]: a msgpack extension type 5/,
  ],
];

for (const [what, result, where] of cases) {
  test(`MF-VAL-14: a result holding ${what} rejects the call at once with a ProtocolError saying where`, async () => {
    const world = simWorld({
      command: 'odd',
      programs: { odd: answeringEchoWith(result) },
      worker: { heartbeatIntervalMs: 0, profile: 'v3', defaultTimeoutMs: 60_000 },
    });
    await world.worker.start();
    const startedMs = world.clock.nowMs();
    const settled = await outcome(world.worker.call.echo('anything'));
    assert.ok(settled instanceof ProtocolError, String(settled));
    assert.equal(settled.clause, 'MF-VAL-14');
    assert.match(settled.message, where);
    assert.ok(world.clock.nowMs() - startedMs < 1000, 'at once, not at the call timeout');
    assert.equal(await world.worker.call.add(2, 3), 5, 'the worker keeps serving');
    await world.worker.stop();
  });
}
