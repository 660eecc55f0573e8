/**
 * The catalogue's World: one per scenario. It owns the run's clock (a VirtualClock with autoAdvance on the
 * simulator, the real clock on ZeroMQ), the transports, every process and socket a step opens (released in
 * the After hook even when the scenario fails) and the scenario's wire trace.
 *
 * Three ways to set a scenario up, one per role:
 * - {@link startChild} (`@child`): the kit plays the parent with raw frames ({@link RawParent}) against the
 *   target worker. Uses only the wire and the conformance service, so it runs against foreign workers.
 * - {@link startParent} (`@parent`): the kit plays the child ({@link KitChildLauncher}) for the TypeScript
 *   ParentWorker under test.
 * - {@link startInternal} (`@internal`): the TypeScript ParentWorker and reference worker on the simulator.
 */
import { World, type IWorldOptions } from '@cucumber/cucumber';
import { referenceProgram } from '../../src/conform/reference-worker.js';
import { createSimNetwork, type SimNetwork } from '../../src/sim.js';
import type { Clock } from '../../src/time/clock.js';
import { realClock } from '../../src/time/real-clock.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import type { Transport } from '../../src/transport/transport.js';
import { endpointPort, loopbackEndpoint } from '../../src/transport/transport.js';
import { ENV_PARENT_PIPE } from '../../src/worker/child/child-host.js';
import { ENV_PORT, ENV_WORKER_MODE } from '../../src/worker/child/child-worker.js';
import type { WorkerEvent } from '../../src/worker/parent/events.js';
import { NodeProcessLauncher } from '../../src/worker/parent/node-launcher.js';
import type { ParentWorkerOptions } from '../../src/worker/parent/parent-options.js';
import { secureAsClientOf } from '../../src/worker/shared/curve-keys.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import type { LaunchedProcess, OutputStream, ProcessLauncher } from '../../src/worker/shared/process-launcher.js';
import { SimLauncher, type SimProgram } from '../../src/worker/sim/sim-launcher.js';
import { KitChildLauncher } from './kit-child.js';
import { referenceArgv } from './reference-command.js';
import { simPrograms } from './sim-programs.js';
import { RawParent } from './raw-parent.js';
import { WorkerConnection, workerPool } from './worker-connection.js';
import { WireTrace, simTraceEntry } from './wire-trace.js';
import { resolveWorldParameters, type WorldParameters } from './world-parameters.js';

/** The conformance service as the TypeScript parent sees it (spec section 13). */
export type ServiceApi = Record<string, (...args: unknown[]) => unknown>;

/** A target child started by the kit for a @child scenario. */
export interface ChildSession {
  raw: RawParent;
  /** The process, when the kit started it (undefined for a `service` target). */
  process: LaunchedProcess | undefined;
  /** Lines the child wrote to its own stdout/stderr (not forwarded as messages). */
  rawOutput: Array<{ stream: OutputStream; line: string }>;
}

/** The TypeScript ParentWorker under test, with what it reported. */
export interface ParentSession {
  worker: ParentWorker<ServiceApi>;
  events: WorkerEvent[];
  /** When each event was reported, on the run's clock (same index as `events`). */
  eventTimes: number[];
  output: Array<{ stream: OutputStream; text: string; name: string }>;
  /** The scripted child (@parent) or undefined (@internal, where the reference worker is the child). */
  kit: KitChildLauncher | undefined;
  /** The simulated launcher (@internal). */
  sim: SimLauncher | undefined;
}

/**
 * A process the scenario started (the worker, a parent driver, ...), read by the After hook so every
 * failure report shows how it ended and what it wrote to stderr.
 */
export interface TrackedProcess {
  role: string;
  argv: string[];
  pid: number | undefined;
  /** Exit status once it ended (code null when a signal ended it), else undefined. */
  exit(): { code: number | null; signal: string | null } | undefined;
  stderr(): readonly string[];
  stdout(): readonly string[];
}

/** Numbers scenarios in this process, so message ids stay unique on a shared worker. */
let scenarioCounter = 0;

/** How the kit starts the worker under test: extra environment, a simulated program, CURVE for the kit's DEALER. */
export interface StartChildOptions {
  env?: Record<string, string>;
  program?: string;
  curveServerPublicKey?: string;
}

