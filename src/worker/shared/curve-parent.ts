/**
 * The parent's side of CURVE and of the second-peer guard: which keys its DEALER uses, what the child is told
 * through its environment, and the guard on a spawn-mode socket (MF-SEC-5, MF-SEC-6, MF-SEC-7, MF-SEC-9).
 *
 * Spawn mode with `curve: true`: one fresh pair for the child's socket (the CURVE server; its secret key goes
 * to the child in MULTIFROST_CURVE_SECRET_KEY) and one for the parent's DEALER (the client), made when the
 * worker is created and kept across its restarts. A peer that does not hold the child's secret key cannot
 * complete the handshake with the parent, so it never receives a call. Connect mode: the service's public
 * key from its registry entry (or the `curveServerKey` option).
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Socket, SocketOptions, Transport } from '../../transport/transport.js';
import { ENV_CURVE_SECRET_KEY } from './curve-environment.js';
import { type CurveKeyPair, checkCurveKey, generateCurveKeyPair } from './curve-keys.js';
import { PeerGuardSocket } from './curve-peer-guard.js';

/** The CURVE options of ParentWorkerOptions. */
export interface ParentCurveOptions {
  /**
   * Use ZeroMQ CURVE (MF-SEC-5). Spawn mode: fresh keys, the child's handed over in its environment. Connect
   * mode: the service must publish `curve_public_key` (or `curveServerKey` be given). Default false; connect
   * mode uses CURVE anyway when the service publishes a key.
   */
  curve?: boolean | undefined;
  /** Connect mode: the service's CURVE public key (Z85), instead of the one in its registry entry. */
  curveServerKey?: string | undefined;
}

/** The events this reports (members of the parent's WorkerEvent; shared code may not import parent/). */
export type SecurityEvent =
  { type: 'unverified-peer'; peers: number; detail: string } | { type: 'peer-refused'; detail: string };

/** Where the events go (the parent's WorkerEvents). */
export interface SecurityEvents {
  emit(event: SecurityEvent): void;
}

/** The part of the worker's mode the socket depends on. */
export type SecuredMode = { kind: 'spawn' } | { kind: 'connect'; serviceId: string; curvePublicKey?: string };

export class ParentSecurity {
  private readonly server: CurveKeyPair | undefined;
  private readonly client: CurveKeyPair | undefined;
  private readonly serverKeyOption: string | undefined;

  constructor(
    private readonly options: ParentCurveOptions,
    private readonly events: SecurityEvents,
    private readonly failInFlight: (make: (functionName: string) => Error) => void,
  ) {
    if (options.curve !== undefined && typeof options.curve !== 'boolean')
      throw new InvalidArgumentError('curve', `expected a boolean, got ${String(options.curve)}`);
    this.serverKeyOption =
      options.curveServerKey === undefined ? undefined : checkCurveKey(options.curveServerKey, 'curveServerKey');
    if (options.curve === true) {
      this.server = generateCurveKeyPair();
      this.client = generateCurveKeyPair();
    }
  }

  /** What a spawned child needs in its environment: its secret key when CURVE is on, else nothing. */
  get childEnv(): Readonly<Record<string, string>> {
    return this.server === undefined ? {} : { [ENV_CURVE_SECRET_KEY]: this.server.secretKey };
  }

  /**
   * The parent's DEALER for `mode`, CURVE on as configured; in spawn mode behind the second-peer guard.
   * `options` are the socket's own (the inbound frame limit).
   * @throws InvalidArgumentError when CURVE is asked for and the transport has none, or a connect-mode service
   *   publishes no key.
   */
  dealer(transport: Transport, mode: SecuredMode, options?: SocketOptions): Socket {
    const socket = transport.dealer(options);
    const serverPublicKey = this.serverPublicKey(mode);
    if (serverPublicKey !== undefined) {
      if (socket.secure === undefined) {
        void socket.close();
        throw new InvalidArgumentError('curve', `the ${transport.kind} transport has no CURVE`);
      }
      const client = this.client ?? generateCurveKeyPair();
      socket.secure({ role: 'client', serverPublicKey, publicKey: client.publicKey, secretKey: client.secretKey });
    }
    if (mode.kind === 'connect' || socket.watchPeers === undefined) return socket;
    return new PeerGuardSocket(socket, {
      authenticated: serverPublicKey !== undefined,
      onUnverified: (peers, detail) => this.events.emit({ type: 'unverified-peer', peers, detail }),
      onRefused: (detail) => this.events.emit({ type: 'peer-refused', detail }),
      failInFlight: this.failInFlight,
    });
  }

  private serverPublicKey(mode: SecuredMode): string | undefined {
    if (mode.kind === 'spawn') return this.server?.publicKey;
    const published =
      mode.curvePublicKey === undefined ? undefined : checkCurveKey(mode.curvePublicKey, 'curve_public_key');
    const key = this.serverKeyOption ?? published;
    if (key === undefined && this.options.curve === true) {
      throw new InvalidArgumentError(
        'curve',
        `service '${mode.serviceId}' publishes no curve_public_key in its registry entry and no curveServerKey ` +
          'was given: refusing to talk to it without CURVE',
      );
    }
    return this.options.curve === false ? undefined : key;
  }
}
