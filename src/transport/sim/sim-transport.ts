import { ClosedError } from '../../errors.js';
import { type ResolvedSocketOptions, resolveSocketOptions } from '../socket-options.js';
import type { Socket, SocketOptions, SocketRole, Transport } from '../transport.js';
import type { SimSocket } from './sim-socket.js';

/**
 * One simulated process on a `SimNetwork`: a name and the sockets it created. Once the network crashed the
 * process, this transport creates no more sockets (`ClosedError`); the restart is a new transport under the
 * same name, from `network.transport(name)`.
 */
export class SimTransport implements Transport {
  readonly kind = 'memory' as const;
  readonly name: string;
  /** Sockets created and not yet crashed. */
  readonly sockets = new Set<SimSocket>();
  crashed = false;
  private readonly create: (role: SocketRole, options: ResolvedSocketOptions) => SimSocket;

  constructor(name: string, create: (role: SocketRole, options: ResolvedSocketOptions) => SimSocket) {
    this.name = name;
    this.create = create;
  }

  dealer(options?: SocketOptions): Socket {
    return this.make('dealer', options);
  }

  router(options?: SocketOptions): Socket {
    return this.make('router', options);
  }

  private make(role: SocketRole, options: SocketOptions | undefined): SimSocket {
    if (this.crashed) throw new ClosedError(`simulated process ${this.name} (crashed)`);
    const socket = this.create(role, resolveSocketOptions(options));
    this.sockets.add(socket);
    return socket;
  }
}
