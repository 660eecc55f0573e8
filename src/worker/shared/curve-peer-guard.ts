/**
 * Watches the connections of a spawn-mode parent's bound socket, where only its own child should ever connect
 * (MF-SEC-9). Without CURVE a DEALER hands calls round-robin to every connected peer and cannot tell whose
 * answer it reads, so while more than one peer is connected nothing is sent (calls fail with
 * UnverifiedPeerError, never sent) and the calls in flight when the second peer appeared fail the same way
 * (they may have been handed to it). With CURVE a stranger never completes the handshake; its attempts are
 * reported and change nothing.
 *
 * Counting uses libzmq's `accepted` events, which come before the peer's handshake, so the guard usually
 * knows before the DEALER could route to the newcomer; a call posted in the instant between the two is
 * covered by failing the calls in flight.
 */
import { UnverifiedPeerError } from '../../errors.js';
import type { Frames, PeerEvent, Socket } from '../../transport/transport.js';

export interface PeerGuardHooks {
  /** True when the socket uses CURVE: strangers are refused by the handshake, not counted. */
  readonly authenticated: boolean;
  /** The number of connections changed while above one, or fell back to one. */
  readonly onUnverified: (peers: number, detail: string) => void;
  /** A peer failed the CURVE handshake (a stranger, or a wrong key). */
  readonly onRefused: (detail: string) => void;
  /** A second peer appeared: every call in flight is to fail with the given error. */
  readonly failInFlight: (makeError: (functionName: string) => Error) => void;
}

/** A socket that refuses to send while a second peer is connected (see the module comment). */
export class PeerGuardSocket implements Socket {
  readonly role;
  private peers = 0;
  private readonly stopWatching: () => void;

  constructor(
    private readonly inner: Socket,
    private readonly hooks: PeerGuardHooks,
  ) {
    this.role = inner.role;
    this.stopWatching = inner.watchPeers?.((event) => this.observe(event)) ?? (() => undefined);
  }

  /** Connections currently open to the socket (accepted and not yet disconnected). */
  get connections(): number {
    return this.peers;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  bind(endpoint: string): Promise<string> {
    return this.inner.bind(endpoint);
  }

  connect(endpoint: string): Promise<void> {
    return this.inner.connect(endpoint);
  }

  send(frames: Frames): Promise<void> {
    const refusal = this.refusal();
    return refusal === undefined ? this.inner.send(frames) : Promise.reject(refusal);
  }

  post(frames: Frames, onFailure: (error: Error) => void): Promise<void> {
    const refusal = this.refusal();
    if (refusal === undefined) return this.inner.post(frames, onFailure);
    onFailure(refusal);
    return Promise.resolve();
  }

  receive(): Promise<Frames> {
    return this.inner.receive();
  }

  [Symbol.asyncIterator](): AsyncIterator<Frames> {
    return this.inner[Symbol.asyncIterator]();
  }

  close(): Promise<void> {
    this.stopWatching();
    return this.inner.close();
  }

  private refusal(): UnverifiedPeerError | undefined {
    if (this.hooks.authenticated || this.peers <= 1) return undefined;
    return new UnverifiedPeerError(
      `not sent: ${this.peers} peers are connected to this spawn-mode socket, which is for one child only, ` +
        'and without CURVE nothing tells the child from the others (MF-SEC-9)',
      this.peers,
      false,
    );
  }

  private observe(event: PeerEvent): void {
    if (event.type === 'handshake-failed') {
      this.hooks.onRefused(event.detail);
      return;
    }
    if (this.hooks.authenticated) return;
    const before = this.peers;
    if (event.type === 'accepted') this.peers++;
    else if (event.type === 'disconnected') this.peers = Math.max(0, this.peers - 1);
    else return;
    if (this.peers <= 1 && before <= 1) return;
    this.hooks.onUnverified(this.peers, event.detail);
    if (this.peers === 2 && before === 1) {
      const peers = this.peers;
      this.hooks.failInFlight(
        (functionName) =>
          new UnverifiedPeerError(
            `${functionName} was in flight when a second peer connected to this spawn-mode socket: ` +
              'its answer could come from either (MF-SEC-9)',
            peers,
            true,
          ),
      );
    }
  }
}
