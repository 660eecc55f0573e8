/**
 * ZeroMQ socket options for CURVE, and the socket monitor events behind `Socket.watchPeers`.
 * @see MF-SEC-5, MF-SEC-9
 */
import { createRequire } from 'node:module';
import type { Dealer, Router } from 'zeromq';
import { ConnectionError } from '../../errors.js';
import type { CurveSocketOptions, PeerEvent } from '../transport.js';

/**
 * Turns CURVE on for one socket (zeromq.js option setters; libzmq applies them to connections made after).
 * @throws ConnectionError when libzmq refuses a key (e.g. not Z85) or was built without CURVE.
 */
export function applyCurve(socket: Dealer | Router, curve: CurveSocketOptions): void {
  if (!zmq.capability.curve)
    throw new ConnectionError('this libzmq was built without CURVE (zmq.capability.curve is false)', 'ENOTSUP');
  try {
    if (curve.role === 'server') {
      socket.curveServer = true;
      socket.curveSecretKey = curve.secretKey;
    } else {
      socket.curveServerKey = curve.serverPublicKey;
      socket.curvePublicKey = curve.publicKey;
      socket.curveSecretKey = curve.secretKey;
    }
  } catch (error) {
    throw new ConnectionError(`CURVE ${curve.role} keys refused: ${String(error)}`, undefined, { cause: error });
  }
}

const zmq = createRequire(import.meta.url)('zeromq') as typeof import('zeromq');

/** zeromq.js event names and what they are to us. */
const EVENT_TYPES: readonly [string, PeerEvent['type']][] = [
  ['accept', 'accepted'],
  ['connect', 'connected'],
  ['handshake', 'handshake'],
  ['handshake:error:protocol', 'handshake-failed'],
  ['handshake:error:auth', 'handshake-failed'],
  ['handshake:error:other', 'handshake-failed'],
  ['disconnect', 'disconnected'],
];

interface ObservedEvent {
  readonly address?: string;
  readonly error?: { readonly message?: string; readonly code?: string };
}

type EventSource = { on(name: string, listener: (event: ObservedEvent) => void): unknown };

/**
 * Subscribes to the socket's monitor events. zeromq.js starts its monitor on first use of `socket.events`, so
 * sockets nobody watches pay nothing. Returns the function that stops reporting (the monitor itself ends
 * with the socket).
 */
export function watchSocketPeers(socket: Dealer | Router, listener: (event: PeerEvent) => void): () => void {
  let active = true;
  const events = socketEvents<EventSource>(socket);
  for (const [name, type] of EVENT_TYPES) {
    events.on(name, (event) => {
      if (!active) return;
      const why = event.error === undefined ? '' : ` (${event.error.code ?? event.error.message ?? 'error'})`;
      listener({ type, detail: `${name} on ${event.address ?? 'unknown address'}${why}` });
    });
  }
  return () => {
    active = false;
  };
}

/** How often a monitor start interrupted by a signal is tried again before the error is thrown. */
const EINTR_ATTEMPTS = 20;

/**
 * The socket's event observer (`socket.events`), started on first use. Starting it makes libzmq set up the
 * socket monitor and wait for the socket's own thread, a wait a signal can interrupt: libzmq then fails with
 * EINTR and zeromq.js throws (seen with a profiler's SIGPROF making ParentWorker.start() fail). The call has
 * no effect when it fails, so it is simply made again.
 */
export function socketEvents<T>(socket: Dealer | Router): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return socket.events as unknown as T;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EINTR' || attempt >= EINTR_ATTEMPTS) throw error;
    }
  }
}
