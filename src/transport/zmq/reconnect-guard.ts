/**
 * Keeps a connecting socket connected after libzmq dropped a connection for an oversized frame.
 *
 * libzmq checks MAXMSGSIZE in its decoder; a frame over the limit is a protocol error, and a session that ends
 * on a protocol error is terminated, not re-connected, even on the connecting side (a connection lost for any
 * other reason is re-connected every 100 ms). So a child in spawn mode, which connects to its parent, would be
 * cut off for good by one oversized frame. After a `disconnect` on an endpoint we connected to, libzmq
 * announces its own reconnection at once (`connect:retry`); when it does not within {@link SETTLE_MS}, the
 * guard connects again itself. The new connection gets a new routing id; what was in flight on the old one
 * is lost (at-most-once, as for any dropped connection).
 * @see MF-MSG-10, MF-SEC-3
 */
import type { Dealer, Router } from 'zeromq';
import type { Clock, TimerHandle } from '../../time/clock.js';
import { socketEvents } from './zmq-peers.js';

/** How long libzmq gets to announce its own reconnection, in ms. Its events follow the disconnect at once. */
export const SETTLE_MS = 250;

interface MonitorEvent {
  readonly address?: string;
}

type EventSource = { on(name: string, listener: (event: MonitorEvent) => void): unknown };

/** zeromq.js events that show libzmq is re-connecting (or already did) by itself. */
const SELF_RECONNECT_EVENTS = ['connect:retry', 'connect:delay', 'connect'];

export class ReconnectGuard {
  private readonly endpoints = new Set<string>();
  private readonly waiting = new Map<string, TimerHandle>();
  private watching = false;
  private closed = false;

  constructor(
    private readonly socket: Dealer | Router,
    private readonly clock: Clock,
  ) {}

  /** Watches an endpoint the socket connected to (starts the socket's monitor on first use). */
  track(endpoint: string): void {
    this.endpoints.add(endpoint);
    if (this.watching) return;
    this.watching = true;
    const events = socketEvents<EventSource>(this.socket);
    events.on('disconnect', (event) => this.onDisconnect(event.address));
    for (const name of SELF_RECONNECT_EVENTS) events.on(name, (event) => this.settle(event.address));
  }

  /** Cancels every pending re-connection (the socket is closing). */
  close(): void {
    this.closed = true;
    for (const timer of this.waiting.values()) timer.cancel();
    this.waiting.clear();
  }

  private onDisconnect(address: string | undefined): void {
    if (this.closed || address === undefined || !this.endpoints.has(address)) return;
    this.settle(address);
    this.waiting.set(
      address,
      this.clock.setTimer(SETTLE_MS, () => this.reconnect(address)),
    );
  }

  private settle(address: string | undefined): void {
    if (address === undefined) return;
    this.waiting.get(address)?.cancel();
    this.waiting.delete(address);
  }

  private reconnect(address: string): void {
    this.waiting.delete(address);
    if (this.closed || this.socket.closed) return;
    try {
      // The terminated session still holds the endpoint: drop it, then connect afresh.
      this.socket.disconnect(address);
    } catch {
      // ENOENT: libzmq had already forgotten it.
    }
    try {
      this.socket.connect(address);
    } catch {
      // The socket closed meanwhile; nothing left to keep connected.
    }
  }
}
