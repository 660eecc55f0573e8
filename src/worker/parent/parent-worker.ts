/**
 * ParentWorker: calls methods on a child worker, in spawn mode (it launches the child) or connect mode (it
 * finds a running service in the registry). It composes small parts: a pending-call table, a circuit breaker,
 * a heartbeat monitor, metrics, a restart policy and a child supervisor; this file only wires them together.
 *
 * ```ts
 * interface MathApi { add(a: number, b: number): number }
 * const worker = ParentWorker.spawn<MathApi>('./math-worker.ts');
 * await worker.start();
 * await worker.call.add(1, 2);                               // 3
 * await worker.call.withOptions({ timeoutMs: 500 }).add(1, 2);
 * await worker.stop();
 * ```
 */
import { randomBytes } from 'node:crypto';
import {
  CircuitOpenError,
  ConnectionError,
  InvalidArgumentError,
  MultifrostError,
  RemoteCallError,
  SpawnError,
  TimeoutError,
  WorkerStoppedError,
} from '../../errors.js';
import { Codec, defaultCodec } from '../../protocol/codec.js';
import { parentFrames, parseParentInbound } from '../../protocol/framing.js';
import type { ErrorMessage, Message, OutputMessage, ResponseMessage } from '../../protocol/message.js';
import { createCall, createHeartbeat, createShutdown } from '../../protocol/messages.js';
import { PROFILES, type Profile } from '../../protocol/profile.js';
import { decodeMessage } from '../../protocol/validate.js';
import type { Clock } from '../../time/clock.js';
import { realClock } from '../../time/real-clock.js';
import type { Socket, Transport } from '../../transport/transport.js';
import { endpointPort, loopbackEndpoint } from '../../transport/transport.js';
import { type CallOptions, type CallProxy, type UntypedApi, createCallProxy } from './call-proxy.js';
import { ChildSupervisor } from './child-supervisor.js';
import { CircuitBreaker, type FailureKind, type Transition } from './circuit-breaker.js';
import { resolveWorkerCommand } from './command.js';
import { type WorkerEventListener, WorkerEvents } from './events.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import { type OutputSink, type ParentWorkerOptions, type ResolvedParentOptions, resolveParentOptions, validateTimeoutMs } from './parent-options.js';
import { NodeProcessLauncher } from './node-launcher.js';
import { PendingCalls } from './pending-calls.js';
import type { ExitInfo, LaunchedProcess, ProcessLauncher } from '../shared/process-launcher.js';
import { RestartPolicy } from './restart-policy.js';
import type { ServiceDiscovery } from '../shared/service-registration.js';

type Mode = { kind: 'spawn'; supervisor: ChildSupervisor } | { kind: 'connect'; serviceId: string; port: number };
type State = 'new' | 'starting' | 'running' | 'failed' | 'stopping' | 'stopped';

/** A small facade over a worker, in the shape of the language-agnostic spec's `handle()`. */
export interface WorkerHandle<Api extends object> {
  readonly call: CallProxy<Api>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const defaultSink: OutputSink = (stream, text, name) => {
  (stream === 'stdout' ? process.stdout : process.stderr).write(`[${name} ${stream.toUpperCase()}] ${text}\n`);
};

export class ParentWorker<Api extends object = UntypedApi> {
  /** The call proxy: `worker.call.add(1, 2)`, `worker.call.withOptions({ timeoutMs }).add(1, 2)`. */
  readonly call: CallProxy<Api>;
  readonly name: string;
  private readonly options: ResolvedParentOptions;
  private readonly profile: Profile;
  private readonly clock: Clock;
  private readonly codec: Codec;
  private readonly transportOption: Transport | undefined;
  private readonly sink: OutputSink;
  private readonly events = new WorkerEvents();
  private readonly pending: PendingCalls;
  private readonly breaker: CircuitBreaker;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly metrics = new Metrics();
  private readonly restarts: RestartPolicy;
  private readonly idPrefix: string;
  private mode: Mode | undefined;
  private state: State = 'new';
  private failure: MultifrostError | undefined;
  private socket: Socket | undefined;
  private port = 0;
  private loopDone: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private readyWaiter: { id: string; resolve: () => void } | undefined;
  /** Ends a ready wait at once (its timer too) when stop() comes first: nothing of it may outlive stop(). */
  private abortReady: (() => void) | undefined;
  private restartTimer: { cancel(): void } | undefined;
  private idCounter = 0;

