/**
 * The one place the kit gets its transports from: real ZeroMQ, unless a caller (a test, a tool embedding the
 * kit) puts another factory in place, e.g. one that hands out the simulator's. Every part of the kit that
 * opens sockets asks here, so none of them is tied to ZeroMQ by an inline `new ZmqTransport()`.
 */
import type { Transport } from '../transport/transport.js';
import { ZmqTransport } from '../transport/zmq/index.js';

export type TransportFactory = () => Transport;

const zeromq: TransportFactory = () => new ZmqTransport();
let current: TransportFactory = zeromq;

/** A transport for one part of the kit (a session, a relay, a measurement). */
export function kitTransport(): Transport {
  return current();
}

/** Makes `factory` the source of the kit's transports until the returned function restores the previous one. */
export function useKitTransport(factory: TransportFactory): () => void {
  const previous = current;
  current = factory;
  return () => {
    current = previous;
  };
}
