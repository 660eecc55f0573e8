/**
 * The two Transport backends for the contract suite (`for (const backend of backends())`): real ZeroMQ on
 * loopback, and the simulated network on an auto-advancing VirtualClock (so the same test code, which only
 * awaits events, runs unchanged on virtual time). Every socket created through a harness is closed by
 * `dispose()`, which tests register with `t.after`, so nothing leaks when a test fails.
 */
import { createServer } from 'node:net';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { realClock } from '../../../src/time/real-clock.js';
import { SimNetwork } from '../../../src/transport/sim/sim-network.js';
import type { Socket, SocketOptions, Transport } from '../../../src/transport/transport.js';
import { ZmqTransport } from '../../../src/transport/zmq/zmq-transport.js';

export interface Harness {
  /** The transport of a named process (the simulator keeps processes apart; ZeroMQ has one context). */
  transport(process: string): Transport;
  /** A loopback port that nothing listens on now (and that a later bind may take). */
  freePort(): Promise<number>;
  /** Closes every socket created through `transport()` and stops the clock driver. */
  dispose(): Promise<void>;
}

export interface Backend {
  readonly name: 'zmq' | 'memory';
  create(): Harness;
}

class TrackingTransport implements Transport {
  readonly kind: 'zmq' | 'memory';
  constructor(
    private readonly inner: Transport,
    private readonly sockets: Socket[],
  ) {
    this.kind = inner.kind;
  }

  dealer(options?: SocketOptions): Socket {
    const socket = this.inner.dealer(options);
    this.sockets.push(socket);
    return socket;
  }

  router(options?: SocketOptions): Socket {
    const socket = this.inner.router(options);
    this.sockets.push(socket);
    return socket;
  }
}

const zmqBackend: Backend = {
  name: 'zmq',
  create() {
    const sockets: Socket[] = [];
    const transport = new TrackingTransport(new ZmqTransport(), sockets);
    return {
      transport: () => transport,
      // Asked of the OS with a plain TCP server, closed before resolving: a ZeroMQ socket releases its port
      // asynchronously (in its I/O thread), so probing with one would race the later bind.
      freePort: () =>
        new Promise<number>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address !== null ? address.port : 0;
            server.close(() => resolve(port));
          });
        }),
      dispose: async () => {
        await Promise.all(sockets.map((socket) => socket.close()));
      },
    };
  },
};

const memoryBackend: Backend = {
  name: 'memory',
  create() {
    const sockets: Socket[] = [];
    const clock = new VirtualClock();
    const stopClock = clock.autoAdvance();
    const network = new SimNetwork({ clock, seed: 1 });
    const transports = new Map<string, Transport>();
    return {
      transport: (process) => {
        let transport = transports.get(process);
        if (transport === undefined)
          transports.set(process, (transport = new TrackingTransport(network.transport(process), sockets)));
        return transport;
      },
      freePort: async () => {
        const probe = network.transport('probe').router();
        const endpoint = await probe.bind('tcp://127.0.0.1:0');
        await probe.close();
        return Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
      },
      dispose: async () => {
        await Promise.all(sockets.map((socket) => socket.close()));
        stopClock();
      },
    };
  },
};

/** Both backends, ZeroMQ first. */
export function backends(): readonly Backend[] {
  return [zmqBackend, memoryBackend];
}

/** Rejects when `promise` has not settled after `ms` of real time: a generous guard, never a wait. */
export async function within<T>(promise: Promise<T>, ms = 10_000, what = 'operation'): Promise<T> {
  let timer: { cancel(): void } | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = realClock.setTimer(ms, () => reject(new Error(`${what} did not complete within ${ms} ms`)));
  });
  try {
    return await Promise.race([promise, guard]);
  } finally {
    timer?.cancel();
  }
}

/** Frame helpers: bytes from text, text from bytes. */
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (frame: Uint8Array | undefined): string =>
  frame === undefined ? '<missing>' : new TextDecoder().decode(frame);
export const EMPTY = new Uint8Array(0);
