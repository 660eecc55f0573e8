import { ConnectionError } from '../../errors.js';
import type { SimSocket } from './sim-socket.js';

/** First port handed out for `tcp://host:0` binds (deterministic, unlike an OS ephemeral port). */
const FIRST_PORT = 40_000;

interface ParsedEndpoint {
  readonly transport: 'tcp' | 'inproc';
  readonly host: string;
  /** 0 (or `*`) asks for a free port on bind. */
  readonly port: number;
  readonly name: string;
}

function parse(endpoint: string, forBind: boolean): ParsedEndpoint {
  // A host is a name, an IPv4 address or a bracketed IPv6 address (`tcp://[::1]:5555`).
  const tcp = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d+|\*)$/.exec(endpoint);
  if (tcp !== null) {
    const port = tcp[2] === '*' ? 0 : Number(tcp[2]);
    if (port > 65_535 || (!forBind && port === 0)) throw invalid(endpoint);
    return { transport: 'tcp', host: tcp[1]!, port, name: endpoint };
  }
  const inproc = /^inproc:\/\/(.+)$/.exec(endpoint);
  if (inproc !== null) return { transport: 'inproc', host: '', port: 0, name: endpoint };
  throw invalid(endpoint);
}

function invalid(endpoint: string): ConnectionError {
  return new ConnectionError(`invalid endpoint ${endpoint}`, 'EINVAL');
}

/**
 * Which socket is bound where, and who is connecting where. Connectors stay registered after their
 * binder goes away, so they reconnect when something binds the endpoint again (as libzmq reconnects).
 */
export class SimEndpoints {
  private readonly bound = new Map<string, SimSocket>();
  private readonly connectors = new Map<string, Set<SimSocket>>();
  private nextPort = FIRST_PORT;

  /** Registers a bind and returns the endpoint actually bound; `EADDRINUSE` when taken. */
  bind(socket: SimSocket, endpoint: string): string {
    const parsed = parse(endpoint, true);
    const name = parsed.transport === 'tcp' && parsed.port === 0 ? this.freeEndpoint(parsed.host) : parsed.name;
    if (this.bound.has(name))
      throw new ConnectionError(`${socket.name}: bind ${name} failed: address already in use`, 'EADDRINUSE');
    this.bound.set(name, socket);
    return name;
  }

  /** Registers a connect; returns the socket bound there now, if any. */
  connect(socket: SimSocket, endpoint: string): SimSocket | undefined {
    const parsed = parse(endpoint, false);
    let set = this.connectors.get(parsed.name);
    if (set === undefined) this.connectors.set(parsed.name, (set = new Set()));
    set.add(socket);
    return this.bound.get(parsed.name);
  }

  /** The sockets connecting (or waiting to connect) to an endpoint, in connect order. */
  connectorsOf(endpoint: string): SimSocket[] {
    return [...(this.connectors.get(endpoint) ?? [])];
  }

  /** Forgets every bind and connect of a closed socket. */
  remove(socket: SimSocket): void {
    for (const [endpoint, owner] of this.bound) if (owner === socket) this.bound.delete(endpoint);
    for (const [endpoint, set] of this.connectors) {
      set.delete(socket);
      if (set.size === 0) this.connectors.delete(endpoint);
    }
  }

  private freeEndpoint(host: string): string {
    for (;;) {
      const candidate = `tcp://${host}:${this.nextPort++}`;
      if (!this.bound.has(candidate)) return candidate;
    }
  }
}
