/**
 * Wraps a Transport and remembers every socket it opened, so that a simulated process's crash can close
 * them all at once, as the kernel does for a real process.
 */
import type { Socket, SocketOptions, Transport } from '../../transport/transport.js';

export class TrackingTransport implements Transport {
  private readonly sockets = new Set<Socket>();

  constructor(private readonly inner: Transport) {}

  get kind(): Transport['kind'] {
    return this.inner.kind;
  }

  get openSockets(): number {
    let open = 0;
    for (const socket of this.sockets) if (!socket.closed) open++;
    return open;
  }

  dealer(options?: SocketOptions): Socket {
    return this.track(this.inner.dealer(options));
  }

  router(options?: SocketOptions): Socket {
    return this.track(this.inner.router(options));
  }

  /** Closes every socket opened through this transport. */
  async closeAll(): Promise<void> {
    const all = [...this.sockets];
    this.sockets.clear();
    await Promise.all(all.map((socket) => socket.close()));
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    return socket;
  }
}
