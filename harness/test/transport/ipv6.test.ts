/**
 * IPv6 loopback on both backends: `loopbackEndpoint(port, '::1')` writes `tcp://[::1]:port`, and a bind and
 * connect there carry messages (ZeroMQ needs its `ipv6` socket option for it, which the socket sets itself).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endpointPort, isIpv6Endpoint, loopbackEndpoint } from '../../../src/transport/transport.js';
import { EMPTY, backends, bytes, text, within } from './backends.js';

test('loopbackEndpoint brackets an IPv6 host, bare or already bracketed', () => {
  assert.equal(loopbackEndpoint(5555, '::1'), 'tcp://[::1]:5555');
  assert.equal(loopbackEndpoint(5555, '[::1]'), 'tcp://[::1]:5555');
  assert.equal(loopbackEndpoint(5555), 'tcp://127.0.0.1:5555');
  assert.equal(isIpv6Endpoint('tcp://[::1]:5555'), true);
  assert.equal(isIpv6Endpoint('tcp://127.0.0.1:5555'), false);
  assert.equal(endpointPort('tcp://[::1]:5555'), 5555);
});

for (const backend of backends()) {
  describe(`IPv6 loopback on ${backend.name}`, () => {
    test('a ROUTER bound on [::1] port 0 serves a DEALER connected there', async (t) => {
      const harness = backend.create();
      t.after(() => harness.dispose());
      const router = harness.transport('child').router();
      const endpoint = await router.bind(loopbackEndpoint(0, '::1'));
      assert.match(endpoint, /^tcp:\/\/\[::1\]:\d+$/);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      await dealer.send([EMPTY, bytes('over v6')]);
      const inbound = await within(router.receive(), 10_000, 'the message over [::1]');
      assert.equal(text(inbound[2]), 'over v6');
      await router.send([inbound[0]!, EMPTY, bytes('back')]);
      assert.equal(text((await within(dealer.receive(), 10_000, 'the reply'))[1]), 'back');
    });
  });
}
