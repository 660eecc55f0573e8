/**
 * A raw parent for the kit's own checks outside the catalogue (profile probe, fuzzing, replay): it binds a
 * DEALER on loopback, spawns the target in spawn mode (or connects to a service), and exposes frames in and
 * out with no protocol logic of its own, so a broken worker cannot be masked by a forgiving parent.
 * @see MF-LIFE-1, MF-LIFE-12
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { SpawnError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { realClock } from '../time/real-clock.js';
import type { Frames, Socket, Transport } from '../transport/transport.js';
import { loopbackEndpoint, endpointPort } from '../transport/transport.js';
import { ENV_PORT, ENV_WORKER_MODE } from '../worker/child/child-worker.js';
import { NodeProcessLauncher } from '../worker/parent/node-launcher.js';
import { secureAsClientOf } from '../worker/shared/curve-keys.js';
import type { LaunchedProcess } from '../worker/shared/process-launcher.js';
import type { Target } from './target.js';

/** Options of {@link WorkerSession.open}. */
export interface WorkerSessionOptions {
  transport: Transport;
  clock?: Clock;
  /** Extra environment for the spawned worker. */
  env?: Record<string, string>;
  /** Connect mode: how long discovery may take, in ms. Default 5000. */
  discoveryTimeoutMs?: number;
}

export class WorkerSession {
  private readonly inbox: Frames[] = [];
  private readonly waiters: Array<(frames: Frames | undefined) => void> = [];
  private receiving: Promise<void> = Promise.resolve();
  private closed = false;
  private constructor(
    readonly socket: Socket,
    readonly process: LaunchedProcess | undefined,
    private readonly clock: Clock,
    private readonly peerWatch?: PeerWatch,
  ) {
    this.receiving = this.pump();
  }

  /**
   * Spawn mode: whether anything has connected to the kit's port (a worker that never does connects
   * elsewhere, or not at all: MF-LIFE-3); undefined when the transport cannot tell, and in connect mode.
   */
  get peerConnected(): boolean | undefined {
    return this.peerWatch?.seen;
  }

  /** Spawn mode: the port the kit bound, told to the worker as COMLINK_ZMQ_PORT. */
  get boundPort(): number | undefined {
    return this.peerWatch?.port;
  }

  /** Spawns (or connects to) the target and returns a session once the socket is ready to send. */
  static async open(target: Target, options: WorkerSessionOptions): Promise<WorkerSession> {
    const clock = options.clock ?? realClock;
    const socket = options.transport.dealer();
    try {
      if (target.kind === 'service') {
        const { fileServiceDiscovery } = await import('../worker/shared/registry-adapter.js');
        const discovery = await fileServiceDiscovery();
        const { port, curvePublicKey } = await discovery.discover(target.serviceId, options.discoveryTimeoutMs ?? 5000);
        // A service that publishes a key answers CURVE clients only (MF-SEC-7).
        if (curvePublicKey !== undefined) secureAsClientOf(socket, curvePublicKey);
        await socket.connect(loopbackEndpoint(port));
        return new WorkerSession(socket, undefined, clock);
      }
      const endpoint = await socket.bind(loopbackEndpoint(0));
      const port = endpointPort(endpoint);
      const [command, ...args] = target.argv;
      if (command === undefined || port === undefined) throw new SpawnError('empty command', null, null, '');
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
      Object.assign(env, options.env ?? {}, { [ENV_PORT]: String(port), [ENV_WORKER_MODE]: '1' });
      // Watching for the worker's connection starts before the worker does, so none is missed.
      const peerWatch = watchForPeer(socket, port);
      const launched = new NodeProcessLauncher().launch({ command, args, env }, () => undefined);
      return new WorkerSession(socket, launched, clock, peerWatch);
    } catch (error) {
      await socket.close();
      throw error;
    }
  }

  private async pump(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        const waiter = this.waiters.shift();
        if (waiter === undefined) this.inbox.push(frames);
        else waiter(frames);
      }
    } catch {
      // The socket closed under the loop: nothing more will arrive.
    }
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Sends raw frames (a well-formed parent sends `[empty, payload]`). */
  send(frames: Frames): Promise<void> {
    return this.socket.send(frames);
  }

  /**
   * The next inbound message, or undefined when `timeoutMs` passes, the socket closes or the process exits.
   */
  next(timeoutMs: number): Promise<Frames | undefined> {
    const queued = this.inbox.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let settled = false;
      const finish = (frames: Frames | undefined): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        const index = this.waiters.indexOf(finish);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(frames);
      };
      const timer = this.clock.setTimer(timeoutMs, () => finish(undefined));
      this.waiters.push(finish);
      void this.process?.exit.then(() => {
        // Let replies already in flight arrive before giving up on an exited process.
        this.clock.setTimer(50, () => finish(undefined));
      });
    });
  }

  /** The exit of the spawned process if it has happened (undefined for a service or a live process). */
  get exitInfo(): LaunchedProcess['exited'] {
    return this.process?.exited;
  }

  /**
   * Closes the socket and reaps the process (SIGTERM, then SIGKILL after `graceMs`), with whatever it started
   * in process groups of its own (the fault relay's worker). Idempotent.
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.peerWatch?.stop();
    await this.socket.close();
    await this.receiving;
    const launched = this.process;
    if (launched === undefined || launched.exited !== undefined || launched.pid === undefined) return;
    const started = descendants(launched.pid);
    launched.kill('SIGTERM');
    const timer = this.clock.setTimer(graceMs, () => {
      signalAll(descendants(launched.pid!), 'SIGKILL');
      launched.kill('SIGKILL');
    });
    await launched.exit;
    timer.cancel();
    signalAll(started, 'SIGKILL');
  }
}

/** Whether a peer has connected to a bound socket, as far as its transport reports connections. */
interface PeerWatch {
  readonly port: number;
  readonly seen: boolean | undefined;
  stop(): void;
}

function watchForPeer(socket: Socket, port: number): PeerWatch {
  if (socket.watchPeers === undefined) return { port, seen: undefined, stop: () => undefined };
  const watch = { port, seen: false as boolean | undefined, stop: () => undefined as void };
  watch.stop = socket.watchPeers((event) => {
    if (event.type === 'accepted') watch.seen = true;
  });
  return watch;
}

/** Every process descended from `root` (children, grandchildren, ...), from /proc or `ps`. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of processTable()) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      if (found.includes(child) || child === root) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function processTable(): Array<{ pid: number; ppid: number }> {
  try {
    const rows: Array<{ pid: number; ppid: number }> = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so read after the last ')'.
        rows.push({ pid: Number(name), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
      } catch {
        // Exited while we read.
      }
    }
    return rows;
  } catch {
    const text = execFileSync('ps', ['-A', '-o', 'pid=', '-o', 'ppid='], { encoding: 'utf8' });
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [pid, ppid] = line.trim().split(/\s+/).map(Number);
        return { pid: pid!, ppid: ppid! };
      });
  }
}

/** Signals each process and, when it leads one, its process group (a worker's wrapper and its children). */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, signal);
      } catch {
        // Not a group leader, or already gone.
      }
    }
  }
}
