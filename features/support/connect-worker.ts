/**
 * The target worker started by the kit in connect mode (MF-SVC-2): its own argv, with
 * `MULTIFROST_SERVICE_ID` and `MULTIFROST_HOME` in its environment and without the spawn-mode variables
 * (`COMLINK_ZMQ_PORT`, `COMLINK_WORKER_MODE`). The process is tracked for the report and killed (its whole
 * process group) by the World's release, whatever the outcome. A kit DEALER can connect to the port the
 * worker registered ({@link ConnectWorker.link}).
 * @see MF-SVC-2, MF-LIFE-12
 */
import { randomBytes } from 'node:crypto';
import { loopbackEndpoint } from '../../src/transport/transport.js';
import { ENV_PARENT_PIPE } from '../../src/worker/child/child-host.js';
import { ENV_PORT, ENV_WORKER_MODE } from '../../src/worker/child/child-worker.js';
import { NodeProcessLauncher } from '../../src/worker/parent/node-launcher.js';
import type { ExitInfo, LaunchedProcess } from '../../src/worker/shared/process-launcher.js';
import { secureAsClientOf } from '../../src/worker/shared/curve-keys.js';
import { within } from './expect.js';
import { pollFor } from './connect-probe.js';
import type { RegistryHome } from './connect-home.js';
import { RawParent } from './raw-parent.js';
import { referenceArgv } from './reference-command.js';
import { WorkerConnection } from './worker-connection.js';
import type { ConformanceWorld } from './world.js';

/** Environment variables of connect mode (MF-SVC-2, MF-REG-1). */
export const ENV_SERVICE_ID = 'MULTIFROST_SERVICE_ID';
export const ENV_HOME = 'MULTIFROST_HOME';

/** Numbers ids and DEALER message prefixes in this process. */
let counter = 0;

