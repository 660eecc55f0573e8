/**
 * The payload codec: the ONLY module that configures msgpackr.
 *
 * Encoding sanitises (sanitize.ts) and writes canonical msgpack: the smallest format for every integer,
 * string, bin, array and map header, uint formats for non-negative integers, float64 for every float,
 * no extension types, map keys in insertion order. These are the bytes Python `msgpack`, Rust `rmp` and
 * Go `vmihailenco/msgpack` produce, pinned by the golden vectors in fixtures/vectors/. The common messages
 * (plain objects and arrays of strings, numbers, booleans and null, up to 128 KiB encoded) take
 * flat-encode.ts instead, which writes the same bytes without the walk or msgpackr; everything else goes
 * through sanitize.ts and msgpackr.
 *
 * Decoding is strict: the size limit is checked before decoding, the payload must hold exactly one
 * msgpack value, and extension types are refused. Every failure is a {@link DecodeError}.
 * A map key `__proto__` is kept as an own property (MF-VAL-11); {@link Codec.decodeUnportable} decodes
 * the rare payloads that hold values outside the portable set so that a CALL carrying one can be refused
 * with an ERROR (MF-VAL-12, MF-VAL-13).
 * @see MF-VAL-1 .. MF-VAL-13, MF-MSG-10, MF-FRAME-5, MF-SEC-3
 */
import { isAscii } from 'node:buffer';
import type { Options, Packr as PackrInstance, Unpackr as UnpackrInstance } from 'msgpackr';
import { DecodeError, EncodeError, InvalidArgumentError, PayloadTooLargeError } from '../errors.js';
import { encodeFlat } from './flat-encode.js';
import { firstValueLength } from './msgpack-length.js';
import { loadMsgpackr } from './msgpackr-loader.js';
import { MAY_HOLD_PROTO_KEY, MAY_HOLD_TWO_TO_53, rareBytes } from './rare-bytes.js';
import { prepareForWire } from './sanitize.js';
import { describeKey, firstNonStringTopLevelKey, firstUnportable } from './unportable.js';
import { repairInvalidUtf8 } from './utf8-repair.js';
import { WideInteger } from './wide-integer.js';

/**
 * msgpackr through require() (msgpackr-loader.ts): its CommonJS build is one file, which loads several
 * milliseconds faster than its ES module files, and worker start-up is measured; its native string
 * extractor loads on first use. It also keeps our global extension registrations off the msgpackr
 * instance an application imports as a module.
 */
const { C1, Packr, Unpackr, addExtension, isNativeAccelerationEnabled: nativeStrings } = loadMsgpackr();

/** Default payload size limit: 16 MiB. @see MF-MSG-10 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** Options shared by both directions. Every msgpackr option that matters is written out. */
const COMMON_OPTIONS: Options = {
  // Records (msgpackr's 0xd4 0x72 structure definitions) are a msgpackr-only extension no peer understands.
  useRecords: false,
  // moreTypes would send Set, Error, RegExp and typed arrays as extension types; the protocol has none.
  moreTypes: false,
  // structuredClone adds reference/cycle extensions (0x70 'p', 0x69 'i'); sanitisation rejects cycles instead.
  structuredClone: false,
  // Bundled strings are an extension (0x62 'b') that only msgpackr reads.
  bundleStrings: false,
  // Never float32: MF-VAL-2/MF-VAL-10 want every float as float64 (0xcb) and bit-exact round trips.
  useFloat32: 0,
  // Map keys stay strings on both sides; never turn "1" into the integer 1.
  coercibleKeyAsNumber: false,
  // Decoded maps are plain objects (the message model reads fields directly); keys stay in wire order.
  mapsAsObjects: true,
  // Each message is decoded on its own, not as a stream of values sharing state.
  sequential: false,
};

const PACK_OPTIONS: Options = {
  ...COMMON_OPTIONS,
  // The default writes every object with a map16 header (0xde) and patches the size afterwards; the
  // canonical encoding (and every peer) uses fixmap below 16 entries.
  variableMapSize: true,
  // Sanitisation already turns undefined into an omission (object) or nil (array); this is the safety
  // net so msgpackr never writes its fixext "undefined" (0xd4 0x00 0x00).
  encodeUndefinedAsNil: true,
  // Out-of-range bigints are an EncodeError raised by sanitisation, never a float, string or extension.
  largeBigIntToFloat: false,
  largeBigIntToString: false,
  useBigIntExtension: false,
  // Dates never reach msgpackr (sanitisation sends them as ISO strings); keep the timestamp extension off anyway.
  useTimestamp32: false,
  // Map and Set are sanitised before packing; if one ever slipped through it must keep its content.
  mapAsEmptyObject: false,
  setAsEmptyObject: false,
};