  private constructor(name: string, options: ParentWorkerOptions) {
    this.name = options.name ?? name;
    this.options = resolveParentOptions(options);
    this.profile = PROFILES[this.options.profile];
    this.clock = options.clock ?? realClock;
    this.codec = options.codec ?? (options.maxPayloadBytes === undefined ? defaultCodec : new Codec({ maxPayloadBytes: options.maxPayloadBytes }));
    this.transportOption = options.transport;
    this.sink = options.outputSink ?? defaultSink;
    this.idPrefix = this.options.idPrefix ?? randomBytes(4).toString('hex');
    this.pending = new PendingCalls(this.clock, (call, timeoutMs) => {
      this.metrics.timeouts++;
      this.metrics.requestsFailed++;
      this.recordFailure('timeout');
      return new TimeoutError(`call ${call.functionName} (id ${call.id})`, timeoutMs);
    });
    this.breaker = new CircuitBreaker({
      failureThreshold: this.options.maxRestartAttempts,
      cooldownMs: this.options.breakerCooldownMs,
      countRemoteErrors: this.options.countRemoteErrors,
    });
    this.restarts = new RestartPolicy({ maxAttempts: this.options.maxRestartAttempts, baseDelayMs: this.options.restartBackoffMs });
    this.heartbeat = new HeartbeatMonitor({
      clock: this.clock,
      intervalMs: this.options.heartbeatIntervalMs,
      timeoutMs: this.options.heartbeatTimeoutMs,
      maxMisses: this.options.heartbeatMaxMisses,
      newId: () => this.newId(),
      send: (id, sentAtEpochMs) => this.sendHeartbeat(id, sentAtEpochMs),
      onRtt: (rttMs) => {
        this.metrics.recordRtt(rttMs);
        this.events.emit({ type: 'heartbeat-rtt', rttMs });
      },
      onMiss: (misses) => {
        this.metrics.heartbeatMisses++;
        this.events.emit({ type: 'heartbeat-missed', misses, maxMisses: this.options.heartbeatMaxMisses });
      },
      onMaxMisses: () => this.recordFailure('heartbeat'),
    });
    this.call = createCallProxy<Api>((fn, args, callOptions) => this.callFunction(fn, args, callOptions));
  }

  /**
   * A worker that launches `scriptPath` (spawn mode). The runtime is inferred from the file when `executable`
   * is omitted (`.py` python3, `.ts` Node with tsx, `.js` Node, an executable file directly); no shell.
   */
  static spawn<Api extends object = UntypedApi>(scriptPath: string, executable?: string, options: ParentWorkerOptions = {}): ParentWorker<Api> {
    const command = resolveWorkerCommand(scriptPath, executable, options.args ?? []);
    const worker = new ParentWorker<Api>(scriptPath, options);
    worker.mode = { kind: 'spawn', supervisor: worker.createSupervisor(command, options.launcher) };
    return worker;
  }

  /** A spawn-mode worker for an explicit command line (`argv[0]` is the program). */
  static spawnCommand<Api extends object = UntypedApi>(argv: readonly string[], options: ParentWorkerOptions = {}): ParentWorker<Api> {
    const [command, ...args] = argv;
    if (command === undefined) throw new InvalidArgumentError('argv', 'empty command');
    const worker = new ParentWorker<Api>(command, options);
    worker.mode = { kind: 'spawn', supervisor: worker.createSupervisor({ command, args: [...args, ...(options.args ?? [])] }, options.launcher) };
    return worker;
  }

