/**
 * A Transport wrapper that makes a correct child break chosen rules, on purpose: the kit's instrumented
 * child (for checking parents) and the broken workers (for proving that every check of the kit can fail)
 * are the reference worker plus breakages from this file. Messages are rewritten at the socket boundary,
 * so the worker's own code stays correct and each breakage is one rule.
 *
 * `MULTIFROST_MISBEHAVE` is a comma-separated list of items `NAME[=VALUE][@SCOPE]`. A scope limits a
 * breakage to the CALLs (and their replies) of one function, `@add`, or of one function with exactly these
 * arguments (JSON), `@add([2,40])`: the conformance catalogue sends some message shapes in one scenario
 * only, so a scoped breakage fails that scenario and nothing else (harness/test/cli/broken-workers.test.ts).
 * Breakages that concern no CALL (heartbeats, output, framing) take no scope.
 *
 * For the parent role (what a parent must cope with):
 * - `delay=MS`             every reply leaves MS ms late (the parent's call timeout, MF-CALL-13)
 * - `drop-heartbeats`      heartbeat echoes are never sent (MF-HB-1, MF-HB-7)
 * - `crash-after=N`        the process exits with status 3 when the Nth CALL arrives (MF-LIFE-8)
 * - `wrong-id[=FN]`        replies (to calls of FN only, when given) carry an id no CALL had (MF-MSG-8, MF-CALL-12)
 * - `void-without-result`  a RESPONSE whose result is nil omits the `result` key (MF-CALL-6)
 * - `crash-on-int=N`       the process exits with status 70 when a CALL's args hold an integer >= N
 *
 * Child rules broken (one clause each; see fixtures/broken/README.md for the scopes the test uses):
 * - `answer-without-id`            a CALL with a missing, empty or nil id is served with an invented id (MF-CALL-2)
 * - `answer-with-empty-id`         a CALL with a missing, empty or nil id is answered with an ERROR with id "" (MF-CALL-2)
 * - `no-function-answered`         a CALL without `function` gets a RESPONSE instead of an ERROR (MF-CALL-3)
 * - `private-callable`             a CALL to a `_name` gets a RESPONSE instead of an ERROR (MF-CALL-4)
 * - `lifecycle-callable`           `start`, `stop` and `run` are callable (MF-CALL-5)
 * - `base-names-callable`          names of Object.prototype (`constructor`, `toString`...) are callable (MF-SEC-2)
 * - `list-private`                 listFunctions also lists `_secret` (MF-CALL-9)
 * - `serial-calls`                 a CALL waits until every earlier call was answered (MF-CALL-11)
 * - `args-ignored`                 the handler is called without the CALL's `args` (MF-CALL-1)
 * - `args-as-array`                the handler gets the `args` array as one argument, not spread (MF-CALL-14)
 * - `wrong-result`                 a RESPONSE carries a wrong result (MF-SVC-1)
 * - `duplicate-reply`              a CALL is answered twice (MF-CALL-10)
 * - `generic-error`                an ERROR says "internal error" instead of the exception message (MF-CALL-7)
 * - `no-traceback`                 an ERROR carries no `traceback` (MF-CALL-8)
 * - `reply-without-delimiter`      replies are sent as [routing id, payload], without the empty frame (MF-FRAME-2)
 * - `timestamp-ms`                 replies carry `timestamp` in epoch milliseconds (MF-MSG-2)
 * - `unknown-reply-type`           a RESPONSE has type "result" (MF-MSG-3)
 * - `misspelled-app`               replies carry "comlink-ipc-v3" (a wrong spelling of the app id) (MF-PROF-1)
 * - `other-profile-reply`          replies carry the other profile's app id (MF-PROF-3)
 * - `ignore-v4-calls`              CALLs in profile v4 are ignored (MF-PROF-4)
 * - `accept-bad-delimiter`         a message whose delimiter frame is not empty is served (MF-FRAME-4)
 * - `accept-trailing-bytes`        a payload with bytes after the first msgpack value is served (MF-FRAME-5)
 * - `answer-non-map`               a payload that is not a map is answered with an ERROR (MF-MSG-1)
 * - `unknown-field-error`          a CALL with a field the worker does not know gets an ERROR (MF-MSG-4)
 * - `answer-unknown-type`          a message of an unknown type gets an ERROR (MF-MSG-5)
 * - `accept-wrong-app`             a message with an unknown app id (a string, a number or none) is served as v3 (MF-MSG-6)
 * - `reject-camel-client-name`     a CALL carrying `clientName` gets an ERROR (MF-MSG-7)
 * - `serve-numeric-id`             a CALL whose id is a number is served, the id made a string (MF-MSG-9)
 * - `oversize-answered`            a payload over 16 MiB is decoded and answered with an ERROR (MF-MSG-10)
 * - `oversize-crash`               a payload over 16 MiB is decoded before its size is checked: the process dies (MF-SEC-3)
 * - `namespace-required`           a CALL without `namespace` is ignored (MF-NS-1)
 * - `any-namespace`                a CALL for another namespace is served (MF-NS-2)
 * - `explicit-namespace-ignored`   a CALL that names a namespace, even the worker's own, is ignored (MF-NS-3)
 * - `heartbeat-args-changed`       a v3 heartbeat echo does not return the request's `args` (MF-HB-2)
 * - `heartbeat-without-hb-response` a v4 heartbeat echo lacks `metadata.hb_response` (MF-HB-3)
 * - `heartbeats-behind-calls`      a heartbeat echo waits until no call is running (MF-HB-4)
 * - `first-heartbeat-dropped`      a HEARTBEAT that is the first message the process receives is ignored (MF-LIFE-11)
 * - `exit-on-shutdown[=N]`         SHUTDOWN ends the process with status N (default 2) instead of 0 (MF-LIFE-6)
 * - `unenveloped-output`           STDOUT/STDERR sent as a bare payload frame, without the ROUTER envelope (MF-FRAME-3)
 * - `duplicate-output`             every STDOUT/STDERR message is sent twice to the same parent (MF-FRAME-3)
 * - `stderr-as-stdout`             what the worker writes to stderr is sent as STDOUT (MF-OUT-1)
 * - `wide-integers`                an integer result of 128-255 is sent as uint16, not uint8 (MF-VAL-2)
 * - `lossy-int64`                  an integer result beyond 2^53 is sent as a float64 (MF-VAL-4)
 * - `bin-as-str`                   a binary result is sent as msgpack `str` (MF-VAL-5)
 * - `no-astral-strings`            characters beyond U+FFFF in a string result become U+FFFD (MF-VAL-9)
 * - `float32-results`              a non-integral float result is sent as float32 (MF-VAL-10)
 * - `bind-all-interfaces`          in connect mode the ROUTER binds 0.0.0.0 instead of 127.0.0.1 (MF-SEC-1)
 * - `nested-empty-str-as-nil`      an empty string inside an array or map of a result is sent as nil (MF-VAL-9);
 *                                  no fixed vector has one, the value fuzzer (`--fuzz-values`) finds it
 * - `rename-proto-key`             a map key `__proto__` in a result is sent as `__proto_`, msgpackr's old renaming (MF-VAL-11)
 * - `drop-unportable-calls`        a CALL holding a value outside the portable set gets no reply instead of an ERROR (MF-VAL-12, MF-VAL-13)
 */
