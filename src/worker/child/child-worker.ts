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
import { DecodeError, EncodeError, MultifrostError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { realClock } from '../../time/real-clock.js';
import type { Socket, Transport } from '../../transport/transport.js';
import { LOOPBACK_HOST, endpointPort, loopbackEndpoint } from '../../transport/transport.js';
import { Codec, defaultCodec } from '../../protocol/codec.js';
import { childFrames, parseChildInbound } from '../../protocol/framing.js';
import type { CallMessage, HeartbeatMessage, Message } from '../../protocol/message.js';
import { createError, createHeartbeatEcho, createOutput, createResponse } from '../../protocol/messages.js';
import { PROFILES, type Profile, type ProfileName } from '../../protocol/profile.js';
import { callDefect, decodeMessage } from '../../protocol/validate.js';
import type { ChildHost, StopSignal } from './child-host.js';
import { ProcessHost } from './child-host.js';
import { callableMethods, refusal } from './dispatch.js';
import { OutputForwarder } from './output-forwarder.js';
import type { OutputStream } from '../shared/process-launcher.js';
import type { ServiceRegistration } from '../shared/service-registration.js';

/** Environment variables of spawn mode. @see MF-LIFE-1 */
export const ENV_PORT = 'COMLINK_ZMQ_PORT';
export const ENV_WORKER_MODE = 'COMLINK_WORKER_MODE';

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
  transport?: Transport;
  host?: ChildHost;
  clock?: Clock;
  /** Registry used in connect mode (defaults to the file registry under MULTIFROST_HOME or ~/.multifrost). */
  registration?: ServiceRegistration;
}

type State = 'idle' | 'serving' | 'stopping' | 'stopped';

/** What a handler may know about the CALL it serves (valid in the synchronous part of the handler). */
export interface CallContext {
  id: string;
  profile: ProfileName;
  namespace: string;
  clientName: string | undefined;
}

export abstract class ChildWorker {
  private readonly childOptions: ChildWorkerOptions;
  private state: State = 'idle';
  private socket: Socket | undefined;
  private codec: Codec = defaultCodec;
  private accepted: readonly Profile[] = [PROFILES.v3, PROFILES.v4];
  private forwarder: OutputForwarder | undefined;
  private readonly releasers: Array<() => void> = [];
  private loopDone: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;
  private registeredServiceId: string | undefined;
  /** Where the service was registered (connect mode), to unregister it from the same place. */
  private registration: ServiceRegistration | undefined;
  private inFlightCalls = 0;
  /**
   * Profile of the last valid message received: output goes out in it, so a parent that speaks one profile
   * (MF-PROF-2) does not ignore it as a foreign app id (MF-MSG-6). With several parents in different profiles
   * the last one wins; per-parent profiles would need the forwarder to keep them.
   */
  private outputProfile: Profile | undefined;
  /** The send of the last reply, awaited by the receive loop before it reads on (see receiveLoop). */
  private replySending: Promise<void> | undefined;

  /** @param options options, or a service id (connect mode), as in the seed. */
  constructor(options: ChildWorkerOptions | string = {}) {
    this.childOptions = typeof options === 'string' ? { serviceId: options } : options;
  }

  /** The CALL being dispatched and its profile, during the synchronous part of its handler only. */
  private currentCall: CallMessage | undefined;
  private currentProfile: Profile | undefined;

  /** The CALL being dispatched; set during the synchronous part of a handler only (built when read). */
  protected get callContext(): CallContext | undefined {
    const call = this.currentCall;
    const profile = this.currentProfile;
    if (call === undefined || profile === undefined) return undefined;
    const clientName = call.client_name ?? call['clientName'];
    return { id: call.id, profile: profile.name, namespace: call.namespace ?? 'default', clientName: typeof clientName === 'string' ? clientName : undefined };
  }

  /** The clock of this worker (virtual in the simulator). */
  protected get workerClock(): Clock {
    return this.clock();
  }

