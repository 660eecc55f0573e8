/** The kit's transport factory: ZeroMQ by default, another factory while one is in place, restored after. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kitTransport, useKitTransport } from '../../../src/conform/kit-transport.js';
import { SimNetwork } from '../../../src/transport/sim/sim-network.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';

test('kitTransport() is ZeroMQ until a factory is put in place, and the previous one comes back after', () => {
  assert.equal(kitTransport().kind, 'zmq');
  const network = new SimNetwork({ clock: new VirtualClock(), seed: 1 });
  const restore = useKitTransport(() => network.transport());
  try {
    assert.equal(kitTransport().kind, 'memory');
  } finally {
    restore();
  }
  assert.equal(kitTransport().kind, 'zmq');
});
