/**
 * ChildWorker: subclass it, add public methods, call `run()`. Serves calls from one or more parents over a
 * ROUTER socket: dispatch to own public methods (sync or async, concurrently), heartbeat echoes in the
 * profile each message arrived in, SHUTDOWN and SIGTERM/SIGINT stop it with exit 0, and stdout/stderr are
 * forwarded to the parent.
 *
 * ```ts
 * class MathWorker extends ChildWorker {
 *   add(a: number, b: number) { return a + b; }
 * }
 * await new MathWorker().run();
 * ```
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { RateLimitOptions } from '../../logging/rate-limit.js';
import { Codec, DEFAULT_MAX_PAYLOAD_BYTES, defaultCodec } from '../../protocol/codec.js';
import type { CallMessage, HeartbeatMessage, Message } from '../../protocol/message.js';
import { PROFILES, type Profile, type ProfileName } from '../../protocol/profile.js';
import { callDefect } from '../../protocol/validate.js';
import type { Clock } from '../../time/clock.js';
import { realClock } from '../../time/real-clock.js';
import { defaultTransport } from '../../transport/default-transport.js';
import { type Transport, maxMessageBytesFor } from '../../transport/transport.js';
import type { ServiceRegistration } from '../shared/service-registration.js';
import { ChildChannel } from './child-channel.js';
import { type RegisteredService, openChildEndpoint, unregisterService } from './child-endpoint.js';
import type { ChildHost, StopSignal } from './child-host.js';
import { ProcessHost } from './child-host.js';
import { ChildLog } from './child-log.js';
import { type WorkerMethod, callableMethods, mentionsCallContext, refusal } from './dispatch.js';
import { OutputForwarder } from './output-forwarder.js';

/** Environment variables of spawn mode (defined in shared/environment.ts). @see MF-LIFE-1 */
export { ENV_LOG_LEVEL, ENV_PORT, ENV_WORKER_MODE } from '../shared/environment.js';

export interface ChildWorkerOptions {
  /** Connect mode: register under this id and bind (MF-LIFE-12). Spawn mode when `COMLINK_ZMQ_PORT` is set. */
  serviceId?: string;
  /** Namespace served; CALLs for another namespace are ignored (MF-NS-2). Default `default`. */
  namespace?: string;
  /** Profiles accepted. Default both (MF-PROF-4); one profile makes the worker strict. */
  profiles?: readonly ProfileName[];
  /** Connect mode bind host. Default 127.0.0.1 (MF-SEC-1). */
  bindHost?: string;
  /** Connect mode port; 0 (default) picks a free one. */
  bindPort?: number;
  /** Forward stdout/stderr writes to the parent. Default true. */
  forwardOutput?: boolean;
  /** Payload limit in bytes. Default 16 MiB (MF-MSG-10). */
  maxPayloadBytes?: number;
  /**
   * Where the worker logs (pino, bunyan and console plug in as they are; see docs/worker.md). Default: JSON
   * lines on the process's own stderr at the level of `MULTIFROST_LOG_LEVEL` when that is set, else nothing.
   */
  logger?: Logger;
  /** Dropped-message warnings let through per interval. Default 10 per 10,000 ms. */
  dropLogLimit?: RateLimitOptions;
  /**
   * Where `callContext` is valid. `auto` (default): across awaits for the methods whose source mentions
   * `callContext`, in the synchronous part for the others; `always`: across awaits for every call (a helper
   * reads it after an await); `never`: the synchronous part only. Across awaits means AsyncLocalStorage, whose
   * async hooks (Node 20) then cost every promise of the process (docs/worker.md, call-context benchmark).
   */
  callContextAcrossAwaits?: 'auto' | 'always' | 'never';
  transport?: Transport;
  host?: ChildHost;
  clock?: Clock;
  /** Registry used in connect mode (defaults to the file registry under MULTIFROST_HOME or ~/.multifrost). */
  registration?: ServiceRegistration;
  /** Connect mode: CURVE, the public key in the registry entry (MF-SEC-7). Default: `MULTIFROST_CURVE=1`. */
  curve?: boolean;
}

type State = 'idle' | 'serving' | 'stopping' | 'stopped';

/** What a handler may know about the CALL it serves (valid across the handler's awaits). */
export interface CallContext {
  id: string;
  profile: ProfileName;
  namespace: string;
  clientName: string | undefined;
}

/** The CALL a handler serves, carried across its awaits by AsyncLocalStorage. */
interface ServedCall {
  call: CallMessage;
  profile: Profile;
}

/**
 * Every internal member is `#private`: a subclass may define a method of any name but the public API below
 * (`run`, `start`, `stop`, `listFunctions`, `namespace`, `activeCalls`, `callContext`, `workerClock`,
 * `workerHost`, `writeStdout`, `writeStderr`), and it is callable remotely without breaking the worker.
 */