import { InvalidArgumentError } from '../errors.js';
import { Codec, DEFAULT_MAX_PAYLOAD_BYTES, defaultCodec } from '../protocol/codec.js';
import { EMPTY_FRAME } from '../protocol/framing.js';
import { PROFILES, V3, V4, profileForApp, type Profile } from '../protocol/profile.js';
import type { Clock } from '../time/clock.js';
import type { Frames, Socket, SocketOptions, Transport } from '../transport/transport.js';

/** Breakages selected by name and limited by a {@link CallScope}. */
export const SCOPED_BREAKAGES = [
  'answer-without-id',
  'answer-with-empty-id',
  'no-function-answered',
  'private-callable',
  'lifecycle-callable',
  'base-names-callable',
  'list-private',
  'serial-calls',
  'args-ignored',
  'args-as-array',
  'wrong-result',
  'duplicate-reply',
  'generic-error',
  'no-traceback',
  'reply-without-delimiter',
  'timestamp-ms',
  'unknown-reply-type',
  'misspelled-app',
  'other-profile-reply',
  'ignore-v4-calls',
  'accept-bad-delimiter',
  'accept-trailing-bytes',
  'answer-non-map',
  'unknown-field-error',
  'answer-unknown-type',
  'accept-wrong-app',
  'reject-camel-client-name',
  'serve-numeric-id',
  'oversize-answered',
  'oversize-crash',
  'namespace-required',
  'any-namespace',
  'explicit-namespace-ignored',
  'heartbeat-args-changed',
  'heartbeat-without-hb-response',
  'heartbeats-behind-calls',
  'first-heartbeat-dropped',
  'unenveloped-output',
  'duplicate-output',
  'stderr-as-stdout',
  'wide-integers',
  'lossy-int64',
  'bin-as-str',
  'no-astral-strings',
  'float32-results',
  'void-without-result',
  'wrong-id',
  'bind-all-interfaces',
  'nested-empty-str-as-nil',
  'rename-proto-key',
  'drop-unportable-calls',
] as const;
export type ScopedBreakage = (typeof SCOPED_BREAKAGES)[number];

