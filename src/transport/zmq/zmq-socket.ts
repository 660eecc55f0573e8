import { createRequire } from 'node:module';
import type { Dealer, Router } from 'zeromq';
import { ClosedError, ConnectionError } from '../../errors.js';
import { framesIterator } from '../socket-iterator.js';
import { resolveSocketOptions } from '../socket-options.js';
import { realClock } from '../../time/real-clock.js';
import type { CurveSocketOptions, Frames, PeerEvent, Socket, SocketOptions, SocketRole } from '../transport.js';
import { isIpv6Endpoint } from '../transport.js';
import { toTransportError, zmqCode } from './zmq-errors.js';
import { ReconnectGuard } from './reconnect-guard.js';
import { applyCurve, watchSocketPeers } from './zmq-peers.js';

/**
 * zeromq.js is CommonJS: require() loads it directly, where an ES import first has Node scan its source
 * for export names (a few milliseconds of every worker's start-up).
 */
const zmq = createRequire(import.meta.url)('zeromq') as typeof import('zeromq');

interface QueuedSend {
  readonly frames: Frames;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface QueuedReceive {
  readonly resolve: (frames: Frames) => void;
  readonly reject: (error: unknown) => void;
}

/** A pending zeromq.js operation; only ever awaited to learn when the next one may start. */
type Pending = Promise<unknown>;

/**
 * A ZeroMQ DEALER or ROUTER behind the {@link Socket} interface.
 *
 * zeromq.js v6 allows one `send` in progress once sends must wait (at the high-water mark), and one
 * `receive`; a second call throws `EBUSY` synchronously. So the fast path simply hands the message to
 * zeromq.js (which queues it at once when the socket is writable: one native call, one promise hop to map
 * errors). Only when zeromq.js answers `EBUSY` does the message go into an ordered queue, drained back to back
 * as soon as the operation in progress settles: no polling, no sleeps. Everything queued after that waits
 * behind it, so call order is kept. `receive()` works the same way, so several callers may wait at once.
 *
 * Messages still in our queue at close are rejected with `ClosedError`; those already handed to zeromq.js
 * are kept for `lingerMs` (default 0: dropped, so close never hangs).
 */
export class ZmqSocket implements Socket {
  readonly role: SocketRole;
  private readonly socket: Dealer | Router;
  private readonly name: string;
  private isClosed = false;
  private readonly sendQueue: QueuedSend[] = [];
  private lastSend: Pending | undefined;
  private readonly receiveQueue: QueuedReceive[] = [];
  private lastReceive: Pending | undefined;
  /** Set with a message size limit: a connection dropped for an oversized frame is made again. */
  private readonly reconnectGuard: ReconnectGuard | undefined;

