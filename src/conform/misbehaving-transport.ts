/**
 * A Transport wrapper that makes a correct child break chosen rules, on purpose: the kit's instrumented
 * child (for checking parents) and the broken fixture workers (for checking the kit itself) are the
 * reference worker plus one of these breakages. Messages are rewritten at the socket boundary, so the
 * worker's own code stays correct and each breakage is exactly one rule.
 *
 * Breakages (comma-separated in `MULTIFROST_MISBEHAVE`):
 * - `delay=MS`             every reply leaves MS ms late (exercises the parent's call timeout, MF-CALL-13)
 * - `drop-heartbeats`      heartbeat echoes are never sent (MF-HB-1, MF-HB-7)
 * - `crash-after=N`        the process exits with status 3 when the Nth CALL arrives (MF-LIFE-8)
 * - `wrong-id[=FN]`        replies (to calls of FN only, when given) carry an id no CALL had (MF-MSG-8, MF-CALL-12)
 * - `unenveloped-output`   STDOUT/STDERR sent as a bare payload frame, without the ROUTER envelope (MF-FRAME-3)
 * - `void-without-result`  a RESPONSE whose result is nil omits the `result` key (MF-CALL-6)
 * - `crash-on-int=N`       the process exits with status 70 when a CALL's args hold an integer >= N (MF-VAL-2)
 * - `private-callable`     a CALL to a `_name` is answered with a RESPONSE instead of an ERROR (MF-CALL-4)
 * - `accept-wrong-app`     a message with an unknown app id is served as if it were `v3` (MF-MSG-6)
 */
import { InvalidArgumentError } from '../errors.js';
import { defaultCodec } from '../protocol/codec.js';
import { V3, profileForApp } from '../protocol/profile.js';
import type { Clock } from '../time/clock.js';
import type { Frames, Socket, SocketOptions, Transport } from '../transport/transport.js';

export interface Misbehaviour {
  delayMs?: number;
  dropHeartbeats?: boolean;
  crashAfterCalls?: number;
  /** Reply with a wrong id; a function name restricts it to replies to calls of that function. */
  wrongId?: true | string;
  unenvelopedOutput?: boolean;
  voidWithoutResult?: boolean;
  crashOnIntegerAtLeast?: number;
  privateCallable?: boolean;
  acceptWrongApp?: boolean;
}

/** Parses `MULTIFROST_MISBEHAVE`. @throws InvalidArgumentError naming an unknown item. */
export function parseMisbehaviour(text: string | undefined): Misbehaviour {
  const result: Misbehaviour = {};
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [name, value] = item.split('=', 2) as [string, string | undefined];
    const number = (): number => {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n)) throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `${item}: needs a number`);
      return n;
    };
    switch (name) {
      case 'delay': result.delayMs = number(); break;
      case 'drop-heartbeats': result.dropHeartbeats = true; break;
      case 'crash-after': result.crashAfterCalls = number(); break;
      case 'wrong-id': result.wrongId = value === undefined || value === '' ? true : value; break;
      case 'unenveloped-output': result.unenvelopedOutput = true; break;
      case 'void-without-result': result.voidWithoutResult = true; break;
      case 'crash-on-int': result.crashOnIntegerAtLeast = number(); break;
      case 'private-callable': result.privateCallable = true; break;
      case 'accept-wrong-app': result.acceptWrongApp = true; break;
      default: throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `unknown misbehaviour '${name}'`);
    }
  }
  return result;
}

type Map_ = Record<string, unknown>;

function decode(payload: Uint8Array | undefined): Map_ | undefined {
  if (payload === undefined) return undefined;
  try {
    const value = defaultCodec.decodeValue(payload);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Map_) : undefined;
  } catch {
    return undefined;
  }
}

function holdsIntegerAtLeast(value: unknown, limit: number, depth = 0): boolean {
  if (depth > 32) return false;
  if (typeof value === 'number') return Number.isInteger(value) && value >= limit;
  if (typeof value === 'bigint') return value >= BigInt(limit);
  if (Array.isArray(value)) return value.some((v) => holdsIntegerAtLeast(v, limit, depth + 1));
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) return Object.values(value).some((v) => holdsIntegerAtLeast(v, limit, depth + 1));
  return false;
}