/** The CALLs a breakage applies to: every one (`{}`), those of one function, or of one function with these args. */
export interface CallScope {
  function?: string;
  args?: unknown[];
}

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
  /** Exit status on SHUTDOWN (`exit-on-shutdown[=N]`), instead of 0. */
  shutdownExitCode?: number;
  /** Breakages by name, each with the calls it applies to. */
  scoped?: Partial<Record<ScopedBreakage, CallScope>>;
}

/** Item names kept as their own fields of {@link Misbehaviour} when they come without a scope. */
const FLAGS: Partial<
  Record<ScopedBreakage, 'unenvelopedOutput' | 'voidWithoutResult' | 'privateCallable' | 'acceptWrongApp'>
> = {
  'unenveloped-output': 'unenvelopedOutput',
  'void-without-result': 'voidWithoutResult',
  'private-callable': 'privateCallable',
  'accept-wrong-app': 'acceptWrongApp',
};

/** Splits on commas outside brackets (a scope's JSON arguments hold commas). */
function splitItems(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ('[({'.includes(c)) depth++;
    else if ('])}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  items.push(text.slice(start));
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function parseScope(item: string, text: string): CallScope {
  const match = /^([^()]+)(?:\((.*)\))?$/s.exec(text);
  if (match === null)
    throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `${item}: a scope is FUNCTION or FUNCTION(JSON array)`);
  if (match[2] === undefined) return { function: match[1]! };
  let args: unknown;
  try {
    args = JSON.parse(`[${match[2]}]`);
  } catch {
    args = undefined;
  }
  if (!Array.isArray(args) || args.length !== 1 || !Array.isArray(args[0]))
    throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `${item}: the arguments of a scope are one JSON array`);
  return { function: match[1]!, args: args[0] as unknown[] };
}

