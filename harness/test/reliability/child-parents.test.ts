// A long-lived connect-mode child sees many parents come and go. What it remembers per parent (to route
// STDOUT/STDERR, MF-FRAME-3) must stay bounded: found while reviewing leaks, the child kept every routing id it
// ever saw and sent each output line to all of them, so one line cost one send per parent that ever connected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConformanceWorker } from '../../../src/conform/reference-worker.js';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { parentFrames } from '../../../src/protocol/framing.js';
import { createCall } from '../../../src/protocol/messages.js';
import { PROFILES } from '../../../src/protocol/profile.js';
import { createSimNetwork } from '../../../src/sim.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import type { Frames, Socket, SocketOptions, Transport } from '../../../src/transport/transport.js';
import { SimHost } from '../../../src/worker/sim/sim-host.js';

/** A transport whose ROUTER counts the messages it sends. */
function countingRouter(inner: Transport): { transport: Transport; sends: () => number } {
  let sends = 0;
  const transport: Transport = {
    kind: inner.kind,
    dealer: (options?: SocketOptions) => inner.dealer(options),
    router: (options?: SocketOptions): Socket => {
      const socket = inner.router(options);
      const send = socket.send.bind(socket);
      socket.send = (frames: Frames) => {
        sends++;
        return send(frames);
      };
      return socket;
    },
  };
  return { transport, sends: () => sends };
}

test('MF-FRAME-3, MF-OUT-1: a child that served 300 parents in turn sends one output line to a bounded number of them', async (t) => {
  const clock = new VirtualClock();
  const stopAdvancing = clock.autoAdvance();
  t.after(stopAdvancing);
  const network = createSimNetwork({ clock, seed: 1, trace: false });
  const counted = countingRouter(network.transport('child'));
  let endpoint = '';
  const host = new SimHost(4242, {}, () => undefined); // captures output, as a real process's console does
  const child = new ConformanceWorker({
    serviceId: 'many-parents',
    transport: counted.transport,
    host,
    clock,
    registration: {
      register: async (_id, port) => void (endpoint = `tcp://127.0.0.1:${port}`),
      unregister: async () => undefined,
    },
  });
  await child.start();
  t.after(() => child.stop());
  const callOnce = async (name: string, fn: string, args: unknown[]): Promise<void> => {
    const dealer = network.transport(name).dealer();
    await dealer.connect(endpoint);
    await dealer.send(parentFrames(defaultCodec.encode(createCall(PROFILES.v3, `${name}-1`, 1.5, fn, args))));
    // Wait for the RESPONSE (output messages may come first).
    for (;;) {
      const reply = defaultCodec.decodeValue((await dealer.receive()).at(-1)!) as { type: string };
      if (reply.type === 'response') break;
    }
    await dealer.close();
  };
  for (let i = 0; i < 300; i++) await callOnce(`parent-${i}`, 'echo', [i]);
  const before = counted.sends();
  await callOnce('last', 'write_stdout', ['one line']);
  const sendsForOneLine = counted.sends() - before - 1; // minus the RESPONSE
  assert.ok(sendsForOneLine >= 1, 'the live parent must get the line');
  assert.ok(sendsForOneLine <= 32, `one output line was sent ${sendsForOneLine} times (once per parent ever seen)`);
});