/** The ROUTER socket of a misbehaving child. */
class MisbehavingRouter implements Socket {
  private calls = 0;
  /** CALL id -> function, for `wrong-id=FN`. */
  private readonly functions = new Map<string, string>();

  constructor(
    private readonly inner: Socket,
    private readonly how: Misbehaviour,
    private readonly clock: Clock,
    private readonly exit: (code: number) => void,
  ) {}

  get role(): Socket['role'] { return this.inner.role; }
  get closed(): boolean { return this.inner.closed; }
  bind(endpoint: string): Promise<string> { return this.inner.bind(endpoint); }
  connect(endpoint: string): Promise<void> { return this.inner.connect(endpoint); }
  close(): Promise<void> { return this.inner.close(); }

  async receive(): Promise<Frames> {
    for (;;) {
      const frames = await this.inner.receive();
      const rewritten = this.inbound(frames);
      if (rewritten !== undefined) return rewritten;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frames> {
    for await (const frames of this.inner) {
      const rewritten = this.inbound(frames);
      if (rewritten !== undefined) yield rewritten;
    }
  }

  /** Rewrites (or consumes, returning undefined) one inbound message. */
  private inbound(frames: Frames): Frames | undefined {
    const message = decode(frames[2]);
    if (frames.length !== 3 || message === undefined) return frames;
    if (this.how.acceptWrongApp === true && profileForApp(message['app']) === undefined) {
      return [frames[0]!, frames[1]!, defaultCodec.encode({ ...message, app: V3.app })];
    }
    if (message['type'] !== 'call') return frames;
    this.calls += 1;
    const fn = message['function'];
    if (typeof message['id'] === 'string' && typeof fn === 'string') this.functions.set(message['id'], fn);
    if (this.how.crashAfterCalls !== undefined && this.calls >= this.how.crashAfterCalls) this.exit(3);
    if (this.how.crashOnIntegerAtLeast !== undefined && holdsIntegerAtLeast(message['args'], this.how.crashOnIntegerAtLeast)) this.exit(70);
    if (this.how.privateCallable === true && typeof fn === 'string' && fn.startsWith('_')) {
      const reply = { app: message['app'], id: message['id'], type: 'response', timestamp: this.clock.epochMs() / 1000, result: `called ${fn}` };
      void this.inner.send([frames[0]!, frames[1]!, defaultCodec.encode(reply)]);
      return undefined;
    }
    return frames;
  }

  post(frames: Frames, onFailure: (error: Error) => void): Promise<void> {
    return this.send(frames).then(undefined, onFailure);
  }

  send(frames: Frames): Promise<void> {
    const message = decode(frames[frames.length - 1]);
    let out = frames;
    if (message !== undefined) {
      const type = message['type'];
      if (this.how.dropHeartbeats === true && type === 'heartbeat') return Promise.resolve();
      if (this.how.unenvelopedOutput === true && (type === 'stdout' || type === 'stderr')) out = [frames[frames.length - 1]!];
      if (this.how.voidWithoutResult === true && type === 'response' && message['result'] === null) {
        const { result: _dropped, ...rest } = message;
        out = [...frames.slice(0, -1), defaultCodec.encode(rest)];
      }
      if (this.how.wrongId !== undefined && (type === 'response' || type === 'error') && typeof message['id'] === 'string') {
        const fn = this.functions.get(message['id']);
        if (this.how.wrongId === true || this.how.wrongId === fn) out = [...frames.slice(0, -1), defaultCodec.encode({ ...message, id: `${message['id']}-wrong` })];
      }
    }
    const delayMs = this.how.delayMs ?? 0;
    if (delayMs > 0 && message !== undefined && message['type'] !== 'heartbeat') {
      return new Promise((resolve, reject) => {
        this.clock.setTimer(delayMs, () => this.inner.send(out).then(resolve, reject));
      });
    }
    return this.inner.send(out);
  }
}

/** Wraps a transport so its ROUTER sockets misbehave as described. DEALERs are untouched. */
export class MisbehavingTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly how: Misbehaviour,
    private readonly clock: Clock,
    private readonly exit: (code: number) => void,
  ) {}

  get kind(): Transport['kind'] { return this.inner.kind; }

  dealer(options?: SocketOptions): Socket {
    return this.inner.dealer(options);
  }

  router(options?: SocketOptions): Socket {
    return new MisbehavingRouter(this.inner.router(options), this.how, this.clock, this.exit);
  }
}
