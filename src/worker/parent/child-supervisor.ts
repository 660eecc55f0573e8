/**
 * Owns the child process of a spawn-mode parent: launching it with the spawn-mode environment, reporting its
 * exit at once, restarting it with backoff after an unexpected exit, and the stop sequence SHUTDOWN, grace,
 * SIGTERM, SIGKILL on its whole process group.
 * @see MF-LIFE-1, MF-LIFE-4, MF-LIFE-8, MF-LIFE-9
 */
import { SpawnError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import { ENV_PARENT_PIPE, ENV_PORT, ENV_WORKER_MODE } from '../shared/environment.js';
import type { ExitInfo, LaunchedProcess, OutputStream, ProcessLauncher } from '../shared/process-launcher.js';
import type { ResolvedCommand } from './command.js';
import type { WorkerEvents } from './events.js';
import type { ReadinessProbe } from './readiness-probe.js';
import type { RestartPolicy } from './restart-policy.js';

/** What a restart needs from the worker that owns the supervisor. */
export interface RestartHooks {
  policy: RestartPolicy;
  readiness: ReadinessProbe;
  events: WorkerEvents;
  /** The worker's name, for the give-up error. */
  workerName: string;
  /** A restart goes ahead only while the worker runs (not failed, not stopping). */
  isRunning: () => boolean;
  /** A new child was launched (counted in the metrics). */
  onRelaunched: () => void;
  /** The new child answered: heartbeats resume. */
  onRestarted: () => void;
  /** The restart budget is spent: the worker fails with `error`. */
  onGaveUp: (error: SpawnError) => void;
}

export interface ChildSupervisorOptions {
  launcher: ProcessLauncher;
  command: ResolvedCommand;
  env: Readonly<Record<string, string>>;
  cwd: string | undefined;
  clock: Clock;
  onRawOutput: (stream: OutputStream, line: string) => void;
  /** Called once per launched process when it exits, unless the exit was caused by `stopChild`. */
  onUnexpectedExit: (info: ExitInfo, process: LaunchedProcess) => void;
  restart: RestartHooks;
}

export class ChildSupervisor {
  private process: LaunchedProcess | undefined;
  private stopping = false;
  /** The parent's port, told to every relaunched child. */
  private port = 0;
  private restartTimer: { cancel(): void } | undefined;

  constructor(private readonly options: ChildSupervisorOptions) {}

  get current(): LaunchedProcess | undefined {
    return this.process;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Launches the child, telling it the port through `COMLINK_ZMQ_PORT`. */
  launch(port: number): LaunchedProcess {
    this.port = port;
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
    Object.assign(env, this.options.env, { [ENV_PORT]: String(port), [ENV_WORKER_MODE]: '1' });
    if (this.options.launcher.providesStdinPipe === true) env[ENV_PARENT_PIPE] = 'stdin';
    const launched = this.options.launcher.launch(
      {
        command: this.options.command.command,
        args: this.options.command.args,
        env,
        ...(this.options.cwd === undefined ? {} : { cwd: this.options.cwd }),
      },
      this.options.onRawOutput,
    );
    this.process = launched;
    void launched.exit.then((info) => {
      if (!this.stopping && this.process === launched) this.options.onUnexpectedExit(info, launched);
    });
    return launched;
  }

  /**
   * Relaunches after `previous` exited, after the policy's backoff; emits `restarting`, then `restarted`
   * once the new child answers, or `restart-gave-up` when the budget is spent.
   */
  scheduleRestart(previous: LaunchedProcess): void {
    const hooks = this.options.restart;
    const next = hooks.policy.next();
    if (next === undefined) {
      const attempts = hooks.policy.maxAttempts;
      const error = new SpawnError(
        `worker ${hooks.workerName} gave up after ${attempts} restart attempts`,
        previous.exited?.code ?? null,
        previous.exited?.signal ?? null,
        previous.stderrTail(),
      );
      hooks.events.emit({ type: 'restart-gave-up', attempts, error });
      hooks.onGaveUp(error);
      return;
    }
    hooks.events.emit({ type: 'restarting', attempt: next.attempt, delayMs: next.delayMs });
    this.restartTimer = this.options.clock.setTimer(next.delayMs, () => {
      this.restartTimer = undefined;
      void this.restart(next.attempt);
    });
  }

  /** Cancels a restart that is waiting out its backoff. */
  cancelRestart(): void {
    this.restartTimer?.cancel();
    this.restartTimer = undefined;
  }

  /**
   * Stops the child: `sendShutdown()`, wait `graceMs`, SIGTERM, wait `termMs`, SIGKILL. Resolves with the exit
   * (undefined when there was no child). Never hangs: after SIGKILL it waits for the exit event only.
   */
  async stopChild(sendShutdown: () => void, graceMs: number, termMs: number): Promise<ExitInfo | undefined> {
    this.stopping = true;
    const child = this.process;
    if (child === undefined) return undefined;
    if (child.exited !== undefined) return child.exited;
    sendShutdown();
    if (await this.exitWithin(child, graceMs)) return child.exited;
    child.kill('SIGTERM');
    if (await this.exitWithin(child, termMs)) return child.exited;
    child.kill('SIGKILL');
    return child.exit;
  }

  /**
   * Manual restart: stops the current child as `stopChild` does, launches a new one and resolves once it
   * answered its readiness probe. @throws SpawnError when the new child exits or stays silent.
   */
  async replace(sendShutdown: () => void, graceMs: number, termMs: number): Promise<LaunchedProcess> {
    this.cancelRestart();
    await this.stopChild(sendShutdown, graceMs, termMs);
    this.stopping = false;
    const hooks = this.options.restart;
    const launched = this.launch(this.port);
    hooks.onRelaunched();
    await hooks.readiness.waitReady(launched);
    hooks.policy.reset();
    return launched;
  }

  /** SIGKILLs a child that is alive but not answering; its exit then takes the unexpected-exit path. */
  killHung(): boolean {
    const child = this.process;
    if (child === undefined || child.exited !== undefined) return false;
    child.kill('SIGKILL');
    return true;
  }

  /** Kills the current child's process group at once (used when start-up fails). */
  async kill(): Promise<void> {
    this.stopping = true;
    const child = this.process;
    if (child === undefined || child.exited !== undefined) return;
    child.kill('SIGKILL');
    await child.exit;
  }

  private async restart(attempt: number): Promise<void> {
    const hooks = this.options.restart;
    if (!hooks.isRunning()) return;
    const launched = this.launch(this.port);
    hooks.onRelaunched();
    try {
      await hooks.readiness.waitReady(launched);
    } catch {
      // An exit reaches onUnexpectedExit (which schedules the next attempt); a silent child is killed so it does.
      if (launched.exited === undefined && hooks.isRunning()) launched.kill('SIGKILL');
      return;
    }
    if (!hooks.isRunning()) return;
    hooks.policy.reset();
    hooks.events.emit({ type: 'restarted', attempt, pid: launched.pid });
    hooks.onRestarted();
  }

  private async exitWithin(child: LaunchedProcess, timeoutMs: number): Promise<boolean> {
    if (child.exited !== undefined) return true;
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = this.options.clock.setTimer(timeoutMs, () => resolve(false));
    });
    const exited = await Promise.race([child.exit.then(() => true as const), timedOut]);
    timer?.cancel();
    return exited;
  }
}
