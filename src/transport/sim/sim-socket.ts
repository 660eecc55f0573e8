import { ClosedError } from '../../errors.js';
import { framesIterator } from '../socket-iterator.js';
import type { ResolvedSocketOptions } from '../socket-options.js';
import type { Frames, Socket, SocketRole } from '../transport.js';
import type { Pipe } from './pipe.js';
import { toHex } from './trace-value.js';

/** A connection between two simulated sockets. */
export type SimPipe = Pipe<SimSocket>;

/** What a simulated socket needs from its network (implemented by `SimNetwork`; internal). */
export interface SimSocketHost {
  bind(socket: SimSocket, endpoint: string): string;
  connect(socket: SimSocket, endpoint: string): void;
  /** Sends one message over a pipe: faults, trace and delivery through the clock. */
  transmit(pipe: SimPipe, from: SimSocket, frames: Frames): void;
  /** A ROUTER send dropped as libzmq drops it (unknown id, nothing after the id, high-water mark reached). */
  unroutable(from: SimSocket, routingId: Uint8Array, reason: string): void;
  /** The receiver read a message that came over `pipe` (frees room under the high-water mark). */
  consumed(pipe: SimPipe, to: SimSocket): void;
  /** Removes the socket from the network; `abrupt` (a crash) also loses what it sent and is still in flight. */
  detach(socket: SimSocket, abrupt: boolean): void;
}