/** msgpackr supports int64AsType 'auto' (since 1.9) but its typings do not list it yet. */
type UnpackOptions = Omit<Options, 'int64AsType'> & { int64AsType: 'auto' | 'bigint' };

const UNPACK_OPTIONS: UnpackOptions = {
  ...COMMON_OPTIONS,
  // int64/uint64 become numbers up to 2^53 and bigints beyond; see decodeValue for the exact ±2^53 rule.
  int64AsType: 'auto',
  // bin decodes to a copy, so a decoded Buffer never aliases (and pins) the receive buffer.
  copyBuffers: true,
};

/**
 * A msgpack extension value, kept as it arrived, by {@link Codec.decodeUnportable} only (every other decode
 * refuses extension types). Its only use is to answer a CALL that carries one with an ERROR (MF-VAL-12).
 */
class ForeignExtensionValue {
  constructor(
    /** The extension type, -128..127. */
    readonly type: number,
    readonly data: Buffer,
  ) {}
}

/**
 * msgpackr's extensions are global to the msgpackr module, and a process can hold two copies of this
 * codec (the bundled entry points beside the compiled modules the kit loads, see errors.ts): the copy that
 * registers last decodes extensions for both. So the state those functions read, and the class of the
 * values they make, are kept once per process under a registered symbol; each copy registers its own
 * functions over them, and it does not matter whose are current.
 */
interface ExtensionState {
  /** True only inside {@link Codec.decodeUnportable}: extension types then decode to ForeignExtension. */
  asValues: boolean;
  readonly ForeignExtension: typeof ForeignExtensionValue;
}

const EXTENSION_STATE = Symbol.for('multifrost-conform.msgpack-extensions');

/**
 * Every copy registers its own WideInteger class for packing (msgpackr keeps a list of extension classes),
 * then the decode side of all 256 types again, over the shared state (a registration without `unpack`
 * replaces its type's decoder, so 0x49 must be registered again after WideInteger's).
 */
function installExtensions(): void {
  if (extensionsInstalled) return;
  extensionsInstalled = true;
  const state = extensions;
  addExtension({
    Class: WideInteger,
    // Only identifies the registration: the pack function below writes a plain integer, not an extension.
    type: 0x49,
    pack(
      value: WideInteger,
      allocate: (size: number) => { target: Uint8Array; targetView: DataView; position: number },
    ) {
      const { target, targetView, position } = allocate(9);
      value.writeTo(targetView, target, position);
    },
  } as unknown as Parameters<typeof addExtension>[0]);
  // No extension type is part of the protocol (MF-VAL-6): refuse all of them on decode instead of
  // producing msgpackr's Date, Set, Error, undefined or reference values.
  for (let type = 0; type < 256; type++) {
    addExtension({
      type,
      unpack: (data: Buffer) => {
        const signed = type > 127 ? type - 256 : type;
        if (state.asValues) return new state.ForeignExtension(signed, Buffer.from(data));
        throw new DecodeError('not-msgpack', `msgpack extension type ${signed} is not part of the protocol`);
      },
    });
  }
}

const extensions = ((globalThis as { [EXTENSION_STATE]?: ExtensionState })[EXTENSION_STATE] ??= {
  asValues: false,
  ForeignExtension: ForeignExtensionValue,
});
/** Registered by the first Codec of this copy (see installExtensions). */
let extensionsInstalled = false;

/** The class of the extension values {@link Codec.decodeUnportable} gives (one per process). */
export const ForeignExtension: typeof ForeignExtensionValue = extensions.ForeignExtension;
export type ForeignExtension = ForeignExtensionValue;

/** Options for {@link Codec}. */
export interface CodecOptions {
  /** Largest payload encoded or decoded, in bytes. Default 16 MiB ({@link DEFAULT_MAX_PAYLOAD_BYTES}). */
  maxPayloadBytes?: number;
}

/** Encodes messages to canonical msgpack and decodes payloads strictly. Stateless between calls. */
export class Codec {
  /** The payload size limit in bytes. @see MF-MSG-10 */
  readonly maxPayloadBytes: number;
  readonly #packr: PackrInstance;
  readonly #unpackr: UnpackrInstance;
  /** Used only for payloads holding an integer of magnitude 2^53 (bigints for every 64-bit integer); made on first use. */
  #exactUnpackr: UnpackrInstance | undefined;
  /** Used only for payloads holding the bytes `__proto__` (maps as Maps, every 64-bit integer a bigint); made on first use. */
  #keyedUnpackr: UnpackrInstance | undefined;