export class ConformanceWorld extends World<WorldParameters> {
  readonly params: ReturnType<typeof resolveWorldParameters>;
  readonly clock: Clock;
  /** The virtual clock on the simulator, undefined on ZeroMQ. */
  readonly virtual: VirtualClock | undefined;
  readonly trace: WireTrace;
  child: ChildSession | undefined;
  parent: ParentSession | undefined;
  /** The scenario's tags (set by the Before hook). */
  tags: string[] = [];
  /** Set by the After hook when the scenario did not pass (its shared worker is then discarded). */
  failed = false;
  /** Free-form results steps pass to later steps of the same scenario. */
  readonly saved = new Map<string, unknown>();
  /** Processes the scenario started, for the failure report ({@link track}). */
  readonly processes: TrackedProcess[] = [];
  private network: SimNetwork | undefined;
  private zmq: Transport | undefined;
  private readonly cleanups: Array<() => unknown> = [];

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options);
    this.params = resolveWorldParameters(options.parameters);
    if (this.params.transport === 'memory') {
      this.virtual = new VirtualClock();
      const stop = this.virtual.autoAdvance();
      this.cleanups.push(stop);
      this.clock = this.virtual;
    } else {
      this.virtual = undefined;
      this.clock = realClock;
    }
    this.trace = new WireTrace(this.clock);
  }

  get timeoutMs(): number {
    return this.params.stepTimeoutMs;
  }

  /** The first clause the scenario is tagged with: what a generic step's failure is about. */
  get clause(): string {
    return this.tags.find((tag) => tag.startsWith('@MF-'))?.slice(1) ?? 'MF-SVC-1';
  }

  /** `preferred` when the scenario is tagged with it, else the scenario's first clause. */
  clauseOr(preferred: string): string {
    return this.tags.includes(`@${preferred}`) ? preferred : this.clause;
  }

  /** Logs why the scenario cannot run here and returns cucumber's `'skipped'`. */
  skip(reason: string): 'skipped' {
    this.log(`skipped: ${reason}`);
    this.trace.note(`skipped: ${reason}`);
    return 'skipped';
  }

  /** Records a process the scenario started, so its exit status and stderr reach the report. */
  track(process: TrackedProcess): void {
    this.processes.push(process);
  }

  /** Registers a release action, run in reverse order by the After hook. */
  defer(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** Runs every release action (After hook); errors are logged, never thrown, so all of them run. */
  async release(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        this.log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /** A transport of the run: a process of the simulated network, or real ZeroMQ. */
  async transport(name: string): Promise<Transport> {
    if (this.params.transport === 'memory') return this.simNetwork().transport(name);
    if (this.zmq === undefined) {
      const { ZmqTransport } = await import('../../src/transport/zmq/index.js');
      this.zmq = new ZmqTransport();
    }
    return this.zmq;
  }

  /**
   * @child: binds the kit's DEALER on 127.0.0.1:0 and starts the target in spawn mode (or connects to the
   * service). `env` is added to the child's environment (a step may override COMLINK_ZMQ_PORT); `program`
   * names a simulated program other than the reference worker (simulator only); `curveServerPublicKey` makes the
   * kit's DEALER a CURVE client of that key (real ZeroMQ only, MF-SEC-5).
   */
  async startChild(options: StartChildOptions = {}): Promise<ChildSession> {
    const target = this.params.target;
    // Only a real worker the kit starts with the standard environment may serve several scenarios.
    const shareable =
      this.params.transport === 'zmq' &&
      target.kind !== 'service' &&
      options.env === undefined &&
      options.program === undefined &&
      options.curveServerPublicKey === undefined &&
      !this.tags.includes('@fresh-worker');
    const key = JSON.stringify([this.targetArgv(undefined)]);
    let connection = shareable ? workerPool.take(key) : undefined;
    if (connection !== undefined) {
      this.trace.note(`reusing ${connection.description}`);
    } else {
      connection = await this.connectWorker(options);
      if (shareable) workerPool.put(key, connection);
    }
    const used = connection;
    const raw = new RawParent(
      used,
      this.clock,
      this.trace,
      this.params.profile,
      this.timeoutMs,
      `kit${++scenarioCounter}`,
      this.params.methodNames,
    );
    this.defer(async () => {
      raw.detach();
      // A shared worker serves the next scenario only if this one passed and left it running.
      if (!shareable || this.failed || !used.usable) await workerPool.discard(used);
    });
    this.child = { raw, process: used.process, rawOutput: used.rawOutput };
    return this.child;
  }

  /** Binds the kit's DEALER and starts the worker (or connects to the service). */
  private async connectWorker(options: StartChildOptions): Promise<WorkerConnection> {
    const socket = (await this.transport('kit')).dealer();
    const serverPublicKey = options.curveServerPublicKey;
    if (serverPublicKey !== undefined) secureAsClientOf(socket, serverPublicKey);
    const target = this.params.target;
    try {
      if (target.kind === 'service') {
        const { fileServiceDiscovery } = await import('../../src/worker/shared/registry-adapter.js');
        const { port, curvePublicKey } = await (
          await fileServiceDiscovery()
        ).discover(target.serviceId, this.timeoutMs);
        // A service that publishes a key answers CURVE clients only (MF-SEC-7).
        const curve = serverPublicKey === undefined && curvePublicKey !== undefined;
        if (curve) secureAsClientOf(socket, curvePublicKey);
        await socket.connect(loopbackEndpoint(port));
        this.trace.note(
          `connected to service '${target.serviceId}' on port ${port}${curve ? ', as a CURVE client of its published key' : ''}`,
        );
        return new WorkerConnection(socket, undefined, `service '${target.serviceId}' on port ${port}`);
      }
      const endpoint = await socket.bind(loopbackEndpoint(0));
      const port = endpointPort(endpoint);
      const launcher = this.childLauncher();
      const argv = this.targetArgv(options.program);
      const env: Record<string, string> = {};
      if (this.params.transport === 'zmq')
        for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
      env[ENV_PORT] = String(port);
      env[ENV_WORKER_MODE] = '1';
      if (launcher.providesStdinPipe === true) env[ENV_PARENT_PIPE] = 'stdin';
      Object.assign(env, options.env);
      const [command, ...args] = argv;
      const rawOutput: WorkerConnection['rawOutput'] = [];
      const launched = launcher.launch(
        { command: command!, args, env },
        (stream, line) => void rawOutput.push({ stream, line }),
      );
      const description = `${argv.join(' ')} (pid ${launched.pid ?? '?'}) with ${ENV_PORT}=${env[ENV_PORT]}, kit DEALER on ${endpoint}`;
      this.trace.note(`started ${description}`);
      const connection = new WorkerConnection(socket, launched, description, rawOutput, argv);
      // Its exit status and stderr reach the report of this scenario (and of any scenario reusing it: hooks.ts).
      if (connection.tracked !== undefined) this.track(connection.tracked);
      return connection;
    } catch (error) {
      await socket.close();
      throw error;
    }
  }

  /**
   * @parent: the TypeScript ParentWorker under test, spawning the kit's scripted child. Heartbeats are off
   * unless `options` turns them on, so traces show only what the scenario is about.
   */
  async startParent(
    options: ParentWorkerOptions = {},
    start = true,
    defaultHeartbeats = false,
  ): Promise<ParentSession> {
    const kit = new KitChildLauncher(await this.transport('kit-child'), this.clock, this.trace);
    this.defer(() => kit.closeAll());
    const quiet: ParentWorkerOptions = defaultHeartbeats ? {} : { heartbeatIntervalMs: 0 };
    return this.openParent(
      ['kit-child'],
      { ...quiet, ...options, launcher: kit, transport: await this.transport('parent') },
      kit,
      undefined,
      start,
    );
  }

  /** @internal: the TypeScript ParentWorker spawning the reference worker (or `program`) on the simulator. */
  async startInternal(options: ParentWorkerOptions = {}, program = 'reference', start = true): Promise<ParentSession> {
    this.simNetwork(true);
    const sim = new SimLauncher({
      transportFor: (name) => this.simNetwork().transport(name),
      clock: this.clock,
      programs: this.programs(),
    });
    this.defer(() => {
      for (const live of sim.liveProcesses) live.kill('SIGKILL');
    });
    return this.openParent(
      [program],
      { heartbeatIntervalMs: 0, ...options, launcher: sim, transport: this.simNetwork().transport('parent') },
      undefined,
      sim,
      start,
    );
  }

  /** True on the simulator; else logs why the step cannot run and the caller returns 'skipped'. */
  needsSimulator(): boolean {
    return this.params.transport === 'memory';
  }

  private async openParent(
    argv: string[],
    options: ParentWorkerOptions,
    kit: KitChildLauncher | undefined,
    sim: SimLauncher | undefined,
    start: boolean,
  ): Promise<ParentSession> {
    const output: ParentSession['output'] = [];
    const worker = ParentWorker.spawnCommand<ServiceApi>(argv, {
      profile: this.params.profile,
      clock: this.clock,
      idPrefix: 'parent',
      outputSink: (stream, text, name) => void output.push({ stream, text, name }),
      ...options,
    });
    const events: WorkerEvent[] = [];
    const eventTimes: number[] = [];
    worker.on((event) => {
      events.push(event);
      eventTimes.push(this.clock.nowMs());
      this.trace.note(
        `parent event ${JSON.stringify(event, (_k, v: unknown) => (v instanceof Error ? v.message : v))}`,
      );
    });
    this.defer(() => worker.stop());
    this.parent = { worker, events, eventTimes, output, kit, sim };
    if (start) await worker.start();
    return this.parent;
  }

  /**
   * The simulated network, created on first use. `traced`: its own trace (every send, decoded) goes into the
   * scenario's wire trace: for @internal scenarios, where no kit socket sees the traffic.
   */
  private simNetwork(traced = false): SimNetwork {
    if (this.params.transport !== 'memory' || this.virtual === undefined)
      throw new Error('the simulated network exists only on the memory transport');
    this.network ??= createSimNetwork({
      clock: this.virtual,
      seed: 1,
      trace: traced ? (line) => simTraceEntry(this.trace, line, this.trace.startedMs) : false,
    });
    return this.network;
  }

  private programs(): Record<string, SimProgram> {
    return { reference: referenceProgram, ...simPrograms };
  }

  private childLauncher(): ProcessLauncher {
    if (this.params.transport === 'memory') {
      return new SimLauncher({
        transportFor: (name) => this.simNetwork().transport(name),
        clock: this.clock,
        programs: this.programs(),
      });
    }
    return new NodeProcessLauncher();
  }

  private targetArgv(program: string | undefined): string[] {
    const target = this.params.target;
    if (this.params.transport === 'memory') return [program ?? 'reference'];
    if (program !== undefined) throw new Error(`program '${program}' exists only on the simulator`);
    if (target.kind === 'command') return [...target.argv];
    return referenceArgv();
  }
}
