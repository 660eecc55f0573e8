/**
 * The eyes and hands of the kit's instrumented child when a *foreign parent* spawns it (spec section 14).
 * The kit cannot sit between a parent and the child that parent launched, so the child reports for it:
 * - `MULTIFROST_KIT_LOG=<file>`: the child appends one JSON line per observation: how it was started
 *   (argv, environment, the chain of parent processes from /proc), every message it received (frame count,
 *   delimiter, decoded payload) and sent, every stop signal, and its exit. Lines are written synchronously,
 *   so what happened before a SIGKILL is on disk.
 * - `MULTIFROST_KIT_PROVOKE=<items>`: behaviour a parent must cope with, chosen per scenario:
 *   `ignore-shutdown` (SHUTDOWN is logged, not obeyed), `ignore-sigterm` (SIGTERM/SIGINT logged, not obeyed),
 *   `grandchild` (start a process in the child's process group, which the stop sequence must end too),
 *   `delay-heartbeats=MS` (each echo leaves MS ms late), `drop-heartbeats=N` (after the first echo, which
 *   answers a parent's readiness probe, the next N echoes are not sent), `exit-at-start=N` (write one line to
 *   stderr and exit with status N before connecting: a child that dies before it is ready, MF-LIFE-10).
 * Rule-breaking misbehaviour (wrong ids, bad framing, ...) is the misbehaving transport's job, not this one's.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readlinkSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { defaultCodec } from '../protocol/codec.js';
import type { Clock } from '../time/clock.js';
import type { CurveSocketOptions, Frames, Socket, SocketOptions, Transport } from '../transport/transport.js';
import { ENV_CURVE_SECRET_KEY } from '../worker/shared/curve-environment.js';
import type { ChildHost, StopSignal } from '../worker/child/child-host.js';

export const KIT_LOG_ENV = 'MULTIFROST_KIT_LOG';
export const KIT_PROVOKE_ENV = 'MULTIFROST_KIT_PROVOKE';

export interface Provocation {
  ignoreShutdown?: boolean;
  ignoreStopSignals?: boolean;
  grandchild?: boolean;
  heartbeatDelayMs?: number;
  droppedHeartbeats?: number;
  exitAtStart?: number;
}

/** Parses `MULTIFROST_KIT_PROVOKE`. @throws InvalidArgumentError naming an unknown item. */
export function parseProvocation(text: string | undefined): Provocation {
  const result: Provocation = {};
  for (const item of (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const [name, value] = item.split('=', 2) as [string, string | undefined];
    const count = (): number => {
      const n = Number(value);
      if (value === undefined || !Number.isInteger(n) || n < 0)
        throw new InvalidArgumentError(KIT_PROVOKE_ENV, `${item}: needs a whole number`);
      return n;
    };
    switch (name) {
      case 'ignore-shutdown':
        result.ignoreShutdown = true;
        break;
      case 'ignore-sigterm':
        result.ignoreStopSignals = true;
        break;
      case 'grandchild':
        result.grandchild = true;
        break;
      case 'delay-heartbeats':
        result.heartbeatDelayMs = count();
        break;
      case 'drop-heartbeats':
        result.droppedHeartbeats = count();
        break;
      case 'exit-at-start':
        result.exitAtStart = count();
        break;
      default:
        throw new InvalidArgumentError(KIT_PROVOKE_ENV, `unknown provocation '${name}'`);
    }
  }
  return result;
}

/** One process of the chain above the child, read from /proc. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** The executable's short name (`/proc/<pid>/comm`). */
  comm: string;
  /** The resolved executable (`/proc/<pid>/exe`), when readable. */
  exe: string | undefined;
  argv: string[];
}

/** Reads what /proc says about `pid` (Linux); undefined when the process is gone or /proc is absent. */
export function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces or parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((arg, i, all) => arg !== '' || i < all.length - 1);
    let exe: string | undefined;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      exe = undefined;
    }
    return {
      pid,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(),
      exe,
      argv,
    };
  } catch {
    return undefined;
  }
}

