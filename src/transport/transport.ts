/**
 * The transport boundary: ROUTER/DEALER sockets carrying multipart frames.
 *
 * Two implementations ship: real ZeroMQ (`src/transport/zmq/`, the only importer of `zeromq`) and the
 * deterministic in-memory simulator (`src/transport/sim/`). Core code depends on these interfaces only;
 * a Transport is passed into constructors, never installed globally.
 *
 * Semantics follow libzmq:
 * - a DEALER sends and receives frames as given (the Multifrost parent sends `[empty, payload]`);
 * - a ROUTER prepends the sending peer's routing id on receive, and routes a send by its first frame,
 *   which it strips; a send to an unknown routing id is silently dropped (MF-FRAME-4);
 * - messages on one pipe are delivered in order; connect before bind is allowed.
 */

/** One multipart message. */
export type Frames = Uint8Array[];

export type SocketRole = 'dealer' | 'router';

export interface SocketOptions {
  /** Outbound queue limit in messages before sends wait (libzmq SNDHWM). Default 10,000. */
  sendHighWaterMark?: number;
  /** Inbound queue limit in messages (libzmq RCVHWM). Default 10,000. */
  receiveHighWaterMark?: number;
  /** How long close() may keep unsent messages, in ms (libzmq LINGER). Default 0. */
  lingerMs?: number;
  /** Explicit routing id for a DEALER (libzmq ROUTING_ID); otherwise the ROUTER assigns one. */
  routingId?: Uint8Array;
  /**
   * Largest inbound frame in bytes (libzmq MAXMSGSIZE, checked per frame as its length header arrives, so
   * nothing larger is ever buffered). A peer that sends a larger frame is disconnected and what it had in
   * flight on that connection is lost; the connection is then made again (a connecting socket re-connects,
   * a peer connected to a bound socket re-connects by itself) under a new routing id. Default: no limit.
   * Workers set it from their payload limit with {@link maxMessageBytesFor}.
   * @see MF-MSG-10, MF-SEC-3
   */
  maxMessageBytes?: number;
}

/**
 * Bytes a frame may carry beyond its payload on the wire: CURVE (MF-SEC-5) boxes each frame in a MESSAGE
 * command (8-byte name, 8-byte nonce, 16-byte MAC, 1 flags byte), and libzmq checks MAXMSGSIZE on that box
 * before decrypting it. Rounded up, so a legal payload passes with or without CURVE.
 */
export const FRAME_OVERHEAD_BYTES = 64;

/** The transport limit for a payload limit: the largest legal payload frame plus {@link FRAME_OVERHEAD_BYTES}. */
export function maxMessageBytesFor(maxPayloadBytes: number): number {
  return maxPayloadBytes + FRAME_OVERHEAD_BYTES;
}

/**
 * CURVE keys, each 40 characters of Z85 (32-byte Curve25519 keys). The server holds its secret key; a client
 * must know the server's public key in advance, so a peer that does not is refused during the handshake.
 */
export type CurveSocketOptions =
  | { readonly role: 'server'; readonly secretKey: string }
  | {
      readonly role: 'client';
      readonly serverPublicKey: string;
      readonly publicKey: string;
      readonly secretKey: string;
    };

/**
 * What the transport saw happen to the connections of one socket (libzmq socket monitor events):
 * `accepted` (a peer connected to our bound endpoint), `connected` (our connect succeeded), `handshake`
 * (a ZMTP handshake completed: the peer can now exchange messages), `handshake-failed` (a peer was refused,
 * e.g. a wrong CURVE key or none; `detail` says why), `disconnected`.
 */
export interface PeerEvent {
  readonly type: 'accepted' | 'connected' | 'handshake' | 'handshake-failed' | 'disconnected';
  readonly detail: string;
}

export interface Socket {
  readonly role: SocketRole;
  /** True once close() was called. */
  readonly closed: boolean;
  /**
   * Binds an endpoint such as `tcp://127.0.0.1:0` (port 0 picks a free port) and resolves to the
   * endpoint actually bound. Rejects with a `ConnectionError` (e.g. `EADDRINUSE`).
   */
  bind(endpoint: string): Promise<string>;
  /** Connects to an endpoint; the connection completes in the background, as in libzmq. */
  connect(endpoint: string): Promise<void>;
  /**
   * Queues one multipart message. Messages are sent in call order, back to back. Resolves when the
   * message was handed to the network; rejects with `ClosedError` after close, or `ConnectionError`
   * on a real failure. Never needs to be awaited before the next send. At the high-water mark a DEALER's
   * send waits for room (later sends queue behind it); a ROUTER drops the message, as libzmq does.
   */
  send(frames: Frames): Promise<void>;
  /**
   * send() for callers that only want to hear of failure: `onFailure` receives the `ClosedError` or
   * `ConnectionError` send() would reject with, and the returned promise always fulfils (once the message
   * was handed over, or failed). Same ordering and queueing as send(). The workers' replies and calls use
   * it: on ZeroMQ it costs one promise per message where `send(frames).catch(...)` costs two.
   */
  post(frames: Frames, onFailure: (error: Error) => void): Promise<void>;
  /** Resolves with the next inbound message; rejects with `ClosedError` once the socket is closed. */
  receive(): Promise<Frames>;
  /** Inbound messages until the socket is closed (the loop then ends without an error). */
  [Symbol.asyncIterator](): AsyncIterator<Frames>;
  /** Closes the socket; never hangs. Pending receive() calls reject with `ClosedError`. */
  close(): Promise<void>;
  /**
   * Reports connection events ({@link PeerEvent}); returns the function that stops reporting. Only sockets
   * that can observe their connections have it (ZeroMQ: yes; the simulator: no).
   */
  watchPeers?(listener: (event: PeerEvent) => void): () => void;
  /**
   * Turns ZeroMQ CURVE on (MF-SEC-5): every connection is then encrypted and authenticated, and a peer that
   * does not complete the CURVE handshake never exchanges a message. Call before bind or connect. Only
   * ZeroMQ sockets have it: the simulator has no handshake, and pretending to authenticate would be a lie.
   */
  secure?(curve: CurveSocketOptions): void;
}

/** A factory of sockets on one network (a real ZeroMQ context, or one simulated network). */
export interface Transport {
  /** `zmq` or `memory`, for reports and traces. */
  readonly kind: 'zmq' | 'memory';
  dealer(options?: SocketOptions): Socket;
  router(options?: SocketOptions): Socket;
}

/** The loopback host that every bind uses unless told otherwise (MF-LIFE-1, MF-SEC-1). */
export const LOOPBACK_HOST = '127.0.0.1';

/**
 * `tcp://127.0.0.1:<port>`; port 0 asks for a free port on bind. An IPv6 host (`::1`) is written in brackets,
 * `tcp://[::1]:<port>`, as ZeroMQ wants it.
 */
export function loopbackEndpoint(port: number, host: string = LOOPBACK_HOST): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.includes(':') ? `tcp://[${bare}]:${port}` : `tcp://${host}:${port}`;
}

/** True when an endpoint's host is an IPv6 address (`tcp://[::1]:5555`): ZeroMQ needs its `ipv6` option for it. */
export function isIpv6Endpoint(endpoint: string): boolean {
  return /^tcp:\/\/\[[0-9a-fA-F:.]+\]:/.test(endpoint);
}

/** The port of a `tcp://host:port` endpoint, or undefined when it has none. */
export function endpointPort(endpoint: string): number | undefined {
  const match = /:(\d+)$/.exec(endpoint);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