interface BlockedSend {
  readonly frames: Frames;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Waiter {
  readonly resolve: (frames: Frames) => void;
  readonly reject: (error: unknown) => void;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A simulated DEALER or ROUTER with libzmq's routing rules (see transport.ts). Frames are passed by
 * reference, not copied: do not modify a buffer after sending it.
 *
 * High-water marks as in libzmq: a connection holds at most the sender's send plus the receiver's receive
 * high-water mark of unread messages. A DEALER then sends on another connection with room, or waits (its
 * send promise stays pending, later sends queue behind it); a ROUTER drops the message.
 */
export class SimSocket implements Socket {
  readonly role: SocketRole;
  /** The process (transport name) that owns the socket. */
  readonly process: string;
  readonly id: number;
  readonly options: ResolvedSocketOptions;
  private readonly host: SimSocketHost;
  private isClosed = false;
  /** DEALER: attached pipes, used round robin; ROUTER: the same pipes, addressed by routing id. */
  private readonly pipes: SimPipe[] = [];
  private nextPipe = 0;
  private readonly peersById = new Map<string, SimPipe>();
  /** DEALER messages sent while no pipe was attached (libzmq queues them until a peer connects). */
  private outbox: Frames[] = [];
  /** DEALER sends waiting for room under the high-water mark, in call order. */
  private readonly blocked: BlockedSend[] = [];
  private inbound: Frames[] = [];
  /** The connection each inbound message came over (parallel to `inbound`), to release its room when read. */
  private inboundPipes: SimPipe[] = [];
  private inboundHead = 0;
  private readonly waiters: Waiter[] = [];

  constructor(host: SimSocketHost, role: SocketRole, process: string, id: number, options: ResolvedSocketOptions) {
    this.host = host;
    this.role = role;
    this.process = process;
    this.id = id;
    this.options = options;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** For errors and traces, e.g. `child/router#2`. */
  get name(): string {
    return `${this.process}/${this.role}#${this.id}`;
  }

  bind(endpoint: string): Promise<string> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.name));
    try {
      return Promise.resolve(this.host.bind(this, endpoint));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  connect(endpoint: string): Promise<void> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.name));
    try {
      this.host.connect(this, endpoint);
      return RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  send(frames: Frames): Promise<void> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.name));
    if (this.role === 'router') this.route(frames);
    else if (this.pipes.length === 0) this.outbox.push(frames);
    else {
      const pipe = this.blocked.length === 0 ? this.pipeWithRoom() : undefined;
      if (pipe === undefined)
        return new Promise<void>((resolve, reject) => this.blocked.push({ frames, resolve, reject }));
      this.host.transmit(pipe, this, frames);
    }
    return RESOLVED;
  }

  post(frames: Frames, onFailure: (error: Error) => void): Promise<void> {
    return this.send(frames).then(undefined, onFailure);
  }

  receive(): Promise<Frames> {
    if (this.isClosed) return Promise.reject(new ClosedError(this.name));
    if (this.inboundHead < this.inbound.length) return Promise.resolve(this.takeInbound());
    return new Promise<Frames>((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  [Symbol.asyncIterator](): AsyncIterator<Frames, undefined> {
    return framesIterator(() => this.receive());
  }

  close(): Promise<void> {
    this.shutDown(false);
    return RESOLVED;
  }

  /** A crash: closed at once, and what it sent that is still in flight is lost whatever the linger. */
  crash(): void {
    this.shutDown(true);
  }

  /** The connections currently attached (a copy). */
  get connections(): readonly SimPipe[] {
    return this.pipes.slice();
  }

  /** Called by the network when a connection to a peer is established. */
  attachPipe(pipe: SimPipe): void {
    this.pipes.push(pipe);
    if (this.role === 'router') this.peersById.set(toHex(pipe.peerIdFor(this)), pipe);
    else if (this.outbox.length > 0) {
      // Messages sent before any peer existed were accepted at once (as libzmq queues them): no limit here.
      const queued = this.outbox;
      this.outbox = [];
      for (const frames of queued) this.host.transmit(pipe, this, frames);
    }
    this.unblock();
  }

  /** Called by the network when a connection goes away. */
  detachPipe(pipe: SimPipe): void {
    const index = this.pipes.indexOf(pipe);
    if (index >= 0) this.pipes.splice(index, 1);
    if (this.role === 'router') this.peersById.delete(toHex(pipe.peerIdFor(this)));
  }

  /** Called by the network when the peer read a message this socket sent: blocked sends may go now. */
  unblock(): void {
    while (this.blocked.length > 0 && !this.isClosed) {
      const pipe = this.pipeWithRoom();
      if (pipe === undefined) return;
      const next = this.blocked.shift()!;
      this.host.transmit(pipe, this, next.frames);
      next.resolve();
    }
  }

  /** True when this ROUTER already has a peer with that routing id (libzmq then refuses the newcomer). */
  hasPeer(routingId: Uint8Array): boolean {
    return this.peersById.has(toHex(routingId));
  }

  /** Hands an arriving message to the longest-waiting receive() or queues it. */
  deliver(pipe: SimPipe, frames: Frames): void {
    const message = this.role === 'router' ? [pipe.peerIdFor(this), ...frames] : frames;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.host.consumed(pipe, this);
      waiter.resolve(message);
    } else {
      this.inbound.push(message);
      this.inboundPipes.push(pipe);
    }
  }

  /** Round robin over the connections that have room under the high-water mark (libzmq's load balancer). */
  private pipeWithRoom(): SimPipe | undefined {
    for (let tried = 0; tried < this.pipes.length; tried++) {
      const pipe = this.pipes[this.nextPipe++ % this.pipes.length]!;
      if (!pipe.full(pipe.directionFrom(this))) return pipe;
    }
    return undefined;
  }

  /**
   * libzmq ROUTER: the first frame picks the peer and is stripped; an unknown id, or a message that is only
   * the id (a single-frame send), is dropped silently.
   * @see MF-FRAME-3
   */
  private route(frames: Frames): void {
    const routingId = frames[0];
    if (routingId === undefined) return;
    const pipe = frames.length < 2 ? undefined : this.peersById.get(toHex(routingId));
    if (pipe === undefined)
      this.host.unroutable(this, routingId, frames.length < 2 ? 'no frame after the routing id' : 'unknown routing id');
    else if (pipe.full(pipe.directionFrom(this))) this.host.unroutable(this, routingId, 'high-water mark reached');
    else this.host.transmit(pipe, this, frames.slice(1));
  }

  private takeInbound(): Frames {
    const frames = this.inbound[this.inboundHead]!;
    const pipe = this.inboundPipes[this.inboundHead]!;
    this.inbound[this.inboundHead] = EMPTY;
    this.inboundPipes[this.inboundHead++] = NO_PIPE;
    // Compact now and then so a long-lived socket does not keep every message it ever received.
    if (this.inboundHead >= 1024 && this.inboundHead * 2 >= this.inbound.length) {
      this.inbound = this.inbound.slice(this.inboundHead);
      this.inboundPipes = this.inboundPipes.slice(this.inboundHead);
      this.inboundHead = 0;
    }
    this.host.consumed(pipe, this);
    return frames;
  }

  private shutDown(abrupt: boolean): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.outbox = [];
    this.inbound = [];
    this.inboundPipes = [];
    this.inboundHead = 0;
    this.host.detach(this, abrupt);
    const error = new ClosedError(this.name);
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
    for (const send of this.blocked.splice(0)) send.reject(error);
  }
}

const EMPTY: Frames = [];
/** Placeholder for a consumed slot of `inboundPipes` (never read). */
const NO_PIPE = undefined as unknown as SimPipe;
