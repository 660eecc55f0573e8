/**
 * The kit's DEALER and the worker process behind it, which can outlive one scenario. On real ZeroMQ,
 * starting a worker costs far more than a scenario's messages, so @child scenarios that leave the worker as
 * they found it share one connection (see {@link WorkerPool}); scenarios that stop, crash or reconfigure the
 * worker (tag `@fresh-worker`, or an environment of their own) get a dedicated one, and a connection is
 * dropped after any scenario that did not pass or whose worker exited.
 */
import type { Frames, Socket } from '../../src/transport/transport.js';
import { descendants, signalAll } from '../../src/conform/worker-session.js';
import type { LaunchedProcess, OutputStream } from '../../src/worker/shared/process-launcher.js';
import type { TrackedProcess } from './world.js';

/** Lines of the worker's stderr quoted with its exit in a failure (`actual:`), so a panic's cause shows. */
const EXIT_QUOTE_LINES = 3;

export class WorkerConnection {
  /** Every message id sent on this connection, by any scenario (a reply with another id is a stray). */
  readonly sentIds = new Set<string>();
  /**
   * The ids the kit generated (unique, `<scenario prefix>-<n>`), a subset of {@link sentIds}: only a late
   * reply to one of these can be excused as an earlier scenario's. A hand-written id such as "" is not
   * unique, so a reply carrying it is always judged.
   */
  readonly generatedIds = new Set<string>();
  /** Set once the worker exited. */
  exitedWith: string | undefined;
  private listener: ((frames: Frames) => void) | undefined;
  private exitListener: ((description: string) => void) | undefined;
  private readonly loop: Promise<void>;
  private closed = false;
  /** Where the scenario now using the connection starts reading the worker's output (see {@link attach}). */
  private outputFrom = 0;
  private view: TrackedProcess | undefined;
  private attachedBefore = false;

  constructor(
    readonly socket: Socket,
    /** The worker process, or undefined for a service the kit connected to. */
    readonly process: LaunchedProcess | undefined,
    /** Describes the worker for trace notes. */
    readonly description: string,
    /** Lines the worker wrote to its own stdout/stderr (not forwarded as messages), filled by the launcher. */
    readonly rawOutput: Array<{ stream: OutputStream; line: string }> = [],
    /** The worker's argv, for the report's list of processes. */
    readonly argv: readonly string[] = [],
  ) {
    this.loop = this.pump();
    void process?.exit.then((info) => {
      const why = info.error === undefined ? '' : `, could not start: ${info.error.message}`;
      const stderr = this.lines('stderr', 0)
        .filter((line) => line.trim() !== '')
        .slice(-EXIT_QUOTE_LINES);
      this.exitedWith = `exited (code ${info.code ?? 'none'}, signal ${info.signal ?? 'none'}${why})${stderr.length === 0 ? '' : `; its stderr ends: ${stderr.join(' | ')}`}`;
      this.exitListener?.(this.exitedWith);
    });
  }

  /**
   * The worker as a process of the scenario now using the connection (undefined for a service): its exit
   * and the output it wrote since that scenario attached, so a shared worker's earlier output is not
   * repeated in every scenario.
   */
  get tracked(): TrackedProcess | undefined {
    const launched = this.process;
    if (launched === undefined) return undefined;
    this.view ??= {
      role: 'worker',
      argv: [...this.argv],
      pid: launched.pid,
      exit: () =>
        launched.exited === undefined ? undefined : { code: launched.exited.code, signal: launched.exited.signal },
      stderr: () => this.lines('stderr', this.outputFrom),
      stdout: () => this.lines('stdout', this.outputFrom),
    };
    return this.view;
  }

  private lines(stream: OutputStream, from: number): string[] {
    return this.rawOutput
      .slice(from)
      .filter((o) => o.stream === stream)
      .map((o) => o.line);
  }

  /** True while the worker may serve another scenario. */
  get usable(): boolean {
    return !this.closed && this.exitedWith === undefined;
  }

  /** Routes inbound frames and the worker's exit to the scenario now using the connection. */
  attach(onFrames: (frames: Frames) => void, onExit: (description: string) => void): void {
    // A fresh worker's start-up output belongs to its first scenario; a reused one's to the earlier ones.
    if (this.attachedBefore) this.outputFrom = this.rawOutput.length;
    this.attachedBefore = true;
    this.listener = onFrames;
    this.exitListener = onExit;
    if (this.exitedWith !== undefined) onExit(this.exitedWith);
  }

  detach(): void {
    this.listener = undefined;
    this.exitListener = undefined;
  }

  /** Closes the socket and kills the worker (its whole process group, and its descendants), waiting for the exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    await this.socket.close();
    await this.loop;
    if (this.process !== undefined && this.process.exited === undefined) {
      // Taken first: what the worker started in a group of its own (the fault relay's worker) dies with it.
      const started = this.process.pid === undefined ? [] : descendants(this.process.pid);
      this.process.kill('SIGKILL');
      signalAll(started, 'SIGKILL');
      await this.process.exit;
    }
  }

  private async pump(): Promise<void> {
    try {
      for await (const frames of this.socket) this.listener?.(frames);
    } catch {
      // The socket closed under the loop: nothing more arrives.
    }
  }
}

/** Shared connections by key (target argv and transport); at most one per key. */
export class WorkerPool {
  private readonly connections = new Map<string, WorkerConnection>();

  /** A usable connection for `key`, if one is pooled. */
  take(key: string): WorkerConnection | undefined {
    const found = this.connections.get(key);
    if (found !== undefined && found.usable) return found;
    if (found !== undefined) this.connections.delete(key);
    return undefined;
  }

  put(key: string, connection: WorkerConnection): void {
    this.connections.set(key, connection);
  }

  /** Removes and closes the connection (after a scenario that failed or spent the worker). */
  async discard(connection: WorkerConnection): Promise<void> {
    for (const [key, pooled] of this.connections) if (pooled === connection) this.connections.delete(key);
    await connection.close();
  }

  /** Closes everything (AfterAll). */
  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((connection) => connection.close()));
  }
}

/** The process-wide pool (one cucumber run per process). */
export const workerPool = new WorkerPool();
