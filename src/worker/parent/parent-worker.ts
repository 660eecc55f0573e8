/**
 * ParentWorker: calls methods on a child worker, in spawn mode (it launches the child) or connect mode (it
 * finds a running service in the registry). This class is the public face; the parts are built in
 * parent-parts.ts and the lifecycle (start, stop, restart, exits, hung child) lives in parent-lifecycle.ts.
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
import { InvalidArgumentError, TooManyCallsError } from '../../errors.js';
import type { ProfileName } from '../../protocol/profile.js';
import { realClock } from '../../time/real-clock.js';
import type { ProcessLauncher } from '../shared/process-launcher.js';
import type { ServiceDiscovery } from '../shared/service-registration.js';
import { type CallOptions, type CallProxy, type UntypedApi, createCallProxy } from './call-proxy.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { resolveWorkerCommand } from './command.js';
import type { WorkerEventListener } from './events.js';
import { type MetricsSnapshot, type SeedMetrics, seedMetrics } from './metrics.js';
import { metricsText } from './metrics-text.js';
import { ParentLifecycle } from './parent-lifecycle.js';
import { attachWorkerLogging } from './parent-logging.js';
import {
  type OutputSink,
  type ParentWorkerOptions,
  type ResolvedParentOptions,
  resolveParentOptions,
  validateTimeoutMs,
} from './parent-options.js';
import { type ParentParts, createParts, createSupervisor } from './parent-parts.js';

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
  readonly #options: ResolvedParentOptions;
  readonly #life: ParentLifecycle;
  readonly #parts: ParentParts;

  private constructor(name: string, given: ParentWorkerOptions) {
    this.name = given.name ?? name;
    const options = resolveParentOptions(given);
    this.#options = Object.freeze(options);
    const clock = given.clock ?? realClock;
    const life = new ParentLifecycle({
      name: this.name,
      options,
      clock,
      transport: given.transport,
      sink: given.outputSink ?? defaultSink,
    });
    this.#life = life;
    this.#parts = life.parts = createParts(this.name, given, options, clock, {
      isRunning: life.isRunning,
      onMessage: (message) => life.handleMessage(message),
      onMaxMisses: (misses) => life.onMaxMisses(misses),
    });
    attachWorkerLogging(this.#parts.events, given.logger, clock, this.name, given.dropLogLimit);
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
    return new ParentWorker<Api>(scriptPath, options).#spawnMode(command, options.launcher);
  }

  /** A spawn-mode worker for an explicit command line (`argv[0]` is the program). */
  static spawnCommand<Api extends object = UntypedApi>(
    argv: readonly string[],
    options: ParentWorkerOptions = {},
  ): ParentWorker<Api> {
    const [command, ...args] = argv;
    if (command === undefined) throw new InvalidArgumentError('argv', 'empty command');
    const worker = new ParentWorker<Api>(command, options);
    return worker.#spawnMode({ command, args: [...args, ...(options.args ?? [])] }, options.launcher);
  }

  /**
   * A worker for a running connect-mode service: discovers its port (polling, default 5 s). The design's
   * `connect(id, timeoutMs)` form works too (a number second argument is `discoverTimeoutMs`). @see MF-LIFE-12
   */
  static async connect<Api extends object = UntypedApi>(
    serviceId: string,
    options: ParentWorkerOptions | number = {},
  ): Promise<ParentWorker<Api>> {
    const given = typeof options === 'number' ? { discoverTimeoutMs: options } : options;
    const worker = new ParentWorker<Api>(serviceId, given);
    const discovery = given.discovery ?? (await defaultDiscovery());
    const found = await discovery.discover(serviceId, worker.#options.discoverTimeoutMs);
    const curve = found.curvePublicKey === undefined ? {} : { curvePublicKey: found.curvePublicKey };
    worker.#life.mode = { kind: 'connect', serviceId, port: found.port, ...curve };
    return worker;
  }

  /** A worker for a service listening at a known port (connect mode without the registry). */
  static connectToPort<Api extends object = UntypedApi>(
    port: number,
    options: ParentWorkerOptions = {},
  ): ParentWorker<Api> {
    const worker = new ParentWorker<Api>(`port ${port}`, options);
    worker.#life.mode = { kind: 'connect', serviceId: `port ${port}`, port };
    return worker;
  }

  /** The child's process id (spawn mode), once started. */
  get pid(): number | undefined {
    const mode = this.#life.mode;
    return mode?.kind === 'spawn' ? mode.supervisor.pid : undefined;
  }

  /** The profile spoken: the pinned one, or the one the start-up probe chose (undefined until then). @see MF-PROF-7 */
  get profile(): ProfileName | undefined {
    return this.#parts.channel.profile?.name;
  }

  get breakerState(): CircuitBreaker['state'] {
    return this.#parts.breaker.state;
  }

  /** Calls waiting for a reply. */
  get inFlight(): number {
    return this.#parts.calls.size;
  }

  /** The resolved configuration (every duration in ms), read-only. */
  get config(): Readonly<ResolvedParentOptions> {
    return this.#options;
  }

  /** `new`, `starting`, `running`, `failed`, `stopping` or `stopped`. */
  get state(): ParentLifecycle['state'] {
    return this.#life.state;
  }

  /** Adds a lifecycle event listener; returns the function that removes it. */
  on(listener: WorkerEventListener): () => void {
    return this.#parts.events.subscribe(listener);
  }

  handle(): WorkerHandle<Api> {
    return { call: this.call, start: () => this.start(), stop: () => this.stop() };
  }

  /** The design's `worker.withOptions({ timeout, namespace }).method()`: same as `worker.call.withOptions`. */
  withOptions(options: CallOptions): CallProxy<Api> {
    return this.call.withOptions(options);
  }

  metricsSnapshot(): MetricsSnapshot {
    const { state, trips, resets, consecutiveFailures } = this.#parts.breaker;
    return this.#parts.metrics.snapshot(this.inFlight, { state, trips, resets, consecutiveFailures }, this.profile);
  }

  /** The design's `getMetrics()` shape, mapped from {@link metricsSnapshot} (docs/worker.md). */
  getMetrics(): SeedMetrics {
    return seedMetrics(this.metricsSnapshot());
  }

  /** The metrics in the Prometheus text exposition format, labelled `worker="<name>"`. */
  metricsText(prefix?: string): string {
    return metricsText(this.metricsSnapshot(), this.name, prefix);
  }

  /**
   * Opens the socket, launches (spawn) or connects to (connect) the child and resolves once the child has
   * answered a heartbeat: no fixed sleep (MF-LIFE-10, MF-LIFE-11). Without a pinned `profile` that heartbeat
   * is the probe that picks the profile (MF-PROF-6).
   * @throws ProfileProbeError (a SpawnError) when probing and the child answers neither probe; SpawnError when
   *   the child exits or stays silent before it is ready; ConnectionError on socket failure.
   */
  start(): Promise<void> {
    return this.#life.start();
  }

  /**
   * Stops the worker: rejects every pending call exactly once, stops heartbeats and restarts, and in spawn
   * mode sends SHUTDOWN, waits the grace period, then SIGTERM, then SIGKILL (MF-LIFE-4, MF-LIFE-5). Idempotent.
   */
  stop(): Promise<void> {
    return this.#life.stop();
  }

  /**
   * Replaces the child (spawn mode): pending calls rejected, the child stopped as by stop(), a new one
   * launched and awaited, the breaker reset. Also revives a worker whose restart budget was spent.
   * Emits `restarting`/`restarted` with attempt 0. @throws InvalidArgumentError in connect mode.
   */
  restart(): Promise<void> {
    return this.#life.restart();
  }

  /** Closes the circuit breaker by hand: its failures are forgotten and calls go out at once. */
  resetBreaker(): void {
    this.#parts.calls.resetBreaker();
  }

  /**
   * Calls `functionName` with positional `args`. Prefer the `call` proxy. The design's positional form
   * `callFunction(name, args, timeoutMs, namespace, clientName)` works too.
   */
  callFunction(
    functionName: string,
    args: unknown[] = [],
    callOptions?: CallOptions | number,
    namespace?: string,
    clientName?: string,
  ): Promise<unknown> {
    if (this.#life.state !== 'running') return Promise.reject(this.#life.notRunningError());
    let options: CallOptions | undefined;
    let timeoutMs: number | undefined;
    try {
      options = positionalOptions(callOptions, namespace, clientName);
      timeoutMs =
        validateTimeoutMs('timeoutMs', options?.timeoutMs ?? options?.timeout) ?? this.#options.defaultTimeoutMs;
    } catch (error) {
      return Promise.reject(error);
    }
    const cap = this.#options.maxInFlight;
    if (cap !== undefined && this.#parts.calls.size >= cap)
      return Promise.reject(new TooManyCallsError(functionName, cap));
    return this.#parts.calls.send(functionName, args, options, timeoutMs);
  }

  #spawnMode(command: { command: string; args: string[] }, launcher: ProcessLauncher | undefined): this {
    const life = this.#life;
    const supervisor = createSupervisor(this.#parts, this.#options, life.config.clock, command, launcher, {
      workerName: this.name,
      isRunning: life.isRunning,
      onRawOutput: (stream, line) => life.sinkOutput(stream, line),
      onUnexpectedExit: (info, launched) => life.onChildExit(info, launched),
      onGaveUp: (error) => life.fail(error),
    });
    life.mode = { kind: 'spawn', supervisor };
    return this;
  }
}

/** The design's positional call arguments as CallOptions. @throws InvalidArgumentError */
function positionalOptions(
  options: CallOptions | number | undefined,
  namespace: string | undefined,
  clientName: string | undefined,
): CallOptions | undefined {
  if (typeof options !== 'number' && namespace === undefined && clientName === undefined) return options;
  if (options !== undefined && typeof options !== 'number')
    throw new InvalidArgumentError('callFunction', 'give options as one object, or positionally, not both');
  return {
    ...(options === undefined ? {} : { timeoutMs: options }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(clientName === undefined ? {} : { clientName }),
  };
}

async function defaultDiscovery(): Promise<ServiceDiscovery> {
  const { fileServiceDiscovery } = await import('../shared/registry-adapter.js');
  return fileServiceDiscovery();
}
