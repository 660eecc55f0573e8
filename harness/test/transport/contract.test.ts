/**
 * The Transport contract, run unchanged on both backends (real ZeroMQ and the simulated network).
 * @see MF-FRAME-1, MF-FRAME-2, MF-FRAME-4 (ROUTER drops unroutable sends), MF-LIFE-1 (loopback binds)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClosedError, ConnectionError } from '../../../src/errors.js';
import { endpointPort, loopbackEndpoint } from '../../../src/transport/transport.js';
import type { Frames, Socket } from '../../../src/transport/transport.js';
import { EMPTY, type Harness, backends, bytes, text, within } from './backends.js';

async function receive(socket: Socket, what = 'receive'): Promise<Frames> {
  return within(socket.receive(), 10_000, what);
}

async function boundRouter(harness: Harness): Promise<{ router: Socket; endpoint: string }> {
  const router = harness.transport('child').router();
  const endpoint = await router.bind(loopbackEndpoint(0));
  return { router, endpoint };
}

for (const backend of backends()) {
  describe(`Transport contract on ${backend.name}`, () => {
    const setup = (t: { after(fn: () => Promise<void>): void }): Harness => {
      const harness = backend.create();
      t.after(() => harness.dispose());
      return harness;
    };

    test('bind to port 0 resolves to the loopback endpoint actually bound (MF-LIFE-1)', async (t) => {
      const { endpoint } = await boundRouter(setup(t));
      assert.match(endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
      assert.ok(endpointPort(endpoint)! > 0);
    });

    test('binding an endpoint already bound fails with ConnectionError EADDRINUSE', async (t) => {
      const harness = setup(t);
      const { endpoint } = await boundRouter(harness);
      const second = harness.transport('other').router();
      await assert.rejects(second.bind(endpoint), (error: unknown) => {
        assert.ok(error instanceof ConnectionError);
        assert.equal(error.transportCode, 'EADDRINUSE');
        return true;
      });
    });

    test('DEALER to ROUTER echo: the ROUTER sees [routingId, empty, payload] and routes the reply back (MF-FRAME-2)', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      await dealer.send([EMPTY, bytes('ping')]);
      const inbound = await receive(router);
      assert.equal(inbound.length, 3);
      assert.ok(inbound[0]!.length > 0, 'routing id frame');
      assert.equal(inbound[1]!.length, 0);
      assert.equal(text(inbound[2]), 'ping');
      await router.send([inbound[0]!, EMPTY, bytes('pong')]);
      const reply = await receive(dealer);
      assert.deepEqual(reply.map(text), ['', 'pong']);
    });

    test('a DEALER may connect and send before the ROUTER binds; the message arrives once it does', async (t) => {
      const harness = setup(t);
      const port = await harness.freePort();
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(loopbackEndpoint(port));
      const sent = dealer.send([EMPTY, bytes('early')]);
      const router = harness.transport('child').router();
      await router.bind(loopbackEndpoint(port));
      await within(sent, 10_000, 'send');
      assert.equal(text((await receive(router))[2]), 'early');
    });

    test('a ROUTER may connect to a bound DEALER (spawn mode); a send waiting for the peer goes out once it connects', async (t) => {
      const harness = setup(t);
      const dealer = harness.transport('parent').dealer();
      const endpoint = await dealer.bind(loopbackEndpoint(0));
      const sent = dealer.send([EMPTY, bytes('call')]);
      const router = harness.transport('child').router();
      await router.connect(endpoint);
      const inbound = await receive(router);
      assert.equal(text(inbound[2]), 'call');
      await within(sent, 10_000, 'send');
      await router.send([inbound[0]!, EMPTY, bytes('reply')]);
      assert.equal(text((await receive(dealer))[1]), 'reply');
    });

    test('an explicit DEALER routing id is the first frame at the ROUTER, byte for byte', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const id = new Uint8Array([0x41, 0x00, 0xff, 0x7f]);
      const dealer = harness.transport('parent').dealer({ routingId: id });
      await dealer.connect(endpoint);
      await dealer.send([EMPTY, bytes('x')]);
      const inbound = await receive(router);
      assert.deepEqual([...inbound[0]!], [...id]);
    });

    test('1,000 messages arrive in the order sent, both ways', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 1000; i++) sends.push(dealer.send([EMPTY, bytes(String(i))]));
      let routingId: Uint8Array | undefined;
      for (let i = 0; i < 1000; i++) {
        const inbound = await receive(router, `message ${i}`);
        assert.equal(text(inbound[2]), String(i));
        routingId = inbound[0];
        void router.send([routingId!, EMPTY, bytes(`r${i}`)]);
      }
      await within(Promise.all(sends));
      for (let i = 0; i < 1000; i++) assert.equal(text((await receive(dealer, `reply ${i}`))[1]), `r${i}`);
    });

    test('under back-pressure (high-water marks of 1) sends wait, then all go out in call order', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await (async () => {
        const socket = harness.transport('child').router({ sendHighWaterMark: 1, receiveHighWaterMark: 1 });
        return { router: socket, endpoint: await socket.bind(loopbackEndpoint(0)) };
      })();
      const dealer = harness.transport('parent').dealer({ sendHighWaterMark: 1, receiveHighWaterMark: 1 });
      await dealer.connect(endpoint);
      const count = 3000;
      let settled = 0;
      const sends = Array.from({ length: count }, (_, i) =>
        dealer.send([EMPTY, bytes(String(i))]).then(() => void settled++),
      );
      // Nobody reads yet: once the connection is full, sends must wait (on ZeroMQ: the EBUSY queue path).
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.ok(settled < count, `all ${count} sends completed without back-pressure`);
      for (let i = 0; i < count; i++) assert.equal(text((await receive(router, `message ${i}`))[2]), String(i));
      await within(Promise.all(sends));
      assert.equal(settled, count);
    });

    test('a ROUTER send to an unknown routing id is dropped silently; later sends still route', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      await dealer.send([EMPTY, bytes('hello')]);
      const [routingId] = await receive(router);
      await router.send([bytes('nobody-has-this-id'), EMPTY, bytes('lost')]);
      await router.send([routingId!, EMPTY, bytes('found')]);
      assert.equal(text((await receive(dealer))[1]), 'found');
    });

    test('a ROUTER send of the routing id alone is dropped silently, as libzmq does (MF-FRAME-3)', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      await dealer.send([EMPTY, bytes('hello')]);
      const [routingId] = await receive(router);
      await router.send([routingId!]);
      await router.send([routingId!, bytes('only')]);
      assert.deepEqual((await receive(dealer)).map(text), ['only']);
    });

    test('close while a receive is pending rejects it with ClosedError, and close never hangs', async (t) => {
      const { router } = await boundRouter(setup(t));
      const pending = router.receive();
      await within(router.close(), 5_000, 'close');
      await assert.rejects(within(pending), ClosedError);
      assert.equal(router.closed, true);
      await router.close(); // idempotent
    });

    test('the async iterator yields messages and ends cleanly when the socket closes', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      for (const word of ['a', 'b', 'c']) await dealer.send([EMPTY, bytes(word)]);
      const seen: string[] = [];
      const loop = (async () => {
        for await (const frames of router) {
          seen.push(text(frames[2]));
          if (seen.length === 3) void router.close();
        }
      })();
      await within(loop, 10_000, 'iterator loop');
      assert.deepEqual(seen, ['a', 'b', 'c']);
    });

    test('send, receive, bind and connect after close reject with ClosedError', async (t) => {
      const harness = setup(t);
      const dealer = harness.transport('parent').dealer();
      await dealer.close();
      await assert.rejects(dealer.send([EMPTY, bytes('x')]), ClosedError);
      await assert.rejects(dealer.receive(), ClosedError);
      await assert.rejects(dealer.bind(loopbackEndpoint(0)), ClosedError);
      await assert.rejects(dealer.connect(loopbackEndpoint(5555)), ClosedError);
    });

    test('post delivers like send, and reports failure to its callback with a promise that still fulfils', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      const failures: Error[] = [];
      await dealer.post([EMPTY, bytes('posted')], (error) => void failures.push(error));
      const inbound = await receive(router);
      assert.equal(text(inbound[2]!), 'posted');
      await dealer.close();
      assert.equal(await dealer.post([EMPTY, bytes('late')], (error) => void failures.push(error)), undefined);
      assert.equal(failures.length, 1);
      assert.ok(failures[0] instanceof ClosedError);
    });

    test('sends still queued when the socket closes all settle (resolved or ClosedError)', async (t) => {
      const harness = setup(t);
      const port = await harness.freePort();
      const dealer = harness.transport('parent').dealer({ sendHighWaterMark: 1 });
      await dealer.connect(loopbackEndpoint(port)); // nobody binds: sends pile up
      const sends = Array.from({ length: 20 }, (_, i) => dealer.send([EMPTY, bytes(String(i))]));
      await dealer.close();
      const results = await within(Promise.allSettled(sends));
      for (const result of results) {
        if (result.status === 'rejected') assert.ok(result.reason instanceof ClosedError, String(result.reason));
      }
    });

    test('multipart messages keep empty frames, in place', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      await dealer.send([EMPTY, EMPTY, bytes('mid'), EMPTY]);
      const inbound = await receive(router);
      assert.deepEqual(inbound.slice(1).map(text), ['', '', 'mid', '']);
      await router.send([inbound[0]!, EMPTY, EMPTY]);
      assert.deepEqual((await receive(dealer)).map(text), ['', '']);
    });

    test('a 4 MiB frame arrives intact', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      const large = new Uint8Array(4 * 1024 * 1024);
      for (let i = 0; i < large.length; i++) large[i] = (i * 31 + 7) & 0xff;
      await dealer.send([EMPTY, large]);
      const inbound = await receive(router);
      assert.equal(inbound[2]!.length, large.length);
      assert.ok(Buffer.from(inbound[2]!).equals(Buffer.from(large)));
    });

    test('many DEALERs on one ROUTER each get their own replies, in order', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealers = await Promise.all(
        Array.from({ length: 16 }, async (_, d) => {
          const dealer = harness.transport(`parent-${d}`).dealer();
          await dealer.connect(endpoint);
          return dealer;
        }),
      );
      const perDealer = 25;
      const echo = (async () => {
        for (let i = 0; i < dealers.length * perDealer; i++) {
          const [id, , payload] = await receive(router, 'echo');
          await router.send([id!, EMPTY, payload!]);
        }
      })();
      await Promise.all(
        dealers.map(async (dealer, d) => {
          for (let i = 0; i < perDealer; i++) void dealer.send([EMPTY, bytes(`${d}:${i}`)]);
          for (let i = 0; i < perDealer; i++)
            assert.equal(text((await receive(dealer, `dealer ${d}`))[1]), `${d}:${i}`);
        }),
      );
      await within(echo);
    });

    test('concurrent receive() calls are served in call order', async (t) => {
      const harness = setup(t);
      const { router, endpoint } = await boundRouter(harness);
      const dealer = harness.transport('parent').dealer();
      await dealer.connect(endpoint);
      const first = router.receive();
      const second = router.receive();
      await dealer.send([EMPTY, bytes('1')]);
      await dealer.send([EMPTY, bytes('2')]);
      assert.equal(text((await within(first))[2]), '1');
      assert.equal(text((await within(second))[2]), '2');
    });
  });
}