/** Parses `MULTIFROST_MISBEHAVE`. @throws InvalidArgumentError naming an unknown or malformed item. */
export function parseMisbehaviour(text: string | undefined): Misbehaviour {
  const result: Misbehaviour = {};
  for (const item of splitItems(text ?? '')) {
    const at = item.indexOf('@');
    const head = at < 0 ? item : item.slice(0, at);
    const scope = at < 0 ? undefined : parseScope(item, item.slice(at + 1));
    const [name, value] = head.split('=', 2) as [string, string | undefined];
    const number = (): number => {
      const n = Number(value);
      if (value === undefined || !Number.isFinite(n))
        throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `${item}: needs a number`);
      return n;
    };
    switch (name) {
      case 'delay':
        result.delayMs = number();
        continue;
      case 'drop-heartbeats':
        result.dropHeartbeats = true;
        continue;
      case 'crash-after':
        result.crashAfterCalls = number();
        continue;
      case 'crash-on-int':
        result.crashOnIntegerAtLeast = number();
        continue;
      case 'exit-on-shutdown':
        result.shutdownExitCode = value === undefined ? 2 : number();
        continue;
      case 'wrong-id':
        if (scope === undefined) {
          result.wrongId = value === undefined || value === '' ? true : value;
          continue;
        }
        break;
      default:
        if (!(SCOPED_BREAKAGES as readonly string[]).includes(name))
          throw new InvalidArgumentError('MULTIFROST_MISBEHAVE', `unknown misbehaviour '${name}'`);
    }
    const flag = FLAGS[name as ScopedBreakage];
    if (flag !== undefined && scope === undefined) result[flag] = true;
    else result.scoped = { ...result.scoped, [name]: scope ?? {} };
  }
  return result;
}

type Map_ = Record<string, unknown>;

/** What a reply needs to know about the CALL it answers. */
interface CallInfo {
  function: string | undefined;
  args: unknown;
}

const isMap = (value: unknown): value is Map_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

function decodeAny(payload: Uint8Array | undefined): { value: unknown } | undefined {
  if (payload === undefined) return undefined;
  try {
    return { value: defaultCodec.decodeValue(payload) };
  } catch {
    return undefined;
  }
}

function decode(payload: Uint8Array | undefined): Map_ | undefined {
  const decoded = decodeAny(payload);
  return decoded !== undefined && isMap(decoded.value) ? decoded.value : undefined;
}

function holdsIntegerAtLeast(value: unknown, limit: number, depth = 0): boolean {
  if (depth > 32) return false;
  if (typeof value === 'number') return Number.isInteger(value) && value >= limit;
  if (typeof value === 'bigint') return value >= BigInt(limit);
  if (Array.isArray(value)) return value.some((v) => holdsIntegerAtLeast(v, limit, depth + 1));
  if (isMap(value)) return Object.values(value).some((v) => holdsIntegerAtLeast(v, limit, depth + 1));
  return false;
}

function inScope(scope: CallScope | undefined, call: CallInfo | undefined): boolean {
  if (scope === undefined) return false;
  if (scope.function === undefined) return true;
  if (call === undefined || call.function !== scope.function) return false;
  return scope.args === undefined || JSON.stringify(scope.args) === JSON.stringify(call.args);
}

const CALL_FIELDS = new Set([
  'app',
  'id',
  'type',
  'timestamp',
  'function',
  'args',
  'namespace',
  'client_name',
  'clientName',
]);
const KNOWN_TYPES = new Set(['call', 'response', 'error', 'stdout', 'stderr', 'heartbeat', 'shutdown']);
const LIFECYCLE_NAMES = new Set(['start', 'stop', 'run']);
const BASE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Byte-level rewrites of the value under a reply's `result` key, so the wire type itself is wrong (the
 * codec would always pick the right one). Each returns the new head bytes and how many it replaces.
 */
type ValueRewrite = (value: Buffer) => { head: Buffer; replaces: number } | undefined;