/** A service id no other run on this host uses. */
export function uniqueServiceId(): string {
  return `mf-conform-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
}

/**
 * argv of the target as the kit starts it, or the reason it cannot: a `service` runs on its own, a parent
 * driver is not a worker, and the simulator has no files or processes.
 */
export function connectArgv(world: ConformanceWorld): string[] | { reason: string } {
  if (world.params.transport === 'memory') {
    return { reason: 'connect mode needs real processes, files and ZeroMQ: run on the zmq transport (the CLI does)' };
  }
  const target = world.params.target;
  if (target.kind === 'command') return [...target.argv];
  if (target.kind === 'reference') return referenceArgv();
  if (target.kind === 'service') {
    return {
      reason: `the kit did not start service '${target.serviceId}': it cannot give it a fresh MULTIFROST_HOME, a lock, a prepared registry or a signal (only the read-only checks of its entry run)`,
    };
  }
  return { reason: 'a parent driver is not a worker: connect-mode checks need a child target' };
}

export class ConnectWorker {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly process: LaunchedProcess;
  /** When it was started, on the run's clock. */
  readonly startedMs: number;

  private constructor(
    private readonly world: ConformanceWorld,
    readonly home: RegistryHome,
    readonly serviceId: string,
    readonly argv: readonly string[],
    extraEnv: Readonly<Record<string, string>>,
  ) {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
    for (const name of [ENV_PORT, ENV_WORKER_MODE, ENV_PARENT_PIPE]) delete env[name];
    Object.assign(env, extraEnv);
    env[ENV_SERVICE_ID] = serviceId;
    env[ENV_HOME] = home.baseDir;
    const [command, ...args] = argv;
    this.startedMs = world.clock.nowMs();
    this.process = new NodeProcessLauncher().launch({ command: command!, args, env }, (stream, line) => {
      (stream === 'stderr' ? this.stderr : this.stdout).push(line);
    });
  }

  /**
   * Starts the target in connect mode, with `env` added to its environment (`MULTIFROST_CURVE=1`, MF-SEC-7);
   * released (SIGKILL to its group, then reaped) after the scenario.
   */
  static start(
    world: ConformanceWorld,
    home: RegistryHome,
    serviceId: string,
    argv: readonly string[],
    role = 'worker',
    env: Readonly<Record<string, string>> = {},
  ): ConnectWorker {
    const worker = new ConnectWorker(world, home, serviceId, argv, env);
    const launched = worker.process;
    world.trace.note(
      `started ${argv.join(' ')} (pid ${launched.pid ?? '?'}) in connect mode with ${ENV_SERVICE_ID}=${serviceId} ${ENV_HOME}=${home.baseDir}`,
    );
    void launched.exit.then((info) =>
      world.trace.note(`${role} ${serviceId} exited (code ${info.code ?? 'none'}, signal ${info.signal ?? 'none'})`),
    );
    world.track({
      role,
      argv: [...argv],
      pid: launched.pid,
      exit: () =>
        launched.exited === undefined ? undefined : { code: launched.exited.code, signal: launched.exited.signal },
      stderr: () => worker.stderr,
      stdout: () => worker.stdout,
    });
    world.defer(async () => {
      if (launched.exited !== undefined) return;
      launched.kill('SIGKILL');
      await within(world.clock, 10_000, launched.exit);
    });
    return worker;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get exited(): ExitInfo | undefined {
    return this.process.exited;
  }

  /** How it ended, for failure messages. */
  describeExit(): string {
    const info = this.exited;
    if (info === undefined) return 'still running';
    return `exited with status ${String(info.code)}${info.signal === null ? '' : ` (signal ${info.signal})`}`;
  }

  /** The last lines of its stderr, for failure details. */
  stderrTail(lines = 5): string {
    return `stderr: ${JSON.stringify(this.stderr.slice(-lines))}`;
  }

  /**
   * Waits up to `boundMs` for its entry to be in a usable `services.json` and to satisfy `accept`; gives up
   * early when the process exits. Reads that find a file half-written or unusable count as "not yet" here
   * (the race scenario is the one that checks atomic writes).
   */
  async registered(boundMs: number, accept: (entry: unknown) => boolean = () => true): Promise<unknown> {
    return pollFor(
      this.world.clock,
      boundMs,
      async () => {
        const entry = await this.home.entry(this.serviceId);
        return entry !== undefined && accept(entry) ? entry : undefined;
      },
      { giveUp: () => this.exited !== undefined },
    );
  }

  /** Sends `signal` to its process group (as a terminal or a supervisor would), or to it alone if that fails. */
  signal(signal: 'SIGTERM' | 'SIGINT'): void {
    const pid = this.pid;
    if (pid === undefined || this.exited !== undefined) return;
    this.world.trace.note(`kit sends ${signal} to ${this.serviceId} (process group ${pid})`);
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // Already gone.
      }
    }
  }

  /** Waits up to `boundMs` for the process to exit. */
  async waitExit(boundMs: number): Promise<ExitInfo | undefined> {
    return within(this.world.clock, boundMs, this.process.exit);
  }
}

/**
 * A kit DEALER connected to `tcp://127.0.0.1:<port>` (the port a worker registered), speaking raw frames
 * in the run's profile; a CURVE client of `curveServerPublicKey` when given (MF-SEC-7). `process` (when the
 * kit started the worker) ends waits at once when it exits. The socket is closed after the scenario; the
 * worker is left to its own release.
 */
export async function connectDealer(
  world: ConformanceWorld,
  port: number,
  process: LaunchedProcess | undefined,
  description: string,
  curveServerPublicKey?: string,
): Promise<RawParent> {
  const socket = (await world.transport('kit')).dealer();
  if (curveServerPublicKey !== undefined) secureAsClientOf(socket, curveServerPublicKey);
  await socket.connect(loopbackEndpoint(port));
  world.trace.note(`kit DEALER connected to ${loopbackEndpoint(port)} (${description})`);
  const connection = new WorkerConnection(socket, process, description);
  const raw = new RawParent(
    connection,
    world.clock,
    world.trace,
    world.params.profile,
    world.timeoutMs,
    `connect${++counter}`,
  );
  world.defer(async () => {
    raw.detach();
    await socket.close();
  });
  return raw;
}
