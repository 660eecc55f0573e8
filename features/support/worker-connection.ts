/**
 * The kit's DEALER and the worker process behind it, which can outlive one scenario. On real ZeroMQ,
 * starting a worker costs far more than a scenario's messages, so @child scenarios that leave the worker as
 * they found it share one connection (see {@link WorkerPool}); scenarios that stop, crash or reconfigure the
 * worker (tag `@fresh-worker`, or an environment of their own) get a dedicated one, and a connection is
 * dropped after any scenario that did not pass or whose worker exited.
 */
import type { Frames, Socket } from '../../src/transport/transport.js';
import type { LaunchedProcess, OutputStream } from '../../src/worker/process-launcher.js';

export class WorkerConnection {
  /** Every message id sent on this connection, by any scenario (a reply with another id is a stray). */
  readonly sentIds = new Set<string>();
  /** Set once the worker exited. */
  exitedWith: string | undefined;
  private listener: ((frames: Frames) => void) | undefined;
  private exitListener: ((description: string) => void) | undefined;
  private readonly loop: Promise<void>;
  private closed = false;

  constructor(
    readonly socket: Socket,
    /** The worker process, or undefined for a service the kit connected to. */
    readonly process: LaunchedProcess | undefined,
    /** Describes the worker for trace notes. */
    readonly description: string,
    /** Lines the worker wrote to its own stdout/stderr (not forwarded as messages), filled by the launcher. */
    readonly rawOutput: Array<{ stream: OutputStream; line: string }> = [],
  ) {
    this.loop = this.pump();
    void process?.exit.then((info) => {
      this.exitedWith = `exited (code ${info.code ?? 'none'}, signal ${info.signal ?? 'none'})`;
      this.exitListener?.(this.exitedWith);
    });
  }

  /** True while the worker may serve another scenario. */
  get usable(): boolean {
    return !this.closed && this.exitedWith === undefined;
  }

  /** Routes inbound frames and the worker's exit to the scenario now using the connection. */
  attach(onFrames: (frames: Frames) => void, onExit: (description: string) => void): void {
    this.listener = onFrames;
    this.exitListener = onExit;
    if (this.exitedWith !== undefined) onExit(this.exitedWith);
  }

  detach(): void {
    this.listener = undefined;
    this.exitListener = undefined;
  }

  /** Closes the socket and kills the worker (its whole process group), waiting for the exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    await this.socket.close();
    await this.loop;
    if (this.process !== undefined && this.process.exited === undefined) {
      this.process.kill('SIGKILL');
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
