/**
 * The message rewrites behind the breakages of misbehaviour.ts: what a breakage answers in the worker's
 * place, and how it changes a reply on its way out. Pure functions of a message; the socket wrapper
 * (misbehaving-transport.ts) decides when they apply.
 */
import { defaultCodec } from '../protocol/codec.js';
import { PROFILES } from '../protocol/profile.js';
import { wire, type WireValue } from './wire-value.js';
import { writeWire } from './wire-write.js';
import { type CallInfo, type Misbehaviour, type ScopedBreakage } from './misbehaviour.js';

/** Whether breakage `name` applies (to `call`, for breakages scoped to calls). */
export type BreakageTest = (name: ScopedBreakage, call?: CallInfo) => boolean;

export type Map_ = Record<string, unknown>;

export const isMap = (value: unknown): value is Map_ =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

export function decodeAny(payload: Uint8Array | undefined): { value: unknown } | undefined {
  if (payload === undefined) return undefined;
  try {
    return { value: defaultCodec.decodeValue(payload) };
  } catch {
    return undefined;
  }
}

export function decode(payload: Uint8Array | undefined): Map_ | undefined {
  const decoded = decodeAny(payload);
  return decoded !== undefined && isMap(decoded.value) ? decoded.value : undefined;
}

export function holdsIntegerAtLeast(value: unknown, limit: number, depth = 0): boolean {
  if (depth > 32) return false;
  if (typeof value === 'number') return Number.isInteger(value) && value >= limit;
  if (typeof value === 'bigint') return value >= BigInt(limit);
  if (Array.isArray(value)) return value.some((v) => holdsIntegerAtLeast(v, limit, depth + 1));
  if (isMap(value)) return Object.values(value).some((v) => holdsIntegerAtLeast(v, limit, depth + 1));
  return false;
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
export const KNOWN_TYPES = new Set(['call', 'response', 'error', 'stdout', 'stderr', 'heartbeat', 'shutdown']);
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

/** A nil value made the float64 NaN: what a port that sends non-finite numbers as they are echoes. */
const nilAsNaN: ValueRewrite = (v) =>
  v[0] === 0xc0 ? { head: Buffer.from('cb7ff8000000000000', 'hex'), replaces: 1 } : undefined;

/**
 * Results outside the portable set that a port in another language may send (MF-VAL-14): a map with the
 * integer key 1, nested; an extension value (type 5, a size with no fixext form: ext 8), nested in a map.
 */
const UNPORTABLE_RESULTS: Partial<Record<ScopedBreakage, WireValue>> = {
  'result-integer-key': wire.array([wire.map([[wire.int(1), wire.str('one')]])]),
  'result-extension': wire.array([wire.int(1), wire.map([['v', wire.ext(5, Buffer.from([1, 2, 3]))]])]),
};

/** A nil value made `value` (the result's nil stands in for it while the codec encodes the reply). */
const nilAs =
  (value: WireValue): ValueRewrite =>
  (v) =>
    v[0] === 0xc0 ? { head: writeWire(value), replaces: 1 } : undefined;

/** Whether `value` holds NaN or an infinity at any depth. */
function holdsNonFinite(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some((v) => holdsNonFinite(v, depth + 1));
  if (isMap(value)) return Object.values(value).some((v) => holdsNonFinite(v, depth + 1));
  return false;
}

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
export function decodeWithTrailingBytes(payload: Uint8Array): Uint8Array | undefined {
  for (let cut = 1; cut <= 16 && cut < payload.byteLength; cut++) {
    const prefix = payload.subarray(0, payload.byteLength - cut);
    if (decode(prefix) !== undefined) return prefix;
  }
  return undefined;
}

/** The reply a breakage sends in the worker's place, or undefined to let the worker serve the CALL. */
export function breakageRefusal(
  message: Map_,
  call: CallInfo,
  how: Misbehaviour,
  active: BreakageTest,
): Map_ | undefined {
  const fn = call.function;
  if (message['function'] === undefined && active('no-function-answered', call))
    return { type: 'response', result: null };
  if (fn !== undefined) {
    const callable =
      (fn.startsWith('_') && (how.privateCallable === true || active('private-callable', call))) ||
      (LIFECYCLE_NAMES.has(fn) && active('lifecycle-callable', call)) ||
      (BASE_NAMES.has(fn) && active('base-names-callable', call));
    if (callable) return { type: 'response', result: `called ${fn}` };
  }
  if (active('unknown-field-error', call)) {
    const unknown = Object.keys(message).find((key) => !CALL_FIELDS.has(key));
    if (unknown !== undefined) return { type: 'error', error: `unknown field '${unknown}'` };
  }
  if (Object.hasOwn(message, 'clientName') && active('reject-camel-client-name', call))
    return { type: 'error', error: "unknown field 'clientName'" };
  return undefined;
}

/** Applies the reply breakages to a RESPONSE or ERROR; returns its payload. */
export function rewriteReply(
  message: Map_,
  payload: Uint8Array,
  call: CallInfo | undefined,
  how: Misbehaviour,
  active: BreakageTest,
): Uint8Array {
  const reply = { ...message };
  const on = (name: ScopedBreakage): boolean => active(name, call);
  const type = reply['type'];
  if (type === 'response' && reply['result'] === null && (how.voidWithoutResult === true || on('void-without-result')))
    delete reply['result'];
  if (type === 'response' && on('wrong-result'))
    reply['result'] = typeof reply['result'] === 'string' ? `${reply['result']}-wrong` : 'wrong';
  if (type === 'response' && on('nested-empty-str-as-nil')) reply['result'] = nestedEmptyStringsNil(reply['result'], 0);
  if (type === 'response' && on('rename-proto-key')) reply['result'] = protoKeysRenamed(reply['result']);
  if (type === 'response' && call?.function === 'listFunctions' && Array.isArray(reply['result']) && on('list-private'))
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
  const unportable = (Object.keys(UNPORTABLE_RESULTS) as ScopedBreakage[]).find((name) => on(name));
  if (type === 'response' && unportable !== undefined) reply['result'] = null;
  if (on('reply-unknown-fields')) {
    reply['x_trace'] = { span: 'kit', hops: [1, 2] };
    reply['priority'] = 7;
  }
  if (type === 'error' && on('generic-error')) reply['error'] = 'internal error';
  if (type === 'error' && on('no-traceback')) delete reply['traceback'];
  if (on('timestamp-ms') && typeof reply['timestamp'] === 'number') reply['timestamp'] = reply['timestamp'] * 1000;
  if (on('misspelled-app') && typeof reply['app'] === 'string') reply['app'] = reply['app'].replaceAll('_', '-');
  if (on('other-profile-reply')) reply['app'] = reply['app'] === PROFILES.v3.app ? PROFILES.v4.app : PROFILES.v3.app;
  const wrongId =
    how.wrongId === true || (how.wrongId !== undefined && how.wrongId === call?.function) || on('wrong-id');
  if (wrongId && typeof reply['id'] === 'string') reply['id'] = `${reply['id']}-wrong`;
  const changed =
    Object.keys(reply).length !== Object.keys(message).length ||
    Object.keys(reply).some((key) => reply[key] !== message[key]);
  let out = changed ? defaultCodec.encode(reply) : payload;
  if (type === 'response') {
    for (const [name, rewrite] of Object.entries(VALUE_REWRITES) as Array<[ScopedBreakage, ValueRewrite]>)
      if (on(name)) out = rewriteResult(out, rewrite);
    if (on('non-finite-as-float') && holdsNonFinite(call?.args)) out = rewriteResult(out, nilAsNaN);
    if (unportable !== undefined) out = rewriteResult(out, nilAs(UNPORTABLE_RESULTS[unportable]!));
  }
  return out;
}