  constructor(options: CodecOptions = {}) {
    const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isSafeInteger(max) || max <= 0)
      throw new InvalidArgumentError('maxPayloadBytes', `must be a positive integer, got ${max}`);
    this.maxPayloadBytes = max;
    installExtensions();
    this.#packr = new Packr(PACK_OPTIONS);
    this.#unpackr = new Unpackr(UNPACK_OPTIONS as Options);
  }

  /**
   * Sanitises and encodes one message (any value, in fact) to canonical msgpack.
   * The returned Buffer is owned by the caller.
   * @throws EncodeError for a value that cannot be sent (with its path); PayloadTooLargeError when the
   *   encoding exceeds {@link maxPayloadBytes}.
   * @see MF-VAL-1 .. MF-VAL-10, MF-MSG-10
   */
  encode(message: object): Buffer {
    let flat: Buffer | undefined;
    try {
      flat = encodeFlat(message);
    } catch (error) {
      // A throwing getter or proxy trap: the error the sanitising walk gives for it.
      throw new EncodeError('$', 'the value could not be read', { cause: error });
    }
    if (flat !== undefined) {
      if (flat.length > this.maxPayloadBytes) throw new PayloadTooLargeError(flat.length, this.maxPayloadBytes);
      return flat;
    }
    const prepared = prepareForWire(message);
    let bytes: Buffer;
    try {
      bytes = this.#packr.pack(prepared);
    } catch (error) {
      throw new EncodeError('$', 'msgpack encoding failed', { cause: error });
    }
    if (bytes.length > this.maxPayloadBytes) throw new PayloadTooLargeError(bytes.length, this.maxPayloadBytes);
    return bytes;
  }

  /**
   * Decodes exactly one msgpack value. Maps become plain objects whose keys are exactly the wire's (a key
   * `__proto__` is an own data property, never the object's prototype; see {@link decodeKeepingKeys}), bin becomes a Buffer, 64-bit integers become numbers
   * when safe (|n| <= 2^53 - 1) and bigints otherwise (MF-VAL-4). A nested 0xc1 byte (never used by
   * msgpack) decodes to an opaque object that no message field accepts (a top-level one is refused).
   * Invalid UTF-8 inside a `str` is decoded with U+FFFD in its place (as TextDecoder does), not refused.
   * @throws DecodeError: `too-large` (checked before decoding), `not-msgpack` (empty, truncated or invalid
   *   bytes, extension types), `trailing-bytes` (bytes after the first value).
   */
  decodeValue(bytes: Uint8Array): unknown {
    const source = this.#source(bytes);
    const value = unpackStrict(this.#unpackr, source);
    if (value === C1) throw new DecodeError('not-msgpack', 'the byte 0xc1 is never used by msgpack');
    const rare = rareBytes(source);
    if (rare === 0) return value;
    // A map key `__proto__` needs maps decoded as Maps, then copied: msgpackr renames the key.
    if ((rare & MAY_HOLD_PROTO_KEY) !== 0) {
      this.#keyedUnpackr ??= new Unpackr({ ...UNPACK_OPTIONS, mapsAsObjects: false, int64AsType: 'bigint' } as Options);
      return decodeKeepingKeys(unpackStrict(this.#keyedUnpackr, source));
    }
    // msgpackr's 'auto' mode gives a number for ±2^53 too, which is not a safe integer: decode again exactly.
    if ((rare & MAY_HOLD_TWO_TO_53) !== 0) {
      this.#exactUnpackr ??= new Unpackr({ ...UNPACK_OPTIONS, int64AsType: 'bigint' } as Options);
      return exactIntegers(unpackStrict(this.#exactUnpackr, source));
    }
    return value;
  }

  /** The size checks, and the bytes msgpackr reads (with invalid UTF-8 repaired when needed). */
  #source(bytes: Uint8Array): Buffer {
    if (bytes.byteLength > this.maxPayloadBytes) {
      throw new DecodeError(
        'too-large',
        `payload of ${bytes.byteLength} bytes exceeds the limit of ${this.maxPayloadBytes} bytes`,
      );
    }
    if (bytes.byteLength === 0) throw new DecodeError('not-msgpack', 'empty payload');
    // msgpackr decodes bin as the input's class: a Buffer input makes bin a Buffer (MF-VAL-5).
    const wire = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Without msgpackr's native extractor its short-string decoder needs valid UTF-8 (utf8-repair.ts); an
    // all-ASCII payload, the usual case, is ruled out with one native check.
    return nativeStrings || isAscii(wire) ? wire : (repairInvalidUtf8(wire) ?? wire);
  }

  /**
   * Decodes a payload that may hold values outside the portable set, to say which (the receiver answers a
   * CALL carrying one with an ERROR rather than drop it or change it, MF-VAL-11, MF-VAL-12). The value is
   * shaped as {@link decodeValue} gives it, except that an extension type is a {@link ForeignExtension} and
   * a map key with no string form (an array or map) is rendered as text; `unportable` describes the first
   * value outside the portable set with its path (`$.args[0]`), or is undefined when there is none;
   * `topLevelKey` describes the first key of the top-level map that is not a string (the payload is then no
   * message, MF-MSG-1). Slow (maps are decoded as Maps first): for the rare payloads that need it.
   * @throws DecodeError as {@link decodeValue} does, except for extension types.
   */
  decodeUnportable(bytes: Uint8Array): {
    value: unknown;
    unportable: string | undefined;
    topLevelKey: string | undefined;
  } {
    const source = this.#source(bytes);
    this.#keyedUnpackr ??= new Unpackr({ ...UNPACK_OPTIONS, mapsAsObjects: false, int64AsType: 'bigint' } as Options);
    let raw: unknown;
    extensions.asValues = true;
    try {
      raw = unpackStrict(this.#keyedUnpackr, source);
    } finally {
      extensions.asValues = false;
    }
    if (raw === C1) throw new DecodeError('not-msgpack', 'the byte 0xc1 is never used by msgpack');
    const unportable = firstUnportable(raw);
    return { value: decodeKeepingKeys(raw, true), unportable, topLevelKey: firstNonStringTopLevelKey(raw) };
  }
}

function unpackStrict(unpackr: UnpackrInstance, source: Buffer): unknown {
  try {
    return unpackr.unpack(source);
  } catch (error) {
    throw classifyFailure(unpackr, source, error);
  }
}

/** The DecodeError for a failed unpack: trailing-bytes when a complete value is followed by more bytes. */
function classifyFailure(unpackr: UnpackrInstance, source: Buffer, error: unknown): DecodeError {
  if (error instanceof DecodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // msgpackr signals bytes after the first value with this message (pinned by a unit test); but it reads
  // strings ahead, so trailing bytes that look like a string header can fail it earlier: check directly.
  if (message.startsWith('Data read, but end of buffer not reached') || completeValueThenMore(unpackr, source)) {
    return new DecodeError('trailing-bytes', 'bytes after the first msgpack value', undefined, { cause: error });
  }
  return new DecodeError('not-msgpack', `not a msgpack value: ${message.slice(0, 200)}`, undefined, { cause: error });
}

function completeValueThenMore(unpackr: UnpackrInstance, source: Buffer): boolean {
  const length = firstValueLength(source);
  if (length === undefined || length >= source.length) return false;
  try {
    unpackr.unpack(source.subarray(0, length));
    return true;
  } catch {
    return false;
  }
}

/** Turns the bigints of an all-bigint decode back into numbers where they are safe integers. */
function exactIntegers(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = exactIntegers(value[i]);
  } else if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = exactIntegers(record[key]);
  }
  return value;
}

/**
 * The value of a decode with maps as Maps and 64-bit integers as bigints, in the shape of the ordinary
 * decode: each Map becomes a plain object in wire order whose keys are the wire's own (a key `__proto__`
 * is defined as an own data property, so no prototype is ever set or reached), and each bigint a number
 * when it is a safe integer (MF-VAL-4). A non-string key becomes its string form, as msgpackr's object
 * decode gives it (number, boolean, bigint, nil); an array or map key is refused, as there.
 * A later duplicate key wins, as in the ordinary decode.
 * @throws DecodeError `not-msgpack` for a key that has no string form.
 */
function decodeKeepingKeys(value: unknown, anyKey = false): unknown {
  if (typeof value === 'bigint') {
    return value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeKeepingKeys(value[i], anyKey);
    return value;
  }
  if (!(value instanceof Map)) return value;
  const record: Record<string, unknown> = {};
  for (const [key, item] of value as Map<unknown, unknown>) {
    const name = keyText(key, anyKey);
    const decoded = decodeKeepingKeys(item, anyKey);
    if (name === '__proto__')
      Object.defineProperty(record, name, { value: decoded, enumerable: true, writable: true, configurable: true });
    else record[name] = decoded;
  }
  return record;
}

/** A decoded map key as msgpackr's object decode names it; with `anyKey`, an array or map key too (as text). */
function keyText(key: unknown, anyKey = false): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'boolean' || typeof key === 'bigint') return String(key);
  if (key === null || key === undefined) return String(key);
  if (anyKey) return describeKey(key);
  throw new DecodeError(
    'not-msgpack',
    `a map key of type ${Array.isArray(key) ? 'array' : typeof key} has no string form`,
  );
}

/** The shared codec with the default limit (16 MiB). */
export const defaultCodec: Codec = new Codec();