/** The chain of parents of `pid`, nearest first, up to `depth` processes (init excluded). */
export function parentChain(pid: number, depth = 6): ProcessInfo[] {
  const chain: ProcessInfo[] = [];
  let current = processInfo(pid);
  while (current !== undefined && chain.length < depth && current.ppid > 1) {
    const parent = processInfo(current.ppid);
    if (parent === undefined) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

/** Appends observation lines to the kit's log file (or nowhere, when the kit did not ask for one). */
export class KitLog {
  constructor(
    private readonly path: string | undefined,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.path !== undefined;
  }

  write(event: string, fields: Record<string, unknown> = {}): void {
    if (this.path === undefined) return;
    const line = JSON.stringify({ t: this.clock.epochMs(), event, ...fields }, (_key, value: unknown) =>
      jsonSafe(value),
    );
    appendFileSync(this.path, `${line}\n`);
  }
}

/** JSON cannot carry BigInt or bytes: the log shows them tagged, as the driver contract does. */
function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (value instanceof Uint8Array) return { $bin: Buffer.from(value).toString('hex') };
  return value;
}

/** CALLs up to this size are logged with their bytes (the catalogue's are far smaller). */
const CALL_HEX_LIMIT = 64 * 1024;

function decodeMap(payload: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (payload === undefined) return undefined;
  try {
    const value = defaultCodec.decodeValue(payload);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Logs the child's start: its own process, the parents above it, the spawn-mode environment. */
export function logStart(log: KitLog, env: (name: string) => string | undefined): void {
  const self = processInfo(process.pid);
  log.write('start', {
    pid: process.pid,
    self,
    parents: parentChain(process.pid),
    env: {
      COMLINK_ZMQ_PORT: env('COMLINK_ZMQ_PORT') ?? null,
      COMLINK_WORKER_MODE: env('COMLINK_WORKER_MODE') ?? null,
      MULTIFROST_SERVICE_ID: env('MULTIFROST_SERVICE_ID') ?? null,
    },
    curve: curveStart(env),
  });
}

/**
 * What the parent handed over for CURVE (MF-SEC-6): whether the key is in the environment, its length, and
 * whether it also appears in the process's arguments (it must not). The key itself is never logged.
 */
function curveStart(env: (name: string) => string | undefined): Record<string, unknown> {
  const key = env(ENV_CURVE_SECRET_KEY);
  return {
    keyInEnvironment: key !== undefined,
    keyLength: key?.length ?? 0,
    keyInArguments: key !== undefined && key !== '' && process.argv.some((arg) => arg.includes(key)),
  };
}

/** Starts a process in the child's own process group, which the parent's stop sequence must end too. */
export function startGrandchild(log: KitLog): void {
  const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  grandchild.unref();
  log.write('grandchild', { pid: grandchild.pid ?? null });
}

/** The ROUTER of the instrumented child, logging and provoking. */
class ObservedRouter implements Socket {
  private echoesSeen = 0;

  constructor(
    private readonly inner: Socket,
    private readonly log: KitLog,
    private readonly how: Provocation,
    private readonly clock: Clock,
  ) {}

  get role(): Socket['role'] {
    return this.inner.role;
  }
  get closed(): boolean {
    return this.inner.closed;
  }
  bind(endpoint: string): Promise<string> {
    return this.inner.bind(endpoint).then((bound) => (this.log.write('bound', { endpoint: bound }), bound));
  }
  connect(endpoint: string): Promise<void> {
    return this.inner.connect(endpoint).then(() => this.log.write('connected', { endpoint }));
  }
  secure(curve: CurveSocketOptions): void {
    if (this.inner.secure === undefined) throw new InvalidArgumentError('curve', 'this transport has no CURVE');
    this.inner.secure(curve);
    this.log.write('curve', { role: curve.role });
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  async receive(): Promise<Frames> {
    for (;;) {
      const frames = await this.inner.receive();
      if (this.inbound(frames)) return frames;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frames> {
    for await (const frames of this.inner) if (this.inbound(frames)) yield frames;
  }

  /** Logs one inbound message; false when it is to be withheld from the worker (an ignored SHUTDOWN). */
  private inbound(frames: Frames): boolean {
    const message = decodeMap(frames[frames.length - 1]);
    const delimiter = frames.length >= 2 ? frames[frames.length - 2] : undefined;
    this.log.write('recv', {
      frames: frames.length,
      delimiterEmpty: delimiter !== undefined && delimiter.byteLength === 0,
      message: message ?? null,
      // A CALL's bytes as sent, for the checks of its values' msgpack types (the decoded map has lost them).
      ...(message?.['type'] === 'call' && (frames[frames.length - 1]?.byteLength ?? 0) <= CALL_HEX_LIMIT
        ? { payloadHex: Buffer.from(frames[frames.length - 1]!).toString('hex') }
        : {}),
      ...(message === undefined
        ? {
            hex: Buffer.from(frames[frames.length - 1] ?? [])
              .subarray(0, 64)
              .toString('hex'),
          }
        : {}),
    });
    return !(this.how.ignoreShutdown === true && message?.['type'] === 'shutdown');
  }

  post(frames: Frames, onFailure: (error: Error) => void): Promise<void> {
    return this.send(frames).then(undefined, onFailure);
  }

  send(frames: Frames): Promise<void> {
    const message = decodeMap(frames[frames.length - 1]);
    if (message?.['type'] === 'heartbeat') {
      this.echoesSeen += 1;
      if (this.echoesSeen > 1 && this.echoesSeen <= 1 + (this.how.droppedHeartbeats ?? 0)) {
        this.log.write('echo-dropped', { id: message['id'] ?? null });
        return Promise.resolve();
      }
      const delayMs = this.how.heartbeatDelayMs ?? 0;
      if (delayMs > 0) {
        return new Promise((resolve, reject) => {
          this.clock.setTimer(delayMs, () => {
            this.log.write('send', { message });
            this.inner.send(frames).then(resolve, reject);
          });
        });
      }
    }
    this.log.write('send', { message: message ?? null });
    return this.inner.send(frames);
  }
}

/** Wraps a transport so the child's ROUTER logs and provokes. DEALERs are untouched. */
export class ObservedTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly log: KitLog,
    private readonly how: Provocation,
    private readonly clock: Clock,
  ) {}

  get kind(): Transport['kind'] {
    return this.inner.kind;
  }

  dealer(options?: SocketOptions): Socket {
    return this.inner.dealer(options);
  }

  router(options?: SocketOptions): Socket {
    return new ObservedRouter(this.inner.router(options), this.log, this.how, this.clock);
  }
}

/** A host that logs stop signals and, when provoked, does not obey them. */
export function observedHost(inner: ChildHost, log: KitLog, how: Provocation): ChildHost {
  return {
    get pid() {
      return inner.pid;
    },
    env: (name) => inner.env(name),
    onStopSignal: (handler: (signal: StopSignal) => void) =>
      inner.onStopSignal((signal) => {
        log.write('signal', { signal, obeyed: how.ignoreStopSignals !== true });
        if (how.ignoreStopSignals !== true) handler(signal);
      }),
    onParentGone: (handler) => inner.onParentGone(handler),
    exit: (code) => {
      log.write('exit', { code });
      inner.exit(code);
    },
    write: (stream, text) => inner.write(stream, text),
    writeRaw: (stream, text) => inner.writeRaw(stream, text),
    captureOutput: (sink) => inner.captureOutput(sink),
  };
}
