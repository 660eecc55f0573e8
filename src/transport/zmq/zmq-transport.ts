import type { Socket, SocketOptions, Transport } from '../transport.js';
import { ZmqSocket } from './zmq-socket.js';

/**
 * Real ZeroMQ sockets (zeromq.js v6, the process-wide default context).
 *
 * Every socket gets explicit high-water marks (default 10,000 messages each way) and linger (default 0 ms,
 * so close never waits for unsent messages). Bind loopback endpoints (`tcp://127.0.0.1:0` picks a free port,
 * see `loopbackEndpoint` in transport.ts); nothing here binds a wildcard address unless told to.
 *
 * @example
 * const transport = new ZmqTransport();
 * const router = transport.router();
 * const endpoint = await router.bind('tcp://127.0.0.1:0'); // e.g. tcp://127.0.0.1:41234
 */
export class ZmqTransport implements Transport {
  readonly kind = 'zmq' as const;
  private readonly defaults: SocketOptions;
  private created = 0;

  /** @param defaults socket options applied to every socket unless the call overrides them. */
  constructor(defaults: SocketOptions = {}) {
    this.defaults = defaults;
  }

  dealer(options: SocketOptions = {}): Socket {
    return new ZmqSocket('dealer', { ...this.defaults, ...options }, `zmq dealer #${++this.created}`);
  }

  router(options: SocketOptions = {}): Socket {
    return new ZmqSocket('router', { ...this.defaults, ...options }, `zmq router #${++this.created}`);
  }
}