const TWO_POW_53 = 2n ** 53n;
const VALUE_REWRITES: Partial<Record<ScopedBreakage, ValueRewrite>> = {
  // uint8 128-255 (cc XX) widened to uint16 (cd 00 XX).
  'wide-integers': (v) => (v[0] === 0xcc ? { head: Buffer.from([0xcd, 0x00, v[1]!]), replaces: 2 } : undefined),
  // uint64 / int64 beyond 2^53 sent as the float64 nearest to it.
  'lossy-int64': (v) => {
    if (v.length < 9 || (v[0] !== 0xcf && v[0] !== 0xd3)) return undefined;
    const n = v[0] === 0xcf ? v.readBigUInt64BE(1) : v.readBigInt64BE(1);
    if (n <= TWO_POW_53 && n >= -TWO_POW_53) return undefined;
    const head = Buffer.alloc(9);
    head[0] = 0xcb;
    head.writeDoubleBE(Number(n), 1);
    return { head, replaces: 9 };
  },
  // bin 8/16/32 becomes str 8/16/32 with the same length field.
  'bin-as-str': (v) => {
    const str = ({ 0xc4: 0xd9, 0xc5: 0xda, 0xc6: 0xdb } as Record<number, number>)[v[0]!];
    return str === undefined ? undefined : { head: Buffer.from([str]), replaces: 1 };
  },
  'float32-results': (v) => {
    if (v.length < 9 || v[0] !== 0xcb || Number.isInteger(v.readDoubleBE(1))) return undefined;
    const head = Buffer.alloc(5);
    head[0] = 0xca;
    head.writeFloatBE(v.readDoubleBE(1), 1);
    return { head, replaces: 9 };
  },
};

const RESULT_KEY = Buffer.concat([Buffer.from([0xa6]), Buffer.from('result')]);

function rewriteResult(payload: Uint8Array, rewrite: ValueRewrite): Uint8Array {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const at = bytes.indexOf(RESULT_KEY);
  if (at < 0) return payload;
  const start = at + RESULT_KEY.length;
  const change = rewrite(bytes.subarray(start));
  if (change === undefined) return payload;
  return Buffer.concat([bytes.subarray(0, start), change.head, bytes.subarray(start + change.replaces)]);
}

