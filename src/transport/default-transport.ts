/**
 * The transport a worker uses when it is given none: real ZeroMQ. It is imported on first use, so simulated
 * workers and the child entry point never load the native module.
 */
import type { Transport } from './transport.js';

/** A new ZeroMQ transport (process-wide default context), loading `zeromq` on the first call. */
export async function defaultTransport(): Promise<Transport> {
  const { ZmqTransport } = await import('./zmq/index.js');
  return new ZmqTransport();
}
