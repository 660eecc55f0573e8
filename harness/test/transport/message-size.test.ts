/**
 * The inbound frame limit (`maxMessageBytes`, libzmq MAXMSGSIZE) on both backends: a frame at the limit
 * passes, a larger one is never delivered, the connection it came over is dropped and made again (under a new
 * routing id), whichever side bound. @see MF-MSG-10, MF-SEC-3
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidArgumentError } from '../../../src/errors.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../../src/protocol/codec.js';
import { realClock } from '../../../src/time/real-clock.js';
import { resolveSocketOptions } from '../../../src/transport/socket-options.js';
import {
  FRAME_OVERHEAD_BYTES,
  type Frames,
  type Socket,
  loopbackEndpoint,
  maxMessageBytesFor,
} from '../../../src/transport/transport.js';
import { ZmqTransport } from '../../../src/transport/zmq/zmq-transport.js';
import { generateCurveKeyPair } from '../../../src/worker/shared/curve-keys.js';
import { EMPTY, type Harness, backends, bytes, text, within } from './backends.js';

const LIMIT = 1024;

/**
 * Sends `tag` until `receiver` gets a message (a message sent while the dropped connection is being made
 * again may be lost with it, as libzmq loses it), and returns that message.
 */
async function sendUntilReceived(sender: Socket, receiver: Socket, frames: (tag: string) => Frames): Promise<Frames> {
  const received = receiver.receive();
  let done = false;
  void received.finally(() => (done = true)).catch(() => undefined);
  for (let attempt = 0; attempt < 100 && !done; attempt++) {
    // Not awaited: a bound DEALER with no connection holds a send until a peer connects.
    void sender.send(frames(`after-${attempt}`)).catch(() => undefined);
    await Promise.race([received, realClock.sleep(100)]);
  }
  return within(received, 10_000, 'a message after the oversized one');
}

async function pair(harness: Harness, routerBinds: boolean): Promise<{ router: Socket; dealer: Socket }> {
  const router = harness.transport('child').router({ maxMessageBytes: LIMIT });
  const dealer = harness.transport('parent').dealer();
  if (routerBinds) await dealer.connect(await router.bind(loopbackEndpoint(0)));
  else await router.connect(await dealer.bind(loopbackEndpoint(0)));
  return { router, dealer };
}

for (const backend of backends()) {
  describe(`inbound frame limit on ${backend.name}`, () => {
    const setup = (t: { after(fn: () => Promise<void>): void }): Harness => {
      const harness = backend.create();
      t.after(() => harness.dispose());
      return harness;
    };

    for (const routerBinds of [true, false]) {
      const topology = routerBinds ? 'the receiver bound (connect mode)' : 'the receiver connected (spawn mode)';
      test(`a frame at the limit passes; one byte more is dropped and the connection recovers, ${topology}`, async (t) => {
        const { router, dealer } = await pair(setup(t), routerBinds);
        await dealer.send([EMPTY, new Uint8Array(LIMIT)]);
        const first = await within(router.receive(), 10_000, 'the frame at the limit');
        assert.equal(first[2]!.byteLength, LIMIT);

        await dealer.send([EMPTY, new Uint8Array(LIMIT + 1)]);
        const next = await sendUntilReceived(dealer, router, (tag) => [EMPTY, bytes(tag)]);
        assert.match(text(next[2]), /^after-\d+$/, 'the oversized frame was never delivered');
        assert.notDeepEqual(next[0], first[0], 'the connection was made again, under a new routing id');

        // Replies reach the sender over the new connection.
        await router.send([next[0]!, EMPTY, bytes('reply')]);
        const reply = await within(dealer.receive(), 10_000, 'the reply');
        assert.equal(text(reply[1]), 'reply');
      });
    }

    test('the default payload limit: a 16 MiB payload frame passes, 16 MiB + overhead + 1 does not', async (t) => {
      const harness = setup(t);
      const limit = maxMessageBytesFor(DEFAULT_MAX_PAYLOAD_BYTES);
      const router = harness.transport('child').router({ maxMessageBytes: limit });
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(await router.bind(loopbackEndpoint(0)));
      await dealer.send([EMPTY, new Uint8Array(DEFAULT_MAX_PAYLOAD_BYTES)]);
      const legal = await within(router.receive(), 20_000, 'the 16 MiB payload');
      assert.equal(legal[2]!.byteLength, DEFAULT_MAX_PAYLOAD_BYTES);
      await dealer.send([EMPTY, new Uint8Array(limit + 1)]);
      const next = await sendUntilReceived(dealer, router, (tag) => [EMPTY, bytes(tag)]);
      assert.match(text(next[2]), /^after-\d+$/);
    });
  });
}

test('maxMessageBytesFor adds the per-frame overhead (CURVE boxes each frame in 33 bytes)', () => {
  assert.ok(FRAME_OVERHEAD_BYTES >= 33);
  assert.equal(maxMessageBytesFor(DEFAULT_MAX_PAYLOAD_BYTES), DEFAULT_MAX_PAYLOAD_BYTES + FRAME_OVERHEAD_BYTES);
});

test('maxMessageBytes must be a positive integer; undefined means no limit', () => {
  assert.equal(resolveSocketOptions({}).maxMessageBytes, undefined);
  assert.equal(resolveSocketOptions({ maxMessageBytes: 10 }).maxMessageBytes, 10);
  for (const bad of [0, -1, 1.5, Number.NaN])
    assert.throws(() => resolveSocketOptions({ maxMessageBytes: bad }), InvalidArgumentError);
});

describe('inbound frame limit with CURVE on (zmq)', () => {
  /** A CURVE pair whose ROUTER has `maxMessageBytes`; libzmq checks it on the encrypted frame. */
  async function curvePair(t: { after(fn: () => Promise<void>): void }, maxMessageBytes: number) {
    const transport = new ZmqTransport();
    const server = generateCurveKeyPair();
    const client = generateCurveKeyPair();
    const router = transport.router({ maxMessageBytes });
    const dealer = transport.dealer();
    t.after(async () => {
      await dealer.close();
      await router.close();
    });
    router.secure!({ role: 'server', secretKey: server.secretKey });
    dealer.secure!({ role: 'client', serverPublicKey: server.publicKey, ...client });
    await dealer.connect(await router.bind(loopbackEndpoint(0)));
    return { router, dealer };
  }

  test('a payload of exactly the limit passes with the frame overhead, and is refused without it', async (t) => {
    const payload = 1024;
    const { router, dealer } = await curvePair(t, maxMessageBytesFor(payload));
    await dealer.send([EMPTY, new Uint8Array(payload)]);
    const legal = await within(router.receive(), 10_000, 'the payload at the limit, encrypted');
    assert.equal(legal[2]!.byteLength, payload);

    // The same payload against a limit without the overhead: the encrypted frame is 33 bytes longer.
    const bare = await curvePair(t, payload);
    await bare.dealer.send([EMPTY, new Uint8Array(payload)]);
    const next = await sendUntilReceived(bare.dealer, bare.router, (tag) => [EMPTY, bytes(tag)]);
    assert.match(text(next[2]), /^after-\d+$/, 'the payload at the limit was refused without the overhead');
  });
});
