/**
 * The process boundary of the parent: launching a child, learning of its exit at once, reading the tail of
 * its stderr, and signalling its whole process group. The real launcher uses `child_process.spawn` without a
 * shell; the simulator ships its own launcher (`src/worker/sim/`).
 */

export type OutputStream = 'stdout' | 'stderr';

export interface LaunchSpec {
  command: string;
  args: readonly string[];
  /** The complete environment of the child. */
  env: Readonly<Record<string, string>>;
  cwd?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface LaunchedProcess {
  readonly pid: number | undefined;
  /** Resolves once, when the process has exited and its process group is empty (bounded; never rejects). */
  readonly exit: Promise<ExitInfo>;
  /** The exit, once it happened. */
  readonly exited: ExitInfo | undefined;
  /** The last lines the process wrote to its own stderr (bounded). */
  stderrTail(): string;
  /** Signals the process and everything in its process group (a `tsx` or shell wrapper leaves no orphan). */
  kill(signal: 'SIGTERM' | 'SIGKILL'): void;
}

export interface ProcessLauncher {
  /** True when the child's stdin is a pipe whose end means the parent is gone (see ENV_PARENT_PIPE). */
  readonly providesStdinPipe?: boolean;
  /**
   * Starts a process. Raw output that the child writes to its own stdout/stderr (not forwarded as messages,
   * e.g. a `FATAL:` line before it connects) is passed to `onRawOutput` line by line.
   */
  launch(spec: LaunchSpec, onRawOutput: (stream: OutputStream, line: string) => void): LaunchedProcess;
}

/** Keeps the last `limitBytes` of a text stream. */
export class TailBuffer {
  private text = '';

  constructor(private readonly limitBytes = 8192) {}

  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limitBytes) this.text = this.text.slice(this.text.length - this.limitBytes);
  }

  toString(): string {
    return this.text;
  }
}