export abstract class ChildWorker {
  readonly #options: ChildWorkerOptions;
  #state: State = 'idle';
  /** The wire, from start() on (kept after stop, so late replies of async handlers fail quietly). */
  #channel: ChildChannel | undefined;
  #forwarder: OutputForwarder | undefined;
  readonly #releasers: Array<() => void> = [];
  #loopDone: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;
  /** The connect-mode registration, unregistered on stop. */
  #registered: RegisteredService | undefined;
  #inFlight = 0;
  #log: ChildLog | undefined;
  readonly #served = new AsyncLocalStorage<ServedCall>();
  /** The CALL of the synchronous part of a handler run outside AsyncLocalStorage (no allocation). */
  #syncCall: CallMessage | undefined;
  #syncProfile: Profile | undefined;

  /** @param options options, or a service id (connect mode), as in the seed. */
  constructor(options: ChildWorkerOptions | string = {}) {
    this.#options = typeof options === 'string' ? { serviceId: options } : options;
  }

  /** The CALL being served, in the handler and everything it awaits; undefined outside a handler. */
  protected get callContext(): CallContext | undefined {
    const served = this.#syncCall === undefined ? this.#served.getStore() : undefined;
    const call = served?.call ?? this.#syncCall;
    const profile = served?.profile ?? this.#syncProfile;
    if (call === undefined || profile === undefined) return undefined;
    const clientName = call.client_name ?? call['clientName'];
    return {
      id: call.id,
      profile: profile.name,
      namespace: call.namespace ?? 'default',
      clientName: typeof clientName === 'string' ? clientName : undefined,
    };
  }

  /** The clock of this worker (virtual in the simulator). */
  protected get workerClock(): Clock {
    return this.#clock();
  }

  /** The process this worker runs in (simulated in the simulator). */
  protected get workerHost(): ChildHost {
    return this.#host();
  }

  /** Writes a line to stdout as `console.log` would (forwarded to the parent). */
  protected writeStdout(text: string): void {
    this.#host().write('stdout', `${text}\n`);
  }

  /** Writes a line to stderr as `console.error` would (forwarded to the parent). */
  protected writeStderr(text: string): void {
    this.#host().write('stderr', `${text}\n`);
  }

  /** The namespace this worker serves. */
  get namespace(): string {
    return this.#options.namespace ?? 'default';
  }

  /** Calls currently running. */
  get activeCalls(): number {
    return this.#inFlight;
  }

  /** Names a parent may call (own public methods and `listFunctions`). @see MF-CALL-9 */
  listFunctions(): string[] {
    return [...callableMethods(this, ChildWorker.prototype).keys()];
  }