  /** A worker for a running connect-mode service: discovers its port (polling, default 5 s). @see MF-LIFE-12 */
  static async connect<Api extends object = UntypedApi>(serviceId: string, options: ParentWorkerOptions = {}): Promise<ParentWorker<Api>> {
    const worker = new ParentWorker<Api>(serviceId, options);
    const discovery = options.discovery ?? (await defaultDiscovery());
    const found = await discovery.discover(serviceId, worker.options.discoverTimeoutMs);
    worker.mode = { kind: 'connect', serviceId, port: found.port };
    return worker;
  }

  /** A worker for a service listening at a known port (connect mode without the registry). */
  static connectToPort<Api extends object = UntypedApi>(port: number, options: ParentWorkerOptions = {}): ParentWorker<Api> {
    const worker = new ParentWorker<Api>(`port ${port}`, options);
    worker.mode = { kind: 'connect', serviceId: `port ${port}`, port };
    return worker;
  }

  /** The child's process id (spawn mode), once started. */
  get pid(): number | undefined {
    return this.mode?.kind === 'spawn' ? this.mode.supervisor.pid : undefined;
  }

  get breakerState(): CircuitBreaker['state'] {
    return this.breaker.state;
  }

  /** Calls waiting for a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Adds a lifecycle event listener; returns the function that removes it. */
  on(listener: WorkerEventListener): () => void {
    return this.events.subscribe(listener);
  }

  handle(): WorkerHandle<Api> {
    return { call: this.call, start: () => this.start(), stop: () => this.stop() };
  }

  metricsSnapshot(): MetricsSnapshot {
    return this.metrics.snapshot(this.pending.size, {
      state: this.breaker.state,
      trips: this.breaker.trips,
      resets: this.breaker.resets,
      consecutiveFailures: this.breaker.consecutiveFailures,
    });
  }

  /**
   * Opens the socket, launches (spawn) or connects to (connect) the child and resolves once the child has
   * answered a heartbeat: no fixed sleep (MF-LIFE-10, MF-LIFE-11).
   * @throws SpawnError when the child exits or stays silent before it is ready; ConnectionError on socket failure.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new InvalidArgumentError('start', `worker is ${this.state}`);
    const mode = this.mode;
    if (mode === undefined) throw new InvalidArgumentError('start', 'worker has no mode');
    this.state = 'starting';
    const socket = (this.transportOption ?? (await defaultTransport())).dealer();
    this.socket = socket;
    try {
      let launched: LaunchedProcess | undefined;
      if (mode.kind === 'spawn') {
        const endpoint = await socket.bind(loopbackEndpoint(0));
        this.port = endpointPort(endpoint) ?? 0;
        this.loopDone = this.receiveLoop(socket);
        launched = mode.supervisor.launch(this.port);
        this.events.emit({ type: 'started', endpoint, pid: launched.pid });
      } else {
        this.port = mode.port;
        const endpoint = loopbackEndpoint(mode.port, this.options.connectHost);
        await socket.connect(endpoint);
        this.loopDone = this.receiveLoop(socket);
        this.events.emit({ type: 'started', endpoint, pid: undefined });
      }
      await this.waitReady(launched);
    } catch (error) {
      if ((this.state as State) === 'stopping') throw error; // stop() came during start-up and releases everything itself
      if (mode.kind === 'spawn') await mode.supervisor.kill();
      this.state = 'stopped';
      await socket.close();
      await this.loopDone;
      throw error;
    }
    this.state = 'running';
    this.heartbeat.start();
  }

  /**
   * Stops the worker: rejects every pending call exactly once, stops heartbeats and restarts, and in spawn
   * mode sends SHUTDOWN, waits the grace period, then SIGTERM, then SIGKILL (MF-LIFE-4, MF-LIFE-5). Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Calls `functionName` with positional `args`. Prefer the `call` proxy. */
  callFunction(functionName: string, args: unknown[], callOptions?: CallOptions): Promise<unknown> {
    if (this.state !== 'running') return Promise.reject(this.notRunningError());
    let timeoutMs: number | undefined;
    try {
      timeoutMs = validateTimeoutMs('timeoutMs', callOptions?.timeoutMs ?? callOptions?.timeout) ?? this.options.defaultTimeoutMs;
    } catch (error) {
      return Promise.reject(error);
    }
    const admission = this.breaker.admit(this.clock.nowMs(), this.onBreakerTransition);
    if (!admission.allowed) {
      this.metrics.requestsRefused++;
      return Promise.reject(new CircuitOpenError(this.breaker.consecutiveFailures, admission.retryInMs));
    }
    const id = this.newId();
    let payload: Buffer;
    try {
      const message = createCall(this.profile, id, this.timestampSec(), functionName, args, callOptions);
      payload = this.codec.encode(message);
    } catch (error) {
      if (admission.probe) this.breaker.releaseProbe();
      return Promise.reject(error);
    }
    this.metrics.requestsTotal++;
    const result = this.pending.add(id, functionName, timeoutMs, admission.probe);
    void this.socket!.post(parentFrames(payload), (error) => this.failCall(id, error));
    return result;
  }

