/**
 * A Transport wrapper that makes a correct child break chosen rules, on purpose (the breakages and their
 * clauses: misbehaviour.ts). Messages are rewritten at the socket boundary, so the worker's own code stays
 * correct and each breakage is one rule.
 */
import { InvalidArgumentError } from '../errors.js';
import { Codec, DEFAULT_MAX_PAYLOAD_BYTES, defaultCodec } from '../protocol/codec.js';
import { EMPTY_FRAME } from '../protocol/framing.js';
import { V3, V4, profileForApp, type Profile } from '../protocol/profile.js';
import type { Clock } from '../time/clock.js';
import type { CurveSocketOptions, Frames, Socket, SocketOptions, Transport } from '../transport/transport.js';
import {
  type BreakageTest,
  KNOWN_TYPES,
  type Map_,
  breakageRefusal,
  decode,
  decodeAny,
  decodeWithTrailingBytes,
  holdsIntegerAtLeast,
  isMap,
  rewriteReply,
} from './misbehaving-replies.js';
import { type CallInfo, DECOY_BREAKAGES, type Misbehaviour, type ScopedBreakage, inScope } from './misbehaviour.js';
import { decoyFrames } from './decoy-replies.js';

/** The ROUTER socket of a misbehaving child. */
class MisbehavingRouter implements Socket {
  private calls = 0;
  private messagesReceived = 0;
  /** CALL id -> function and args, for scoped breakages of replies. */
  private readonly callsById = new Map<string, CallInfo>();
  /** Ids of the CALLs the worker will answer and has not yet: `serial-calls`, `heartbeats-behind-calls`. */
  private readonly running = new Set<string>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly inner: Socket,
    private readonly how: Misbehaviour,
    private readonly clock: Clock,
    private readonly exit: (code: number) => void,
  ) {}

  get role(): Socket['role'] {
    return this.inner.role;
  }
  get closed(): boolean {
    return this.inner.closed;
  }
  bind(endpoint: string): Promise<string> {
    return this.inner.bind(
      this.active('bind-all-interfaces') ? endpoint.replace('//127.0.0.1:', '//0.0.0.0:') : endpoint,
    );
  }
  connect(endpoint: string): Promise<void> {
    return this.inner.connect(endpoint);
  }
  secure(curve: CurveSocketOptions): void {
    if (this.inner.secure === undefined) throw new InvalidArgumentError('curve', 'this transport has no CURVE');
    // `curve-plaintext`: a child that claims CURVE but keeps its socket plaintext.
    if (!this.active('curve-plaintext')) this.inner.secure(curve);
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  async receive(): Promise<Frames> {
    for (;;) {
      const frames = await this.inner.receive();
      const rewritten = await this.inbound(frames);
      if (rewritten !== undefined) return rewritten;
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frames> {
    for await (const frames of this.inner) {
      const rewritten = await this.inbound(frames);
      if (rewritten !== undefined) yield rewritten;
    }
  }

  private active(name: ScopedBreakage, call?: CallInfo): boolean {
    return inScope(this.how.scoped?.[name], call);
  }
  private readonly isActive: BreakageTest = (name, call) => this.active(name, call);

  /** Settles once no CALL is running. */
  private idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private answered(id: unknown): void {
    if (typeof id !== 'string' || !this.running.delete(id) || this.running.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Sends a message the worker never saw (the breakage answers in its place). */
  private answer(routingId: Uint8Array, profile: Profile, fields: Map_): void {
    const message = { app: profile.app, timestamp: this.clock.epochMs() / 1000, ...fields };
    this.inner.send([routingId, EMPTY_FRAME, defaultCodec.encode(message)]).catch(() => undefined);
  }

  /** Rewrites (or consumes, returning undefined) one inbound message. */
  private async inbound(input: Frames): Promise<Frames | undefined> {
    const first = this.messagesReceived++ === 0;
    let frames = input;
    if (frames.length === 3 && frames[1]!.byteLength > 0 && this.active('accept-bad-delimiter'))
      frames = [frames[0]!, EMPTY_FRAME, frames[2]!];
    if (frames.length !== 3 || frames[1]!.byteLength > 0) return frames;
    const routingId = frames[0]!;
    let payload = frames[2]!;
    if (payload.byteLength > DEFAULT_MAX_PAYLOAD_BYTES) return this.oversize(routingId, payload) ? undefined : frames;
    let decoded = decodeAny(payload);
    if (decoded === undefined && this.active('accept-trailing-bytes')) {
      const prefix = decodeWithTrailingBytes(payload);
      if (prefix !== undefined) {
        payload = prefix;
        decoded = decodeAny(prefix);
      }
    }
    if (decoded === undefined) return frames;
    if (!isMap(decoded.value)) {
      if (!this.active('answer-non-map')) return frames;
      // With an invented id, as the seed design's message constructor does (an empty id would look like a
      // late answer to a CALL-2 scenario, which sends one).
      this.answer(routingId, V3, {
        id: `invented-${this.messagesReceived}`,
        type: 'error',
        error: 'malformed message: the payload is not a map',
      });
      return undefined;
    }
    const message = { ...decoded.value };
    let changed = payload !== frames[2];
    if (first && message['type'] === 'heartbeat' && this.active('first-heartbeat-dropped')) return undefined;
    const app = message['app'];
    if (
      profileForApp(app) === undefined &&
      (this.how.acceptWrongApp === true || this.active('accept-wrong-app')) &&
      (app === undefined || typeof app === 'string' || typeof app === 'number')
    ) {
      message['app'] = V3.app;
      changed = true;
    }
    const profile = profileForApp(message['app']) ?? V3;
    const type = message['type'];
    if (type === 'shutdown' && this.how.shutdownExitCode !== undefined && profileForApp(message['app']) !== undefined)
      this.exit(this.how.shutdownExitCode);
    if (typeof type === 'string' && !KNOWN_TYPES.has(type) && this.active('answer-unknown-type')) {
      this.answer(routingId, profile, { id: message['id'], type: 'error', error: `unknown message type '${type}'` });
      return undefined;
    }
    if (type !== 'call') return changed ? [routingId, EMPTY_FRAME, defaultCodec.encode(message)] : frames;
    const result = await this.inboundCall(routingId, message, profile);
    if (result === 'consumed') return undefined;
    return changed || result === 'changed' ? [routingId, EMPTY_FRAME, defaultCodec.encode(message)] : frames;
  }

  /** A payload over the size limit: true when a breakage answered it. */
  private oversize(routingId: Uint8Array, payload: Uint8Array): boolean {
    if (this.active('oversize-crash')) this.exit(70);
    if (!this.active('oversize-answered')) return false;
    let id: unknown;
    try {
      const value = new Codec({ maxPayloadBytes: payload.byteLength }).decodeValue(payload);
      id = isMap(value) ? value['id'] : undefined;
    } catch {
      id = undefined;
    }
    this.answer(routingId, V3, { id: typeof id === 'string' ? id : '', type: 'error', error: 'payload too large' });
    return true;
  }

  /** One inbound CALL: may rewrite `message` in place ('changed'), answer it itself ('consumed') or wait. */
  private async inboundCall(
    routingId: Uint8Array,
    message: Map_,
    profile: Profile,
  ): Promise<'consumed' | 'changed' | 'unchanged'> {
    this.calls += 1;
    const fn = message['function'];
    const call: CallInfo = { function: typeof fn === 'string' ? fn : undefined, args: message['args'] };
    if (this.how.crashAfterCalls !== undefined && this.calls >= this.how.crashAfterCalls) this.exit(3);
    if (
      this.how.crashOnIntegerAtLeast !== undefined &&
      holdsIntegerAtLeast(message['args'], this.how.crashOnIntegerAtLeast)
    )
      this.exit(70);
    let changed = false;
    const id = message['id'];
    if ((id === undefined || id === '' || id === null) && this.active('answer-without-id', call)) {
      message['id'] = `invented-${this.calls}`;
      changed = true;
    }
    if ((id === undefined || id === '' || id === null) && this.active('answer-with-empty-id', call)) {
      // As a port that validates the id, then answers the failure under the id it has: "".
      this.answer(routingId, profile, { id: '', type: 'error', error: 'call without an id' });
      return 'consumed';
    }
    if (typeof id === 'number' && this.active('serve-numeric-id', call)) {
      message['id'] = String(id);
      changed = true;
    }
    const callId = message['id'];
    if (typeof callId === 'string') this.callsById.set(callId, call);
    const refusal = breakageRefusal(message, call, this.how, this.isActive);
    if (refusal !== undefined) {
      this.answer(routingId, profile, { id: callId, ...refusal });
      return 'consumed';
    }
    const namespace = message['namespace'];
    if (namespace === undefined && this.active('namespace-required', call)) return 'consumed';
    if (namespace !== undefined && namespace !== null && this.active('explicit-namespace-ignored', call))
      return 'consumed';
    if (typeof namespace === 'string' && namespace !== 'default' && this.active('any-namespace', call)) {
      delete message['namespace'];
      changed = true;
    }
    if (profile === V4 && this.active('ignore-v4-calls', call)) return 'consumed';
    if (this.active('args-ignored', call)) {
      message['args'] = [];
      changed = true;
    }
    if (this.active('args-as-array', call)) {
      message['args'] = [message['args']];
      changed = true;
    }
    if (this.active('serial-calls', call)) await this.idle();
    // Only a CALL the worker will answer is running (it drops the others without a word).
    const served =
      message['namespace'] === undefined || message['namespace'] === null || message['namespace'] === 'default';
    const valid =
      typeof callId === 'string' &&
      callId !== '' &&
      typeof message['timestamp'] === 'number' &&
      profileForApp(message['app']) !== undefined;
    if (valid && served) this.running.add(callId);
    return changed ? 'changed' : 'unchanged';
  }

  post(frames: Frames, onFailure: (error: Error) => void): Promise<void> {
    return this.send(frames).then(undefined, onFailure);
  }

  send(frames: Frames): Promise<void> {
    const message = decode(frames[frames.length - 1]);
    if (message === undefined) return this.inner.send(frames);
    const type = message['type'];
    if (type === 'heartbeat') return this.sendHeartbeat(frames, message);
    if (type === 'stdout' || type === 'stderr') return this.sendOutput(frames, message);
    if (type !== 'response' && type !== 'error') return this.later(frames);
    const id = message['id'];
    const call = typeof id === 'string' ? this.callsById.get(id) : undefined;
    this.answered(id);
    const refusedUnportable =
      type === 'error' && typeof message['error'] === 'string' && message['error'].includes('outside the portable set');
    if (refusedUnportable && this.active('drop-unportable-calls', call)) return Promise.resolve();
    const payload = rewriteReply(message, frames[frames.length - 1]!, call, this.how, this.isActive);
    const out: Frames = this.active('reply-without-delimiter', call)
      ? [frames[0]!, payload]
      : [...frames.slice(0, -1), payload];
    if (this.active('duplicate-reply', call)) void this.later(out).catch(() => undefined);
    const decoys = DECOY_BREAKAGES.filter((name) => this.active(name, call));
    if (decoys.length === 0) return this.later(out);
    const profile = profileForApp(message['app']) ?? V3;
    const before = decoys.flatMap((name) => decoyFrames(name, frames[0]!, id, profile));
    // One after the other on the same connection, so the parent reads every decoy before the real reply.
    return before
      .reduce((sent, decoy) => sent.then(() => this.inner.send(decoy)), Promise.resolve())
      .then(() => this.later(out));
  }

  private sendHeartbeat(frames: Frames, message: Map_): Promise<void> {
    if (this.how.dropHeartbeats === true) return Promise.resolve();
    let out = frames;
    const echo = { ...message };
    if (Array.isArray(echo['args']) && this.active('heartbeat-args-changed')) echo['args'] = [0];
    if (isMap(echo['metadata']) && this.active('heartbeat-without-hb-response')) {
      const { hb_response: _dropped, ...metadata } = echo['metadata'];
      echo['metadata'] = metadata;
    }
    if (echo['args'] !== message['args'] || echo['metadata'] !== message['metadata'])
      out = [...frames.slice(0, -1), defaultCodec.encode(echo)];
    if (this.running.size > 0 && this.active('heartbeats-behind-calls')) {
      // Queued behind the running calls, as in a worker that serves one message at a time.
      void this.idle()
        .then(() => this.inner.send(out))
        .catch(() => undefined);
      return Promise.resolve();
    }
    return this.inner.send(out);
  }

  private sendOutput(frames: Frames, message: Map_): Promise<void> {
    let out = frames;
    if (message['type'] === 'stderr' && this.active('stderr-as-stdout'))
      out = [...frames.slice(0, -1), defaultCodec.encode({ ...message, type: 'stdout' })];
    if (this.how.unenvelopedOutput === true || this.active('unenveloped-output')) out = [out[out.length - 1]!];
    if (this.active('duplicate-output')) void this.later(out).catch(() => undefined);
    return this.later(out);
  }

  /** Sends now, or after `delay=MS`. */
  private later(out: Frames): Promise<void> {
    const delayMs = this.how.delayMs ?? 0;
    if (delayMs <= 0) return this.inner.send(out);
    return new Promise((resolve, reject) => {
      this.clock.setTimer(delayMs, () => this.inner.send(out).then(resolve, reject));
    });
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

  get kind(): Transport['kind'] {
    return this.inner.kind;
  }

  dealer(options?: SocketOptions): Socket {
    return this.inner.dealer(options);
  }

  router(options?: SocketOptions): Socket {
    // Without the transport's size limit, so the oversize breakages see the payloads they mishandle (MF-SEC-3).
    const { maxMessageBytes: _unbounded, ...unbounded } = options ?? {};
    return new MisbehavingRouter(this.inner.router(unbounded), this.how, this.clock, this.exit);
  }
}