/** `value` with every empty string inside an array or map (not `value` itself) made null; the rest unchanged. */
function nestedEmptyStringsNil(value: unknown, depth: number): unknown {
  if (value === '' && depth > 0) return null;
  if (Array.isArray(value)) return value.map((item) => nestedEmptyStringsNil(item, depth + 1));
  if (!isMap(value)) return value;
  const out: Map_ = {};
  // defineProperty: a key `__proto__` stays an own key of the copy, as it was in the decoded reply.
  for (const [key, item] of Object.entries(value))
    Object.defineProperty(out, key, {
      value: nestedEmptyStringsNil(item, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** `value` with every map key `__proto__` renamed `__proto_` (a later `__proto_` entry overwrites it, as msgpackr's did). */
function protoKeysRenamed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(protoKeysRenamed);
  if (!isMap(value)) return value;
  const out: Map_ = {};
  for (const [key, item] of Object.entries(value)) {
    const name = key === '__proto__' ? '__proto_' : key;
    Object.defineProperty(out, name, {
      value: protoKeysRenamed(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** The decoded value of a payload with bytes after its first value (only a few trailing bytes are tried). */
function decodeWithTrailingBytes(payload: Uint8Array): Uint8Array | undefined {
  for (let cut = 1; cut <= 16 && cut < payload.byteLength; cut++) {
    const prefix = payload.subarray(0, payload.byteLength - cut);
    if (decode(prefix) !== undefined) return prefix;
  }
  return undefined;
}

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
    const refusal = this.refusal(message, call);
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

  /** The reply a breakage sends in the worker's place, or undefined to let the worker serve the CALL. */
  private refusal(message: Map_, call: CallInfo): Map_ | undefined {
    const fn = call.function;
    if (message['function'] === undefined && this.active('no-function-answered', call))
      return { type: 'response', result: null };
    if (fn !== undefined) {
      const callable =
        (fn.startsWith('_') && (this.how.privateCallable === true || this.active('private-callable', call))) ||
        (LIFECYCLE_NAMES.has(fn) && this.active('lifecycle-callable', call)) ||
        (BASE_NAMES.has(fn) && this.active('base-names-callable', call));
      if (callable) return { type: 'response', result: `called ${fn}` };
    }
    if (this.active('unknown-field-error', call)) {
      const unknown = Object.keys(message).find((key) => !CALL_FIELDS.has(key));
      if (unknown !== undefined) return { type: 'error', error: `unknown field '${unknown}'` };
    }
    if (Object.hasOwn(message, 'clientName') && this.active('reject-camel-client-name', call))
      return { type: 'error', error: "unknown field 'clientName'" };
    return undefined;
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
    const payload = this.rewriteReply(message, frames[frames.length - 1]!, call);
    const out: Frames = this.active('reply-without-delimiter', call)
      ? [frames[0]!, payload]
      : [...frames.slice(0, -1), payload];
    if (this.active('duplicate-reply', call)) void this.later(out).catch(() => undefined);
    return this.later(out);
  }

  /** Applies the reply breakages to a RESPONSE or ERROR; returns its payload. */
  private rewriteReply(message: Map_, payload: Uint8Array, call: CallInfo | undefined): Uint8Array {
    const reply = { ...message };
    const on = (name: ScopedBreakage): boolean => this.active(name, call);
    const type = reply['type'];
    if (
      type === 'response' &&
      reply['result'] === null &&
      (this.how.voidWithoutResult === true || on('void-without-result'))
    )
      delete reply['result'];
    if (type === 'response' && on('wrong-result'))
      reply['result'] = typeof reply['result'] === 'string' ? `${reply['result']}-wrong` : 'wrong';
    if (type === 'response' && on('nested-empty-str-as-nil'))
      reply['result'] = nestedEmptyStringsNil(reply['result'], 0);
    if (type === 'response' && on('rename-proto-key')) reply['result'] = protoKeysRenamed(reply['result']);
    if (
      type === 'response' &&
      call?.function === 'listFunctions' &&
      Array.isArray(reply['result']) &&
      on('list-private')
    )
      reply['result'] = [...(reply['result'] as unknown[]), '_secret'];
    if (
      type === 'response' &&
      typeof reply['result'] === 'string' &&
      /[\u{10000}-\u{10FFFF}]/u.test(reply['result']) &&
      on('no-astral-strings')
    ) {
      reply['result'] = reply['result'].replace(/[\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
    }
    if (type === 'response' && on('unknown-reply-type')) reply['type'] = 'result';
    if (type === 'error' && on('generic-error')) reply['error'] = 'internal error';
    if (type === 'error' && on('no-traceback')) delete reply['traceback'];
    if (on('timestamp-ms') && typeof reply['timestamp'] === 'number') reply['timestamp'] = reply['timestamp'] * 1000;
    if (on('misspelled-app') && typeof reply['app'] === 'string') reply['app'] = reply['app'].replaceAll('_', '-');
    if (on('other-profile-reply')) reply['app'] = reply['app'] === PROFILES.v3.app ? PROFILES.v4.app : PROFILES.v3.app;
    const wrongId =
      this.how.wrongId === true ||
      (this.how.wrongId !== undefined && this.how.wrongId === call?.function) ||
      on('wrong-id');
    if (wrongId && typeof reply['id'] === 'string') reply['id'] = `${reply['id']}-wrong`;
    const changed =
      Object.keys(reply).length !== Object.keys(message).length ||
      Object.keys(reply).some((key) => reply[key] !== message[key]);
    let out = changed ? defaultCodec.encode(reply) : payload;
    if (type === 'response') {
      for (const [name, rewrite] of Object.entries(VALUE_REWRITES) as Array<[ScopedBreakage, ValueRewrite]>)
        if (on(name)) out = rewriteResult(out, rewrite);
    }
    return out;
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
    return new MisbehavingRouter(this.inner.router(options), this.how, this.clock, this.exit);
  }
}