  /** The process this worker runs in (simulated in the simulator). */
  protected get workerHost(): ChildHost {
    return this.host();
  }

  /** Writes a line to stdout as `console.log` would (forwarded to the parent). */
  protected writeStdout(text: string): void {
    this.host().write('stdout', `${text}\n`);
  }

  /** Writes a line to stderr as `console.error` would (forwarded to the parent). */
  protected writeStderr(text: string): void {
    this.host().write('stderr', `${text}\n`);
  }

  /** The namespace this worker serves. */
  get namespace(): string {
    return this.childOptions.namespace ?? 'default';
  }

  /** Calls currently running. */
  get activeCalls(): number {
    return this.inFlightCalls;
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
    const host = this.host();
    // Signals are taken before start-up: in connect mode a SIGTERM right after registration must still
    // unregister (MF-LIFE-7); it takes effect once start-up is done.
    let started: Promise<unknown> = Promise.resolve();
    const stopOnSignal = host.onStopSignal((signal: StopSignal) => void started.then(() => this.stopAndExit(`received ${signal}`)));
    this.releasers.push(stopOnSignal);
    try {
      const starting = this.start();
      started = starting.catch(() => undefined);
      await starting;
    } catch (error) {
      host.writeRaw('stderr', `FATAL: ${error instanceof Error ? error.message : String(error)}\n`);
      host.exit(1);
      return;
    }
    const stopOnOrphan = host.onParentGone(() => void this.stopAndExit('parent is gone'));
    this.releasers.push(stopOnOrphan);
    await this.loopDone;
    await this.stopAndExit('stopped');
  }

