/**
 * Owns the child process of a spawn-mode parent: launching it with the spawn-mode environment, reporting its
 * exit at once, and the stop sequence SHUTDOWN, grace, SIGTERM, SIGKILL on its whole process group.
 * @see MF-LIFE-1, MF-LIFE-4, MF-LIFE-8
 */
import type { Clock } from '../../time/clock.js';
import { ENV_PARENT_PIPE } from '../child/child-host.js';
import { ENV_PORT, ENV_WORKER_MODE } from '../child/child-worker.js';
import type { ResolvedCommand } from './command.js';
import type { ExitInfo, LaunchedProcess, OutputStream, ProcessLauncher } from '../shared/process-launcher.js';

export interface ChildSupervisorOptions {
  launcher: ProcessLauncher;
  command: ResolvedCommand;
  env: Readonly<Record<string, string>>;
  cwd: string | undefined;
  clock: Clock;
  onRawOutput: (stream: OutputStream, line: string) => void;
  /** Called once per launched process when it exits, unless the exit was caused by `stopChild`. */
  onUnexpectedExit: (info: ExitInfo, process: LaunchedProcess) => void;
}

export class ChildSupervisor {
  private process: LaunchedProcess | undefined;
  private stopping = false;

  constructor(private readonly options: ChildSupervisorOptions) {}

  get current(): LaunchedProcess | undefined {
    return this.process;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Launches the child, telling it the port through `COMLINK_ZMQ_PORT`. */
  launch(port: number): LaunchedProcess {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
    Object.assign(env, this.options.env, { [ENV_PORT]: String(port), [ENV_WORKER_MODE]: '1' });
    if (this.options.launcher.providesStdinPipe === true) env[ENV_PARENT_PIPE] = 'stdin';
    const launched = this.options.launcher.launch(
      { command: this.options.command.command, args: this.options.command.args, env, ...(this.options.cwd === undefined ? {} : { cwd: this.options.cwd }) },
      this.options.onRawOutput,
    );
    this.process = launched;
    void launched.exit.then((info) => {
      if (!this.stopping && this.process === launched) this.options.onUnexpectedExit(info, launched);
    });
    return launched;
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

  /** Kills the current child's process group at once (used when start-up fails). */
  async kill(): Promise<void> {
    this.stopping = true;
    const child = this.process;
    if (child === undefined || child.exited !== undefined) return;
    child.kill('SIGKILL');
    await child.exit;
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
