import type { ResolvedSocketOptions } from '../socket-options.js';

/**
 * What a pipe needs of the sockets at its ends: their high-water marks. Declared here, not imported from
 * sim-socket.ts, so the pipe does not depend on the socket that depends on it; the network and the socket
 * use `Pipe<SimSocket>`, named `SimPipe` in sim-socket.ts.
 */
export interface PipeEnd {
  readonly options: Pick<ResolvedSocketOptions, 'sendHighWaterMark' | 'receiveHighWaterMark'>;
}

/** Index of a direction on a pipe: 0 is connector to binder, 1 is binder to connector. */
export type PipeDirection = 0 | 1;

/**
 * One connection between a connecting and a binding socket (libzmq's pipe pair), carrying messages both
 * ways in order. A ROUTER end addresses the other end by the routing id stored here.
 */
export class Pipe<End extends PipeEnd> {
  readonly id: number;
  readonly endpoint: string;
  readonly connector: End;
  readonly binder: End;
  /** Routing id under which the connector knows the binder (used when the connector is a ROUTER). */
  readonly binderId: Uint8Array;
  /** Routing id under which the binder knows the connector (used when the binder is a ROUTER). */
  readonly connectorId: Uint8Array;
  /** False once either end closed or crashed. */
  open = true;
  /** The end that closed gracefully with linger > 0: its messages already sent are still delivered. */
  lingering: End | undefined;
  /** Latest scheduled delivery time per direction, in ms, so in-order messages never overtake each other. */
  readonly lastDueMs: [number, number] = [0, 0];
  /** Messages per direction sent and not yet read by the receiver (in flight or in its inbound queue). */
  readonly queued: [number, number] = [0, 0];
  /**
   * Per direction, how many unread messages the connection holds, as libzmq's pipe: the sender's send
   * high-water mark plus the receiver's receive high-water mark; 0 (either side 0) means no limit.
   */
  readonly capacity: [number, number];

  constructor(
    id: number,
    endpoint: string,
    connector: End,
    binder: End,
    connectorId: Uint8Array,
    binderId: Uint8Array,
  ) {
    this.id = id;
    this.endpoint = endpoint;
    this.connector = connector;
    this.binder = binder;
    this.connectorId = connectorId;
    this.binderId = binderId;
    this.capacity = [limit(connector, binder), limit(binder, connector)];
  }

  /** The direction of a message sent by `from`. */
  directionFrom(from: End): PipeDirection {
    return from === this.connector ? 0 : 1;
  }

  /** The direction of a message received by `to`. */
  directionTo(to: End): PipeDirection {
    return to === this.binder ? 0 : 1;
  }

  /** True when a direction holds as many unread messages as its {@link capacity}. */
  full(direction: PipeDirection): boolean {
    const capacity = this.capacity[direction];
    return capacity > 0 && this.queued[direction] >= capacity;
  }

  /** The receiving end of a message travelling in `direction`. */
  receiver(direction: PipeDirection): End {
    return direction === 0 ? this.binder : this.connector;
  }

  sender(direction: PipeDirection): End {
    return direction === 0 ? this.connector : this.binder;
  }

  /** The routing id `socket` (a ROUTER end) uses for the other end. */
  peerIdFor(socket: End): Uint8Array {
    return socket === this.connector ? this.binderId : this.connectorId;
  }
}

function limit(sender: PipeEnd, receiver: PipeEnd): number {
  const sendLimit = sender.options.sendHighWaterMark;
  const receiveLimit = receiver.options.receiveHighWaterMark;
  return sendLimit > 0 && receiveLimit > 0 ? sendLimit + receiveLimit : 0;
}