  /** Opens the socket and starts serving; resolves once messages are being received. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new MultifrostError('MF_INVALID_ARGUMENT', 'ChildWorker.start() called twice');
    const options = this.childOptions;
    this.codec = options.maxPayloadBytes === undefined ? defaultCodec : new Codec({ maxPayloadBytes: options.maxPayloadBytes });
    if (options.profiles !== undefined && options.profiles.length > 0) this.accepted = options.profiles.map((name) => PROFILES[name]);
    const host = this.host();
    const socket = (options.transport ?? (await defaultTransport())).router();
    this.socket = socket;
    try {
      await this.openSocket(socket, host);
    } catch (error) {
      await socket.close();
      this.socket = undefined;
      throw error;
    }
    if (options.forwardOutput ?? true) this.installForwarding(host);
    this.state = 'serving';
    this.loopDone = this.receiveLoop(socket);
  }

  /** Stops serving: closes the socket, unregisters in connect mode, restores output. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.state = 'stopping';
    for (const release of this.releasers.splice(0)) release();
    this.forwarder?.close();
    await this.socket?.close();
    if (this.registeredServiceId !== undefined) {
      const serviceId = this.registeredServiceId;
      this.registeredServiceId = undefined;
      try {
        await this.registration?.unregister(serviceId);
      } catch (error) {
        this.log(`WARNING: could not unregister service '${serviceId}': ${String(error)}`);
      }
    }
    this.state = 'stopped';
  }

  private async stopAndExit(reason: string): Promise<void> {
    this.log(`INFO: stopping (${reason})`);
    await this.stop();
    this.host().exit(0);
  }

  private host(): ChildHost {
    return (this.childOptions.host ??= new ProcessHost());
  }

  private clock(): Clock {
    return this.childOptions.clock ?? realClock;
  }

  private async openSocket(socket: Socket, host: ChildHost): Promise<void> {
    const portText = host.env(ENV_PORT);
    if (portText !== undefined) {
      const port = Number(portText);
      if (!/^\d+$/.test(portText.trim()) || !Number.isInteger(port) || port < 1024 || port > 65535) {
        throw new MultifrostError('MF_INVALID_ARGUMENT', `Invalid ${ENV_PORT} '${portText}': expected an integer in 1024-65535`);
      }
      await socket.connect(loopbackEndpoint(port));
      return;
    }
    const serviceId = this.childOptions.serviceId;
    if (serviceId === undefined) {
      throw new MultifrostError('MF_INVALID_ARGUMENT', `Need the ${ENV_PORT} environment variable (spawn mode) or a serviceId (connect mode)`);
    }
    const registration = this.childOptions.registration ?? (await defaultRegistration());
    const endpoint = await socket.bind(loopbackEndpoint(this.childOptions.bindPort ?? 0, this.childOptions.bindHost ?? LOOPBACK_HOST));
    const port = endpointPort(endpoint);
    if (port === undefined) throw new MultifrostError('MF_CONNECTION', `bound endpoint has no port: ${endpoint}`);
    await registration.register(serviceId, port, host.pid);
    this.registration = registration;
    this.registeredServiceId = serviceId;
    this.log(`INFO: service '${serviceId}' ready on ${endpoint}`);
  }

  private installForwarding(host: ChildHost): void {
    const forwarder = new OutputForwarder({
      send: (routingId, stream, text) => this.sendOutput(routingId, stream, text),
      writeRaw: (stream, text) => host.writeRaw(stream, text),
    });
    this.forwarder = forwarder;
    // console.log writes a whole line plus '\n'; the message carries the line without its newline.
    this.releasers.push(host.captureOutput((stream, text) => forwarder.write(stream, text.endsWith('\n') ? text.slice(0, -1) : text)));
  }

  private sendOutput(routingId: Uint8Array, stream: OutputStream, text: string): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || this.state !== 'serving') return Promise.reject(new Error('not serving'));
    const profile = this.outputProfile ?? this.accepted[0]!;
    const message = createOutput(profile, this.newId(), this.timestampSec(), stream, text);
    return socket.send(childFrames(routingId, this.codec.encode(message)));
  }

  private async receiveLoop(socket: Socket): Promise<void> {
    try {
      for await (const frames of socket) {
        this.handleFrames(frames);
        if (this.state !== 'serving') break;
        // Replies of synchronous handlers were just queued: let them reach the socket before reading more.
        // This is backpressure (a flood of calls cannot queue replies without bound) and, measured, it
        // batches socket work better than reading ahead. Async handlers are never awaited here.
        const sending = this.replySending;
        if (sending !== undefined) {
          this.replySending = undefined;
          await sending;
        }
      }
    } catch (error) {
      if (this.state === 'serving') this.log(`ERROR: receive failed: ${String(error)}`);
    }
  }

  /** One inbound message. Never throws: a bad frame is dropped and logged (MF-FRAME-4/5, MF-MSG-1..9). */
  private handleFrames(frames: Uint8Array[]): void {
    const inbound = parseChildInbound(frames);
    if (!inbound.ok) return this.drop(inbound.error);
    const decoded = decodeMessage(this.codec, inbound.payload, this.accepted);
    if (!decoded.ok) return this.drop(decoded.error);
    const { message, profile } = decoded;
    this.outputProfile = profile;
    this.forwarder?.knowParent(inbound.routingId);
    this.dispatch(message, profile, inbound.routingId);
  }

  private dispatch(message: Message, profile: Profile, routingId: Uint8Array): void {
    switch (message.type) {
      case 'call':
        if ((message.namespace ?? 'default') !== this.namespace) return; // MF-NS-2: no reply
        this.serveCall(message, profile, routingId);
        return;
      case 'heartbeat':
        this.reply(routingId, createHeartbeatEcho(profile, message as HeartbeatMessage, this.timestampSec()), message.id);
        return;
      case 'shutdown':
        this.log('INFO: received SHUTDOWN');
        this.state = 'stopping';
        void this.socket?.close();
        return;
      default:
        return; // RESPONSE/ERROR/STDOUT/STDERR are not for a child; unknown types are ignored (MF-MSG-5).
    }
  }