  // ---- internals -------------------------------------------------------------------------------------

  private createSupervisor(command: { command: string; args: string[] }, launcher: ProcessLauncher | undefined): ChildSupervisor {
    return new ChildSupervisor({
      launcher: launcher ?? new NodeProcessLauncher(),
      command,
      env: this.options.env,
      cwd: this.options.cwd,
      clock: this.clock,
      onRawOutput: (stream, line) => this.sink(stream, line, this.name),
      onUnexpectedExit: (info, launched) => this.onChildExit(info, launched),
    });
  }

  private async shutdown(): Promise<void> {
    const previous = this.state;
    this.state = 'stopping';
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
    this.abortReady?.();
    this.heartbeat.stop();
    this.rejectPending((call) => `worker stopped while ${call.functionName} was pending`);
    if (previous !== 'new' && this.mode?.kind === 'spawn') {
      await this.mode.supervisor.stopChild(() => this.sendShutdown(), this.options.stopGraceMs, this.options.stopTermMs);
    }
    await this.socket?.close();
    await this.loopDone;
    this.state = 'stopped';
    this.events.emit({ type: 'stopped' });
    this.events.clear();
  }

  private async receiveLoop(socket: Socket): Promise<void> {
    try {
      for await (const frames of socket) this.handleFrames(frames);
    } catch (error) {
      if (this.state === 'running') this.events.emit({ type: 'message-dropped', reason: 'receive-failed', detail: String(error) });
    }
  }

  private handleFrames(frames: Uint8Array[]): void {
    const inbound = parseParentInbound(frames);
    if (!inbound.ok) {
      this.events.emit({ type: 'message-dropped', reason: inbound.error.reason, detail: inbound.error.message });
      return;
    }
    const decoded = decodeMessage(this.codec, inbound.payload, [this.profile]);
    if (!decoded.ok) {
      this.events.emit({ type: 'message-dropped', reason: decoded.error.reason, detail: decoded.error.message });
      return;
    }
    this.handleMessage(decoded.message);
  }

  private handleMessage(message: Message): void {
    switch (message.type) {
      case 'response':
        return this.onResponse(message);
      case 'error':
        return this.onError(message);
      case 'heartbeat':
        if (this.readyWaiter?.id === message.id) this.readyWaiter.resolve();
        else this.heartbeat.handleEcho(message.id);
        return;
      case 'stdout':
      case 'stderr':
        return this.onOutput(message);
      default:
        return; // CALL and SHUTDOWN are not for a parent; unknown types are ignored (MF-MSG-5).
    }
  }