  /**
   * Runs until SHUTDOWN, SIGTERM or SIGINT, then exits the process with status 0. A bad `COMLINK_ZMQ_PORT`
   * or a failed set-up exits with status 1 after a `FATAL:` line on stderr (MF-LIFE-2).
   */
  async run(): Promise<void> {
    const host = this.#host();
    // Signals are taken before start-up: in connect mode a SIGTERM right after registration must still
    // unregister (MF-LIFE-7); it takes effect once start-up is done.
    let started: Promise<unknown> = Promise.resolve();
    const stopOnSignal = host.onStopSignal(
      (signal: StopSignal) => void started.then(() => this.#stopAndExit(`received ${signal}`)),
    );
    this.#releasers.push(stopOnSignal);
    try {
      const starting = this.start(); // public API: a subclass may extend start-up
      started = starting.catch(() => undefined);
      await starting;
    } catch (error) {
      host.writeRaw('stderr', `FATAL: ${error instanceof Error ? error.message : String(error)}\n`);
      host.exit(1);
      return;
    }
    const stopOnOrphan = host.onParentGone(() => void this.#stopAndExit('parent is gone'));
    this.#releasers.push(stopOnOrphan);
    await this.#loopDone;
    await this.#stopAndExit('stopped');
  }

  /** Opens the socket and starts serving; resolves once messages are being received. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new InvalidArgumentError('start', 'ChildWorker.start() called twice');
    const options = this.#options;
    const host = this.#host();
    const log = this.#logger();
    // The transport drops a frame over the limit before buffering it (MF-SEC-3); the codec checks the payload.
    const maxMessageBytes = maxMessageBytesFor(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
    const socket = (options.transport ?? (await defaultTransport())).router({ maxMessageBytes });
    const channel = new ChildChannel({
      socket,
      codec:
        options.maxPayloadBytes === undefined ? defaultCodec : new Codec({ maxPayloadBytes: options.maxPayloadBytes }),
      accepted:
        options.profiles !== undefined && options.profiles.length > 0
          ? options.profiles.map((name) => PROFILES[name])
          : [PROFILES.v3, PROFILES.v4],
      clock: this.#clock(),
      pid: host.pid,
      isServing: () => this.#state === 'serving',
      log,
      onMessage: (message, profile, routingId) => this.#dispatch(message, profile, routingId),
    });
    this.#channel = channel;
    try {
      this.#registered = await openChildEndpoint(socket, host, options, log);
    } catch (error) {
      await socket.close();
      this.#channel = undefined;
      throw error;
    }
    if (options.forwardOutput ?? true) this.#installForwarding(host, channel);
    this.#state = 'serving';
    this.#loopDone = channel.receiveLoop();
  }

  /** Stops serving: closes the socket, unregisters in connect mode, restores output. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= this.#shutdown();
    return this.#stopped;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'stopping';
    for (const release of this.#releasers.splice(0)) release();
    this.#forwarder?.close();
    await this.#channel?.close();
    const registered = this.#registered;
    this.#registered = undefined;
    if (registered !== undefined) await unregisterService(registered, this.#logger());
    this.#state = 'stopped';
  }

  async #stopAndExit(reason: string): Promise<void> {
    const log = this.#logger();
    if (log.enabled('debug')) log.debug('stopping', { reason }); // every normal stop: debug, silent by default
    await this.stop();
    this.#host().exit(0);
  }

  #host(): ChildHost {
    return (this.#options.host ??= new ProcessHost());
  }

  #clock(): Clock {
    return this.#options.clock ?? realClock;
  }

  #logger(): ChildLog {
    return (this.#log ??= new ChildLog(this.#host(), this.#clock(), this.#options.logger, this.#options.dropLogLimit));
  }

  #installForwarding(host: ChildHost, channel: ChildChannel): void {
    const forwarder = new OutputForwarder({
      send: (routingId, stream, text) => channel.sendOutput(routingId, stream, text),
      writeRaw: (stream, text) => host.writeRaw(stream, text),
    });
    this.#forwarder = forwarder;
    // console.log writes a whole line plus '\n'; the message carries the line without its newline.
    this.#releasers.push(
      host.captureOutput((stream, text) => forwarder.write(stream, text.endsWith('\n') ? text.slice(0, -1) : text)),
    );
  }

  #dispatch(message: Message, profile: Profile, routingId: Uint8Array): void {
    this.#forwarder?.knowParent(routingId);
    switch (message.type) {
      case 'call':
        if ((message.namespace ?? 'default') !== (this.#options.namespace ?? 'default')) return; // MF-NS-2: no reply
        this.#serveCall(message, profile, routingId);
        return;
      case 'heartbeat':
        this.#channel?.echo(routingId, profile, message as HeartbeatMessage);
        return;
      case 'shutdown':
        if (this.#logger().enabled('debug')) this.#logger().debug('received SHUTDOWN');
        this.#state = 'stopping';
        void this.#channel?.close();
        return;
      default:
        return; // RESPONSE/ERROR/STDOUT/STDERR are not for a child; unknown types are ignored (MF-MSG-5).
    }
  }

  /** Whether `method` runs inside AsyncLocalStorage (`callContextAcrossAwaits`). */
  #tracked(method: WorkerMethod): boolean {
    const mode = this.#options.callContextAcrossAwaits ?? 'auto';
    return mode === 'always' || (mode === 'auto' && mentionsCallContext(method));
  }

  /**
   * Runs one CALL. A synchronous handler is answered before this returns (no promise at all on that path:
   * it is the hot path of every benchmark); a handler that returns a thenable is answered when it settles.
   * A handler that needs `callContext` across awaits runs inside the AsyncLocalStorage scope of its CALL
   * (see `callContextAcrossAwaits`); the others see it in their synchronous part, at no cost.
   */
  #serveCall(call: CallMessage, profile: Profile, routingId: Uint8Array): void {
    const channel = this.#channel!;
    const defect = callDefect(call);
    const method = defect === undefined ? callableMethods(this, ChildWorker.prototype).get(call.function) : undefined;
    if (method === undefined) {
      // Malformed fields first (MF-CALL-3), then private and unknown names (MF-CALL-4, MF-CALL-5).
      channel.refuse(routingId, profile, call.id, defect ?? refusal(call.function));
      return;
    }
    let result: unknown;
    this.#inFlight++;
    let pending: boolean;
    try {
      if (this.#tracked(method)) {
        result = this.#served.run({ call, profile }, Reflect.apply, method, this, call.args);
      } else {
        this.#syncCall = call;
        this.#syncProfile = profile;
        result = method.apply(this, call.args);
      }
      // Reading `then` may run a getter of the result: inside the try, so that a throwing one is the call's error.
      pending =
        result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function';
    } catch (error) {
      this.#inFlight--;
      channel.fail(routingId, profile, call.id, error);
      return;
    } finally {
      this.#syncCall = undefined;
      this.#syncProfile = undefined;
    }
    if (!pending) {
      this.#inFlight--;
      channel.respond(routingId, profile, call.id, result);
      return;
    }
    // Promise.resolve adopts the thenable: a then() that throws, or calls back twice, settles exactly once.
    Promise.resolve(result as PromiseLike<unknown>).then(
      (value) => {
        this.#inFlight--;
        channel.respond(routingId, profile, call.id, value);
      },
      (error: unknown) => {
        this.#inFlight--;
        channel.fail(routingId, profile, call.id, error);
      },
    );
  }
}