  /**
   * Runs one CALL. A synchronous handler is answered before this returns (no promise at all on that path:
   * it is the hot path of every benchmark); a handler that returns a thenable is answered when it settles.
   */
  private serveCall(call: CallMessage, profile: Profile, routingId: Uint8Array): void {
    const defect = callDefect(call);
    const method = defect === undefined ? callableMethods(this, ChildWorker.prototype).get(call.function) : undefined;
    if (method === undefined) {
      // Malformed fields first (MF-CALL-3), then private and unknown names (MF-CALL-4, MF-CALL-5).
      this.reply(routingId, createError(profile, call.id, this.timestampSec(), defect ?? refusal(call.function)), call.id);
      return;
    }
    let result: unknown;
    this.currentCall = call;
    this.currentProfile = profile;
    this.inFlightCalls++;
    let pending: boolean;
    try {
      result = method.apply(this, call.args);
      // Reading `then` may run a getter of the result: inside the try, so that a throwing one is the call's error.
      pending = result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function';
    } catch (error) {
      this.inFlightCalls--;
      this.replyFailure(routingId, profile, call.id, error);
      return;
    } finally {
      this.currentCall = undefined;
      this.currentProfile = undefined;
    }
    if (!pending) {
      this.inFlightCalls--;
      this.reply(routingId, createResponse(profile, call.id, this.timestampSec(), result), call.id);
      return;
    }
    // Promise.resolve adopts the thenable: a then() that throws, or calls back twice, settles exactly once.
    Promise.resolve(result as PromiseLike<unknown>).then(
      (value) => {
        this.inFlightCalls--;
        this.reply(routingId, createResponse(profile, call.id, this.timestampSec(), value), call.id);
      },
      (error: unknown) => {
        this.inFlightCalls--;
        this.replyFailure(routingId, profile, call.id, error);
      },
    );
  }

  private replyFailure(routingId: Uint8Array, profile: Profile, id: string, error: unknown): void {
    const stack = error instanceof Error ? error.stack : undefined;
    this.reply(routingId, createError(profile, id, this.timestampSec(), errorText(error), stack), id);
  }

  /** Encodes and sends a reply; a result that cannot be encoded becomes an ERROR for the same call. */
  private reply(routingId: Uint8Array, message: Message, id: string): void {
    const socket = this.socket;
    if (socket === undefined) return;
    let payload: Buffer;
    try {
      payload = this.codec.encode(message);
    } catch (error) {
      const text = error instanceof EncodeError || error instanceof MultifrostError ? error.message : errorText(error);
      const profile = this.accepted.find((p) => p.app === message.app) ?? this.accepted[0]!;
      payload = this.codec.encode(createError(profile, id, this.timestampSec(), `result could not be encoded: ${text}`));
    }
    this.replySending = socket.post(childFrames(routingId, payload), (error) => {
      if (this.state === 'serving') this.log(`ERROR: could not send reply to ${id}: ${String(error)}`);
    });
  }

  private drop(error: DecodeError): void {
    this.log(`WARNING: dropped message (${error.reason}${error.field === undefined ? '' : ` ${error.field}`}): ${error.message}`);
  }

  private log(line: string): void {
    this.host().writeRaw('stderr', `${line}\n`);
  }

  private idCounter = 0;
  private newId(): string {
    return `out-${this.host().pid}-${(this.idCounter++).toString(36)}`;
  }

  private timestampSec(): number {
    return this.clock().epochMs() / 1000;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message !== '' ? error.message : error.name;
  const text = String(error);
  return text !== '' ? text : 'Error';
}

/** The file registry under MULTIFROST_HOME or ~/.multifrost, loaded only in connect mode. */
async function defaultRegistration(): Promise<ServiceRegistration> {
  const { fileServiceRegistration } = await import('../shared/registry-adapter.js');
  return fileServiceRegistration();
}

/** The real ZeroMQ transport, loaded lazily so that simulated workers never load the native module. */
async function defaultTransport(): Promise<Transport> {
  const { ZmqTransport } = await import('../../transport/zmq/index.js');
  return new ZmqTransport();
}