  private onResponse(message: ResponseMessage): void {
    const call = this.pending.take(message.id);
    if (call === undefined) return; // late (after a timeout) or unknown id: ignored (MF-CALL-12)
    this.metrics.recordLatency(this.clock.nowMs() - call.startedAtMs);
    this.metrics.requestsSuccess++;
    this.breaker.recordSuccess(this.onBreakerTransition);
    call.resolve(message.result ?? null);
  }

  private onError(message: ErrorMessage): void {
    const call = this.pending.take(message.id);
    if (call === undefined) return;
    this.metrics.recordLatency(this.clock.nowMs() - call.startedAtMs);
    this.metrics.requestsFailed++;
    this.recordFailure('remote');
    const text = typeof message.error === 'string' && message.error !== '' ? message.error : 'remote error without a message';
    const traceback = typeof message.traceback === 'string' ? message.traceback : undefined;
    call.reject(new RemoteCallError(call.functionName, text, traceback));
  }

  private onOutput(message: OutputMessage): void {
    if (typeof message.output === 'string') this.sink(message.type, message.output, this.name);
  }

  private failCall(id: string, error: unknown): void {
    const call = this.pending.take(id);
    if (call === undefined) return;
    this.metrics.requestsFailed++;
    if (this.state === 'running') this.recordFailure('transport');
    const code = error instanceof ConnectionError ? error.transportCode : undefined;
    const reason = error instanceof Error ? error.message : String(error);
    call.reject(error instanceof MultifrostError ? error : new ConnectionError(`could not send ${call.functionName}: ${reason}`, code, { cause: error }));
  }

  private recordFailure(kind: FailureKind): void {
    this.breaker.recordFailure(kind, this.clock.nowMs(), this.onBreakerTransition);
  }

  private readonly onBreakerTransition = (transition: Transition): void => {
    this.events.emit({ type: 'breaker-changed', from: transition.from, to: transition.to, failures: transition.failures });
  };

  private rejectPending(describe: (call: { functionName: string }) => string): void {
    this.pending.rejectAll((call) => {
      this.metrics.requestsFailed++;
      if (call.probe) this.breaker.releaseProbe();
      return new WorkerStoppedError(describe(call), true);
    });
  }

