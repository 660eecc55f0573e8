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
import { InvalidArgumentError, type MultifrostError, WorkerStoppedError } from '../../errors.js';
import { Codec, defaultCodec } from '../../protocol/codec.js';
import type { Message } from '../../protocol/message.js';
import type { Profile, ProfileName } from '../../protocol/profile.js';
import type { Clock } from '../../time/clock.js';
import { realClock } from '../../time/real-clock.js';
import { defaultTransport } from '../../transport/default-transport.js';
import { type Transport, endpointPort, loopbackEndpoint } from '../../transport/transport.js';
import type { ExitInfo, LaunchedProcess, ProcessLauncher } from '../shared/process-launcher.js';
import type { ServiceDiscovery } from '../shared/service-registration.js';
import { CallTracker } from './call-tracker.js';
import { type CallOptions, type CallProxy, type UntypedApi, createCallProxy } from './call-proxy.js';
import { ChildSupervisor } from './child-supervisor.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { resolveWorkerCommand } from './command.js';
import { type WorkerEventListener, WorkerEvents } from './events.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import { NodeProcessLauncher } from './node-launcher.js';
import { ParentChannel } from './parent-channel.js';
import {
  type OutputSink,
  type ParentWorkerOptions,
  type ResolvedParentOptions,
  resolveParentOptions,
  validateTimeoutMs,
} from './parent-options.js';
import { ReadinessProbe } from './readiness-probe.js';
import { RestartPolicy } from './restart-policy.js';

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
  private readonly clock: Clock;
  private readonly transportOption: Transport | undefined;
  private readonly sink: OutputSink;
  private readonly events = new WorkerEvents();
  private readonly metrics = new Metrics();
  private readonly breaker: CircuitBreaker;
  private readonly channel: ParentChannel;
  private readonly calls: CallTracker;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly readiness: ReadinessProbe;
  private readonly restarts: RestartPolicy;
  private mode: Mode | undefined;
  private state: State = 'new';
  private failure: MultifrostError | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(name: string, options: ParentWorkerOptions) {
    this.name = options.name ?? name;
    this.options = resolveParentOptions(options);
    this.clock = options.clock ?? realClock;
    this.transportOption = options.transport;
    this.sink = options.outputSink ?? defaultSink;
    const isRunning = (): boolean => this.state === 'running';
    this.channel = new ParentChannel({
      codec:
        options.codec ??
        (options.maxPayloadBytes === undefined
          ? defaultCodec
          : new Codec({ maxPayloadBytes: options.maxPayloadBytes })),
      candidates: this.options.profileCandidates,
      clock: this.clock,
      idPrefix: this.options.idPrefix ?? randomBytes(4).toString('hex'),
      events: this.events,
      isRunning,
      onMessage: (message) => this.handleMessage(message),
      isProbeEcho: (id) => this.readiness.isProbeEcho(id),
    });
    this.breaker = new CircuitBreaker({
      failureThreshold: this.options.maxRestartAttempts,
      cooldownMs: this.options.breakerCooldownMs,
      countRemoteErrors: this.options.countRemoteErrors,
    });
    this.calls = new CallTracker({
      clock: this.clock,
      channel: this.channel,
      breaker: this.breaker,
      metrics: this.metrics,
      events: this.events,
      isRunning,
    });
    this.restarts = new RestartPolicy({
      maxAttempts: this.options.maxRestartAttempts,
      baseDelayMs: this.options.restartBackoffMs,
    });
    this.heartbeat = this.createHeartbeatMonitor();
    this.readiness = new ReadinessProbe({
      clock: this.clock,
      readyTimeoutMs: this.options.readyTimeoutMs,
      workerName: this.name,
      events: this.events,
      candidates: this.options.profileCandidates,
      channel: this.channel,
      sendHeartbeat: (id, sentAtEpochMs, profile) => this.sendHeartbeat(id, sentAtEpochMs, profile),
    });
    this.call = createCallProxy<Api>((fn, args, callOptions) => this.callFunction(fn, args, callOptions));
  }

  /**
   * A worker that launches `scriptPath` (spawn mode). The runtime is inferred from the file when `executable`
   * is omitted (`.py` python3, `.ts` Node with tsx, `.js` Node, an executable file directly); no shell.
   */
  static spawn<Api extends object = UntypedApi>(
    scriptPath: string,
    executable?: string,
    options: ParentWorkerOptions = {},
  ): ParentWorker<Api> {
    const command = resolveWorkerCommand(scriptPath, executable, options.args ?? []);
    const worker = new ParentWorker<Api>(scriptPath, options);
    worker.mode = { kind: 'spawn', supervisor: worker.createSupervisor(command, options.launcher) };
    return worker;
  }

  /** A spawn-mode worker for an explicit command line (`argv[0]` is the program). */
  static spawnCommand<Api extends object = UntypedApi>(
    argv: readonly string[],
    options: ParentWorkerOptions = {},
  ): ParentWorker<Api> {
    const [command, ...args] = argv;
    if (command === undefined) throw new InvalidArgumentError('argv', 'empty command');
    const worker = new ParentWorker<Api>(command, options);
    worker.mode = {
      kind: 'spawn',
      supervisor: worker.createSupervisor({ command, args: [...args, ...(options.args ?? [])] }, options.launcher),
    };
    return worker;
  }

  /** A worker for a running connect-mode service: discovers its port (polling, default 5 s). @see MF-LIFE-12 */
  static async connect<Api extends object = UntypedApi>(
    serviceId: string,
    options: ParentWorkerOptions = {},
  ): Promise<ParentWorker<Api>> {
    const worker = new ParentWorker<Api>(serviceId, options);
    const discovery = options.discovery ?? (await defaultDiscovery());
    const found = await discovery.discover(serviceId, worker.options.discoverTimeoutMs);
    worker.mode = { kind: 'connect', serviceId, port: found.port };
    return worker;
  }

  /** A worker for a service listening at a known port (connect mode without the registry). */
  static connectToPort<Api extends object = UntypedApi>(
    port: number,
    options: ParentWorkerOptions = {},
  ): ParentWorker<Api> {
    const worker = new ParentWorker<Api>(`port ${port}`, options);
    worker.mode = { kind: 'connect', serviceId: `port ${port}`, port };
    return worker;
  }

  /** The child's process id (spawn mode), once started. */
  get pid(): number | undefined {
    return this.mode?.kind === 'spawn' ? this.mode.supervisor.pid : undefined;
  }

  /** The profile spoken: the pinned one, or the one the start-up probe chose (undefined until then). @see MF-PROF-7 */
  get profile(): ProfileName | undefined {
    return this.channel.profile?.name;
  }

  get breakerState(): CircuitBreaker['state'] {
    return this.breaker.state;
  }

  /** Calls waiting for a reply. */
  get inFlight(): number {
    return this.calls.size;
  }

  /** Adds a lifecycle event listener; returns the function that removes it. */
  on(listener: WorkerEventListener): () => void {
    return this.events.subscribe(listener);
  }

  handle(): WorkerHandle<Api> {
    return { call: this.call, start: () => this.start(), stop: () => this.stop() };
  }

  metricsSnapshot(): MetricsSnapshot {
    const { state, trips, resets, consecutiveFailures } = this.breaker;
    return this.metrics.snapshot(this.calls.size, { state, trips, resets, consecutiveFailures }, this.profile);
  }

  /**
   * Opens the socket, launches (spawn) or connects to (connect) the child and resolves once the child has
   * answered a heartbeat: no fixed sleep (MF-LIFE-10, MF-LIFE-11). Without a pinned `profile` that heartbeat
   * is the probe that picks the profile (MF-PROF-6).
   * @throws ProfileProbeError (a SpawnError) when probing and the child answers neither probe; SpawnError when
   *   the child exits or stays silent before it is ready; ConnectionError on socket failure.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new InvalidArgumentError('start', `worker is ${this.state}`);
    const mode = this.mode;
    if (mode === undefined) throw new InvalidArgumentError('start', 'worker has no mode');
    this.state = 'starting';
    const socket = (this.transportOption ?? (await defaultTransport())).dealer();
    this.channel.use(socket);
    try {
      let launched: LaunchedProcess | undefined;
      if (mode.kind === 'spawn') {
        const endpoint = await socket.bind(loopbackEndpoint(0));
        this.channel.listen();
        launched = mode.supervisor.launch(endpointPort(endpoint) ?? 0);
        this.events.emit({ type: 'started', endpoint, pid: launched.pid });
      } else {
        const endpoint = loopbackEndpoint(mode.port, this.options.connectHost);
        await socket.connect(endpoint);
        this.channel.listen();
        this.events.emit({ type: 'started', endpoint, pid: undefined });
      }
      await this.readiness.waitReady(launched);
    } catch (error) {
      if ((this.state as State) === 'stopping') throw error; // stop() came during start-up and releases everything itself
      if (mode.kind === 'spawn') await mode.supervisor.kill();
      this.state = 'stopped';
      await this.channel.close();
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
      timeoutMs =
        validateTimeoutMs('timeoutMs', callOptions?.timeoutMs ?? callOptions?.timeout) ?? this.options.defaultTimeoutMs;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.calls.send(functionName, args, callOptions, timeoutMs);
  }

  // ---- wiring ----------------------------------------------------------------------------------------

  private createHeartbeatMonitor(): HeartbeatMonitor {
    return new HeartbeatMonitor({
      clock: this.clock,
      intervalMs: this.options.heartbeatIntervalMs,
      timeoutMs: this.options.heartbeatTimeoutMs,
      maxMisses: this.options.heartbeatMaxMisses,
      newId: () => this.channel.newId(),
      send: (id, sentAtEpochMs) => this.sendHeartbeat(id, sentAtEpochMs),
      onRtt: (rttMs) => {
        this.metrics.recordRtt(rttMs);
        this.events.emit({ type: 'heartbeat-rtt', rttMs });
      },
      onMiss: (misses) => {
        this.metrics.heartbeatMisses++;
        this.events.emit({ type: 'heartbeat-missed', misses, maxMisses: this.options.heartbeatMaxMisses });
      },
      onMaxMisses: () => this.calls.recordFailure('heartbeat'),
    });
  }

  private createSupervisor(
    command: { command: string; args: string[] },
    launcher: ProcessLauncher | undefined,
  ): ChildSupervisor {
    return new ChildSupervisor({
      launcher: launcher ?? new NodeProcessLauncher(),
      command,
      env: this.options.env,
      cwd: this.options.cwd,
      clock: this.clock,
      onRawOutput: (stream, line) => this.sink(stream, line, this.name),
      onUnexpectedExit: (info, launched) => this.onChildExit(info, launched),
      restart: {
        policy: this.restarts,
        readiness: this.readiness,
        events: this.events,
        workerName: this.name,
        isRunning: () => this.state === 'running',
        onRelaunched: () => this.metrics.restarts++,
        onRestarted: () => this.heartbeat.start(),
        onGaveUp: (error) => this.fail(error),
      },
    });
  }

  // ---- behaviour that needs the worker's state ------------------------------------------------------

  private async shutdown(): Promise<void> {
    const previous = this.state;
    this.state = 'stopping';
    if (this.mode?.kind === 'spawn') this.mode.supervisor.cancelRestart();
    this.readiness.abort();
    this.heartbeat.stop();
    this.calls.rejectAll((call) => `worker stopped while ${call.functionName} was pending`);
    if (previous !== 'new' && this.mode?.kind === 'spawn') {
      await this.mode.supervisor.stopChild(
        () => this.channel.sendShutdown(),
        this.options.stopGraceMs,
        this.options.stopTermMs,
      );
    }
    await this.channel.close();
    this.state = 'stopped';
    this.events.emit({ type: 'stopped' });
    this.events.clear();
  }

  private handleMessage(message: Message): void {
    switch (message.type) {
      case 'response':
        return this.calls.settleResponse(message);
      case 'error':
        return this.calls.settleError(message);
      case 'heartbeat':
        if (!this.readiness.handleEcho(message.id)) this.heartbeat.handleEcho(message.id);
        return;
      case 'stdout':
      case 'stderr':
        if (typeof message.output === 'string') this.sink(message.type, message.output, this.name);
        return;
      default:
        return; // CALL and SHUTDOWN are not for a parent; unknown types are ignored (MF-MSG-5).
    }
  }

  private onChildExit(info: ExitInfo, launched: LaunchedProcess): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.events.emit({ type: 'child-exited', code: info.code, signal: info.signal, expected: false });
    this.heartbeat.stop();
    const how = `exited (code ${info.code ?? 'none'}, signal ${info.signal ?? 'none'})`;
    this.calls.rejectAll((call) => `child ${how} while ${call.functionName} was pending`);
    if (this.state === 'starting') return; // start() reports it as a SpawnError.
    this.calls.recordFailure('child-exit');
    if (this.options.autoRestart && this.mode?.kind === 'spawn') this.mode.supervisor.scheduleRestart(launched);
    else this.fail(new WorkerStoppedError(`child ${how}; autoRestart is off`, false));
  }

  private fail(error: MultifrostError): void {
    this.state = 'failed';
    this.failure = error;
    this.calls.rejectAll((call) => `${error.message} (${call.functionName})`);
  }

  private notRunningError(): MultifrostError {
    if (this.state === 'failed' && this.failure !== undefined)
      return new WorkerStoppedError(this.failure.message, false);
    return new WorkerStoppedError(`worker ${this.name} is ${this.state === 'new' ? 'not started' : this.state}`, false);
  }

  private sendHeartbeat(id: string, sentAtEpochMs: number, profile?: Profile): void {
    this.metrics.heartbeatsSent++;
    this.channel.sendHeartbeat(id, sentAtEpochMs, profile);
  }
}

async function defaultDiscovery(): Promise<ServiceDiscovery> {
  const { fileServiceDiscovery } = await import('../shared/registry-adapter.js');
  return fileServiceDiscovery();
}