  /** @param name used in error messages, e.g. `zmq dealer #1`. */
  constructor(role: SocketRole, options: SocketOptions = {}, name = `zmq ${role}`) {
    const resolved = resolveSocketOptions(options);
    const zmqOptions = {
      sendHighWaterMark: resolved.sendHighWaterMark,
      receiveHighWaterMark: resolved.receiveHighWaterMark,
      linger: resolved.lingerMs,
      // zeromq.js types routing ids as strings, but its native setter takes a Buffer as raw bytes, which
      // is what a binary id needs (a string would be re-encoded as UTF-8).
      ...(resolved.routingId === undefined ? {} : { routingId: Buffer.from(resolved.routingId) as unknown as string }),
      // Checked per frame as its length arrives, before anything is buffered (MF-SEC-3).
      ...(resolved.maxMessageBytes === undefined ? {} : { maxMessageSize: resolved.maxMessageBytes }),
    };
    this.role = role;
    this.name = name;
    this.socket = role === 'dealer' ? new zmq.Dealer(zmqOptions) : new zmq.Router(zmqOptions);
    if (resolved.maxMessageBytes !== undefined) this.reconnectGuard = new ReconnectGuard(this.socket, realClock);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  watchPeers(listener: (event: PeerEvent) => void): () => void {
    return watchSocketPeers(this.socket, listener);
  }

  secure(curve: CurveSocketOptions): void {
    if (this.isClosed) throw new ClosedError(this.name);
    applyCurve(this.socket, curve);
  }

  /** `tcp://host:0` binds a free port (zeromq.js spells it `*`); resolves to the endpoint actually bound. */
  async bind(endpoint: string): Promise<string> {
    if (this.isClosed) throw new ClosedError(this.name);
    const zmqEndpoint = endpoint.replace(/^(tcp:\/\/.+):0$/, '$1:*');
    try {
      if (isIpv6Endpoint(endpoint)) this.socket.ipv6 = true;
      await this.socket.bind(zmqEndpoint);
    } catch (error) {
      throw toTransportError(error, this.name, `bind ${endpoint}`, this.isClosed);
    }
    return this.socket.lastEndpoint ?? endpoint;
  }

  connect(endpoint: string): Promise<void> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.name));
    try {
      if (isIpv6Endpoint(endpoint)) this.socket.ipv6 = true;
      this.socket.connect(endpoint);
      this.reconnectGuard?.track(endpoint);
    } catch (error) {
      return Promise.reject(toTransportError(error, this.name, `connect ${endpoint}`, false));
    }
    return Promise.resolve();
  }

  send(frames: Frames): Promise<void> {
    const pending = this.sendUnmapped(frames);
    return pending === this.lastSend ? pending.then(undefined, this.rejectSend) : pending;
  }

  post(frames: Frames, onFailure: (error: Error) => void): Promise<void> {
    // One handler for both kinds of promise sendUnmapped gives: mapping is idempotent.
    return this.sendUnmapped(frames).then(undefined, (error: unknown) => onFailure(this.sendError(error)));
  }

  /** send(), except that on the fast path the promise is zeromq.js's own (rejecting with its raw error). */
  private sendUnmapped(frames: Frames): Promise<void> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.name));
    if (this.sendQueue.length > 0) return this.enqueueSend(frames);
    let pending: Promise<void>;
    try {
      pending = this.socket.send(frames);
    } catch (error) {
      if (zmqCode(error) === 'EBUSY') return this.enqueueSend(frames);
      return Promise.reject(this.sendError(error));
    }
    this.lastSend = pending;
    return pending;
  }

  receive(): Promise<Frames> {
    const pending = this.receiveUnmapped();
    return pending === this.lastReceive ? pending.then(undefined, this.rejectReceive) : pending;
  }

  [Symbol.asyncIterator](): AsyncIterator<Frames, undefined> {
    return framesIterator(() => this.receiveUnmapped(), this.receiveError);
  }

  /**
   * receive(), except that on the fast path the promise is zeromq.js's own, whose rejection the caller
   * maps with receiveError (mapping is idempotent, so the queued paths' mapped errors pass through).
   */
  private receiveUnmapped(): Promise<Frames> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.name));
    if (this.receiveQueue.length > 0) return this.enqueueReceive();
    let pending: Promise<Frames>;
    try {
      pending = this.socket.receive();
    } catch (error) {
      if (zmqCode(error) === 'EBUSY') return this.enqueueReceive();
      return Promise.reject(this.receiveError(error));
    }
    this.lastReceive = pending;
    return pending;
  }

  /** Synchronous underneath (zeromq.js `close()`); pending and queued operations reject with `ClosedError`. */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    this.reconnectGuard?.close();
    this.socket.close();
    const closedError = new ClosedError(this.name);
    for (const queued of this.sendQueue.splice(0)) queued.reject(closedError);
    for (const queued of this.receiveQueue.splice(0)) queued.reject(closedError);
    return Promise.resolve();
  }

  private readonly sendError = (error: unknown): ClosedError | ConnectionError =>
    toTransportError(error, this.name, 'send', this.isClosed);

  private readonly rejectSend = (error: unknown): never => {
    throw this.sendError(error);
  };

  private readonly receiveError = (error: unknown): ClosedError | ConnectionError =>
    toTransportError(error, this.name, 'receive', this.isClosed);

  private readonly rejectReceive = (error: unknown): never => {
    throw this.receiveError(error);
  };

  private enqueueSend(frames: Frames): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // The first queued message waits for the send in progress; later ones wait behind it.
      if (this.sendQueue.length === 0) this.lastSend?.then(this.drainSends, this.drainSends);
      this.sendQueue.push({ frames, resolve, reject });
    });
  }

  /** Hands queued messages to zeromq.js in order until it is busy again (then waits for that send). */
  private readonly drainSends = (): void => {
    while (!this.isClosed && this.sendQueue.length > 0) {
      const next = this.sendQueue[0]!;
      let pending: Promise<void>;
      try {
        pending = this.socket.send(next.frames);
      } catch (error) {
        if (zmqCode(error) === 'EBUSY') {
          this.lastSend?.then(this.drainSends, this.drainSends);
          return;
        }
        this.sendQueue.shift();
        next.reject(this.sendError(error));
        continue;
      }
      this.sendQueue.shift();
      this.lastSend = pending;
      pending.then(next.resolve, (error: unknown) => next.reject(this.sendError(error)));
    }
  };

  private enqueueReceive(): Promise<Frames> {
    return new Promise<Frames>((resolve, reject) => {
      if (this.receiveQueue.length === 0) this.lastReceive?.then(this.drainReceives, this.drainReceives);
      this.receiveQueue.push({ resolve, reject });
    });
  }

  /** Starts the receive of the longest-waiting caller once the one in progress settled. */
  private readonly drainReceives = (): void => {
    while (!this.isClosed && this.receiveQueue.length > 0) {
      const next = this.receiveQueue[0]!;
      let pending: Promise<Frames>;
      try {
        pending = this.socket.receive();
      } catch (error) {
        if (zmqCode(error) === 'EBUSY') {
          this.lastReceive?.then(this.drainReceives, this.drainReceives);
          return;
        }
        this.receiveQueue.shift();
        next.reject(this.receiveError(error));
        continue;
      }
      this.receiveQueue.shift();
      this.lastReceive = pending;
      pending.then(next.resolve, (error: unknown) => next.reject(this.receiveError(error)));
      // Only one receive may be in progress: the next caller waits for this one.
      if (this.receiveQueue.length > 0) pending.then(this.drainReceives, this.drainReceives);
      return;
    }
  };
}