  /** Sends a heartbeat probe and waits for its echo, the child's exit, or the ready timeout. */
  private async waitReady(launched: LaunchedProcess | undefined): Promise<void> {
    const startedAtMs = this.clock.nowMs();
    const id = this.newId();
    const echoed = new Promise<'ready'>((resolve) => {
      this.readyWaiter = { id, resolve: () => resolve('ready') };
    });
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.clock.setTimer(this.options.readyTimeoutMs, () => resolve('timeout'));
    });
    const stopped = new Promise<'stopped'>((resolve) => {
      this.abortReady = () => {
        timer?.cancel();
        resolve('stopped');
      };
    });
    const exited = launched === undefined ? new Promise<never>(() => undefined) : launched.exit;
    this.sendHeartbeat(id, this.clock.epochMs());
    const outcome = await Promise.race([echoed, timedOut, exited, stopped]);
    timer?.cancel();
    this.readyWaiter = undefined;
    this.abortReady = undefined;
    if (outcome === 'stopped') throw new WorkerStoppedError(`worker ${this.name} was stopped before it was ready`, false);
    if (outcome === 'ready') {
      this.events.emit({ type: 'ready', afterMs: this.clock.nowMs() - startedAtMs });
      return;
    }
    const tail = launched?.stderrTail() ?? '';
    if (outcome === 'timeout') {
      throw new SpawnError(`worker ${this.name} did not answer within ${this.options.readyTimeoutMs} ms`, launched?.exited?.code ?? null, null, tail);
    }
    const info = outcome as ExitInfo;
    const why = info.error === undefined ? 'exited before it was ready' : `could not be started: ${info.error.message}`;
    throw new SpawnError(`worker ${this.name} ${why}`, info.code, info.signal, tail, { cause: info.error });
  }

  private onChildExit(info: ExitInfo, launched: LaunchedProcess): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.events.emit({ type: 'child-exited', code: info.code, signal: info.signal, expected: false });
    this.heartbeat.stop();
    const how = `exited (code ${info.code ?? 'none'}, signal ${info.signal ?? 'none'})`;
    this.rejectPending((call) => `child ${how} while ${call.functionName} was pending`);
    if (this.state === 'starting') return; // start() reports it as a SpawnError.
    this.recordFailure('child-exit');
    if (this.options.autoRestart) this.scheduleRestart(launched);
    else this.fail(new WorkerStoppedError(`child ${how}; autoRestart is off`, false));
  }

  private scheduleRestart(previous: LaunchedProcess): void {
    const next = this.restarts.next();
    if (next === undefined) {
      const error = new SpawnError(`worker ${this.name} gave up after ${this.restarts.maxAttempts} restart attempts`, previous.exited?.code ?? null, previous.exited?.signal ?? null, previous.stderrTail());
      this.events.emit({ type: 'restart-gave-up', attempts: this.restarts.maxAttempts, error });
      this.fail(error);
      return;
    }
    this.events.emit({ type: 'restarting', attempt: next.attempt, delayMs: next.delayMs });
    this.restartTimer = this.clock.setTimer(next.delayMs, () => {
      this.restartTimer = undefined;
      void this.restart(next.attempt);
    });
  }

  private async restart(attempt: number): Promise<void> {
    if (this.state !== 'running' || this.mode?.kind !== 'spawn') return;
    const launched = this.mode.supervisor.launch(this.port);
    this.metrics.restarts++;
    try {
      await this.waitReady(launched);
    } catch {
      // An exit is handled by onChildExit (which schedules the next attempt); a silent child is killed so it is.
      if (launched.exited === undefined && this.state === 'running') launched.kill('SIGKILL');
      return;
    }
    if (this.state !== 'running') return;
    this.restarts.reset();
    this.events.emit({ type: 'restarted', attempt, pid: launched.pid });
    this.heartbeat.start();
  }

  private fail(error: MultifrostError): void {
    this.state = 'failed';
    this.failure = error;
    this.rejectPending((call) => `${error.message} (${call.functionName})`);
  }

  private notRunningError(): MultifrostError {
    if (this.state === 'failed' && this.failure !== undefined) return new WorkerStoppedError(this.failure.message, false);
    return new WorkerStoppedError(`worker ${this.name} is ${this.state === 'new' ? 'not started' : this.state}`, false);
  }

  private sendHeartbeat(id: string, sentAtEpochMs: number): void {
    this.metrics.heartbeatsSent++;
    this.sendMessage(createHeartbeat(this.profile, id, this.timestampSec(), sentAtEpochMs));
  }

  private sendShutdown(): void {
    this.sendMessage(createShutdown(this.profile, this.newId(), this.timestampSec()));
  }

  private sendMessage(message: Message): void {
    void this.socket?.post(parentFrames(this.codec.encode(message)), ignoreFailure);
  }

  private newId(): string {
    return `${this.idPrefix}-${(this.idCounter++).toString(36)}`;
  }

  private timestampSec(): number {
    return this.clock.epochMs() / 1000;
  }
}

/** Heartbeats and SHUTDOWN are best effort: a lost one shows as a missed echo or an escalation to SIGTERM. */
function ignoreFailure(): void {}

/** The real ZeroMQ transport, loaded lazily so that simulated workers never load the native module. */
async function defaultTransport(): Promise<Transport> {
  const { ZmqTransport } = await import('../../transport/zmq/index.js');
  return new ZmqTransport();
}

async function defaultDiscovery(): Promise<ServiceDiscovery> {
  const { fileServiceDiscovery } = await import('../shared/registry-adapter.js');
  return fileServiceDiscovery();
}
