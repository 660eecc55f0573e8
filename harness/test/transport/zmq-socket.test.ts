/**
 * ZeroMQ-backend specifics beyond the contract suite (which also covers the ordered send queue under
 * back-pressure): queued receives, error mapping, endpoint handling.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClosedError, ConnectionError } from '../../../src/errors.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { toTransportError } from '../../../src/transport/zmq/zmq-errors.js';
import { ZmqTransport } from '../../../src/transport/zmq/zmq-transport.js';
import { EMPTY, bytes, text, within } from './backends.js';

test('concurrent receive() calls beyond the one zeromq.js allows are queued, not EBUSY', async (t) => {
  const transport = new ZmqTransport();
  const router = transport.router();
  const dealer = transport.dealer();
  t.after(async () => {
    await dealer.close();
    await router.close();
  });
  await dealer.connect(await router.bind(loopbackEndpoint(0)));
  const receives = Array.from({ length: 5 }, () => router.receive());
  for (let i = 0; i < 5; i++) await dealer.send([EMPTY, bytes(String(i))]);
  const got = await within(Promise.all(receives));
  assert.deepEqual(
    got.map((frames) => text(frames[2])),
    ['0', '1', '2', '3', '4'],
  );
});

test('a queued receive rejects with ClosedError on close', async () => {
  const router = new ZmqTransport().router();
  const first = router.receive();
  const second = router.receive();
  await router.close();
  await assert.rejects(within(first), ClosedError);
  await assert.rejects(within(second), ClosedError);
});

test('an invalid endpoint fails with ConnectionError carrying the zmq code', async (t) => {
  const socket = new ZmqTransport().dealer();
  t.after(() => socket.close());
  for (const attempt of [() => socket.bind('tcp://no-such-host.invalid:1'), () => socket.connect('nonsense')]) {
    await assert.rejects(attempt(), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(typeof error.transportCode, 'string');
      return true;
    });
  }
});

test('zeromq.js errors map to typed errors', () => {
  const inUse = Object.assign(new Error('Address already in use'), { code: 'EADDRINUSE', errno: 98 });
  const mapped = toTransportError(inUse, 'zmq router #1', 'bind tcp://127.0.0.1:5555', false);
  assert.ok(mapped instanceof ConnectionError);
  assert.equal(mapped.transportCode, 'EADDRINUSE');
  assert.equal(mapped.cause, inUse);
  assert.ok(
    toTransportError(Object.assign(new Error('Socket is closed'), { code: 'EBADF' }), 's', 'send', false) instanceof
      ClosedError,
  );
  // zeromq.js rejects pending operations of a closed socket with EAGAIN: that is a close, not a failure.
  assert.ok(
    toTransportError(Object.assign(new Error('closed'), { code: 'EAGAIN' }), 's', 'receive', true) instanceof
      ClosedError,
  );
});
