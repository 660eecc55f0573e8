/**
 * The codec's fast path for the common message shapes (a CALL of `add(1, 2)`, a RESPONSE with an array of
 * 1,000 floats or a 10 KB string): the sanitisation check and canonical msgpack in one pass, without the
 * sanitising walk or msgpackr.
 *
 * It handles exactly the values whose sanitised form is themselves, modulo numbers (written as the walk
 * would have them written): plain objects of at most 15 entries (fixmap) with well-formed string keys, plain
 * arrays of any length, nested up to {@link MAX_DEPTH} containers, whose leaves are well-formed strings,
 * numbers, booleans and null, in an encoding of at most one slab (128 KiB). Anything else (`undefined`,
 * which sanitisation omits; bigints, binary, class instances, lone surrogates, array holes, a cycle, a
 * polluted Object.prototype, a larger encoding) returns undefined and the caller takes the general path
 * (sanitize.ts + msgpackr), which reads the properties again.
 *
 * The bytes are the ones the general path writes (pinned by harness tests against an independent reference
 * encoder): positive fixint / uint8 / uint16 / uint32 / uint64 for non-negative integers (-0 as 0x00),
 * negative fixint / int8 / int16 / int32 / int64 for negative ones, nil for NaN and the infinities (MF-VAL-1),
 * float64 for every other number (integers at or beyond 2^63 too, as msgpackr writes them), fixstr / str8 /
 * str16 / str32 for strings, fixarray / array16 / array32 and fixmap headers.
 * @see MF-VAL-1 .. MF-VAL-10
 */

/** Most entries of a map handled here: the fixmap format, whose header is written once the count is known. */
const MAX_ENTRIES = 15;
/** Deepest container nesting handled here; deeper values (and cycles) go to the general path, which names them. */
const MAX_DEPTH = 64;
/** Strings shorter than this are checked and copied in JavaScript when ASCII; others by Buffer's UTF-8 writer. */
const SHORT_STRING = 64;
/** The buffer the encodings are cut from; an encoding that does not fit one goes to the general path. */
const SLAB_BYTES = 128 * 1024;
/** A fresh slab is taken when less than this is left, rather than trying and redoing most encodings. */
const MIN_ROOM = 4 * 1024;

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;

let slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
let slabPosition = 0;

/** Where the writers continue. */
let position = 0;
/** Set when a write found no room left in the slab (as opposed to a value this path does not handle). */
let overflow = false;
/** True while an encoding runs: a getter inside the value that encodes another one gets the general path. */
let busy = false;

/**
 * Own-property test for the for-in loops below. for-in also visits enumerable properties inherited from a
 * polluted Object.prototype; checking each key (a few nanoseconds) is much cheaper than asking up front
 * whether the prototype has any (a for-in over Object.prototype, which V8 cannot serve from a cache).
 */
const hasOwn = Object.hasOwn;

// ES2024 string method (Node >= 20); the ES2023 lib in tsconfig does not declare it yet.
interface WellFormedString {
  isWellFormed(): boolean;
}

/**
 * The canonical encoding of `value` when it is a plain object of the shapes described in the module
 * comment, else undefined. The Buffer is a view of a shared slab that is never written again (owned by the
 * caller). May throw whatever a getter or proxy trap of `value` throws.
 */
export function encodeFlat(value: unknown): Buffer | undefined {
  if (typeof value !== 'object' || value === null || busy || Object.getPrototypeOf(value) !== Object.prototype)
    return undefined;
  busy = true;
  try {
    if (slab.length - slabPosition < MIN_ROOM) freshSlab();
    let bytes = encodeTop(value as Record<string, unknown>);
    // Did not fit what was left of the slab: once more on a whole slab (an encoding larger than that is
    // rare, and msgpackr grows its buffer for it).
    if (bytes === undefined && overflow && slabPosition !== 0) {
      freshSlab();
      bytes = encodeTop(value as Record<string, unknown>);
    }
    return bytes;
  } finally {
    busy = false;
  }
}

function freshSlab(): void {
  slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  slabView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
  slabPosition = 0;
}

function encodeTop(record: Record<string, unknown>): Buffer | undefined {
  const start = slabPosition;
  position = start;
  overflow = false;
  // Bytes written before a value turns out not to be handled are simply not committed (slabPosition stays):
  // one pass, each property read once, and the general path starts from scratch.
  if (!writeRecord(record, 1)) return undefined;
  slabPosition = position;
  return slab.subarray(start, position);
}

/** True when `bytes` more fit in the slab; otherwise notes the overflow. */
function room(bytes: number): boolean {
  if (position + bytes <= slab.length) return true;
  overflow = true;
  return false;
}

function writeRecord(record: Record<string, unknown>, depth: number): boolean {
  if (!room(1)) return false;
  const header = position++;
  let entries = 0;
  for (const key in record) {
    if (++entries > MAX_ENTRIES || !hasOwn(record, key) || !writeKey(key)) return false;
    if (!writeValue(record[key], depth)) return false;
  }
  slab[header] = 0x80 | entries;
  return true;
}

function writeValue(item: unknown, depth: number): boolean {
  switch (typeof item) {
    case 'string':
      return writeString(item);
    case 'number':
      return writeNumber(item);
    case 'boolean':
      if (!room(1)) return false;
      slab[position++] = item ? 0xc3 : 0xc2;
      return true;
    case 'object':
      if (item === null) {
        if (!room(1)) return false;
        slab[position++] = 0xc0;
        return true;
      }
      return writeContainer(item, depth + 1);
    default:
      return false;
  }
}

function writeContainer(item: object, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const proto: unknown = Object.getPrototypeOf(item);
  if (proto === Object.prototype) return writeRecord(item as Record<string, unknown>, depth);
  if (proto === Array.prototype) return writeArray(item as readonly unknown[], depth);
  return false;
}

function writeArray(array: readonly unknown[], depth: number): boolean {
  const length = array.length;
  if (!room(5)) return false;
  if (length < 16) slab[position++] = 0x90 | length;
  else if (length < 0x10000) {
    slab[position++] = 0xdc;
    slabView.setUint16(position, length);
    position += 2;
  } else {
    slab[position++] = 0xdd;
    slabView.setUint32(position, length);
    position += 4;
  }
  let i = 0;
  const first = array[0];
  if (length >= FLOAT_RUN_MIN_LENGTH && typeof first === 'number' && Math.floor(first) !== first)
    i = writeFloatRun(array);
  for (; i < length; i++) {
    if (!writeValue(array[i], depth)) return false;
  }
  return true;
}

/** Arrays at least this long that start with a float get the dedicated loop below. */
const FLOAT_RUN_MIN_LENGTH = 8;

/**
 * Writes the leading finite non-integral numbers of `array` as float64 and returns how many it wrote. A
 * separate function on purpose: its element load only ever sees float arrays, so V8 reads unboxed doubles,
 * where the general loop sees every kind of array and would box each one.
 */
function writeFloatRun(array: readonly unknown[]): number {
  const length = array.length;
  const view = slabView;
  const target = slab;
  const limit = slab.length - 9;
  let at = position;
  let i = 0;
  for (; i < length && at <= limit; i++) {
    const item = array[i];
    if (typeof item !== 'number' || Math.floor(item) === item || item !== item) break;
    target[at] = 0xcb;
    view.setFloat64(at + 1, item);
    at += 9;
  }
  position = at;
  return i;
}

function writeNumber(n: number): boolean {
  if (!room(9)) return false;
  if (n >>> 0 === n) {
    // Also -0, written as 0x00 (MF-VAL-10).
    if (n < 0x80) slab[position++] = n;
    else if (n < 0x100) {
      slab[position++] = 0xcc;
      slab[position++] = n;
    } else if (n < 0x10000) {
      slab[position++] = 0xcd;
      slab[position++] = n >> 8;
      slab[position++] = n & 0xff;
    } else {
      slab[position++] = 0xce;
      slabView.setUint32(position, n);
      position += 4;
    }
    return true;
  }
  if (n >> 0 === n) {
    if (n >= -0x20) slab[position++] = 0x100 + n;
    else if (n >= -0x80) {
      slab[position++] = 0xd0;
      slab[position++] = n + 0x100;
    } else if (n >= -0x8000) {
      slab[position++] = 0xd1;
      slabView.setInt16(position, n);
      position += 2;
    } else {
      slab[position++] = 0xd2;
      slabView.setInt32(position, n);
      position += 4;
    }
    return true;
  }
  if (n !== n || n === Infinity || n === -Infinity) {
    slab[position++] = 0xc0; // MF-VAL-1
    return true;
  }
  if (Math.floor(n) === n && n >= -TWO_63 && n < TWO_63) {
    writeWideInteger(n);
    return true;
  }
  slab[position++] = 0xcb;
  slabView.setFloat64(position, n);
  position += 8;
  return true;
}

/** An integral number beyond the 32-bit ranges, within int64: uint64 when positive, int64 when negative (MF-VAL-2). */
function writeWideInteger(n: number): void {
  // An integral double splits exactly into 32-bit halves; Math.floor keeps two's complement for negatives.
  const high = Math.floor(n / TWO_32);
  const low = n - high * TWO_32;
  if (n < 0) {
    slab[position] = 0xd3;
    slabView.setInt32(position + 1, high);
  } else {
    slab[position] = 0xcf;
    slabView.setUint32(position + 1, high);
  }
  slabView.setUint32(position + 5, low);
  position += 9;
}

/**
 * A map key: as a value, but only when well-formed. Sanitisation turns each lone surrogate into U+FFFD, which
 * can make two keys one (the general path keeps the later entry): such records take the general path.
 */
function writeKey(key: string): boolean {
  return (
    (key.length < SHORT_STRING && writeAscii(key, key.length)) || (!overflow && isWellFormed(key) && writeString(key))
  );
}

function isWellFormed(text: string): boolean {
  return (text as unknown as WellFormedString).isWellFormed();
}

/**
 * A string value. Buffer's UTF-8 writer puts U+FFFD in place of each lone surrogate, the bytes sanitisation
 * gives (MF-VAL-9), so no well-formedness check is needed. The header is first sized by the string's length
 * (its UTF-8 length is at least that), and the bytes are moved on in the rare case a non-ASCII string needs a
 * longer header: one pass over the string instead of a length count and a write.
 */
function writeString(text: string): boolean {
  const length = text.length;
  if (length < SHORT_STRING && writeAscii(text, length)) return true;
  if (overflow) return false;
  let at = position + strHeaderSize(length);
  let bytes: number;
  // The header grows by at most 2 bytes over the guess (a body of at most 3 bytes per UTF-16 unit).
  if (room(at - position + 2 + length * 3)) bytes = slab.write(text, at, 'utf8');
  else {
    // No room for the worst case: count the bytes, and write when the real size fits.
    overflow = false;
    bytes = Buffer.byteLength(text, 'utf8');
    at = position + strHeaderSize(bytes);
    if (!room(at - position + bytes)) return false;
    slab.write(text, at, bytes, 'utf8');
  }
  const header = strHeaderSize(bytes);
  if (position + header !== at) slab.copyWithin(position + header, at, at + bytes);
  if (header === 1) slab[position] = 0xa0 | bytes;
  else if (header === 2) {
    slab[position] = 0xd9;
    slab[position + 1] = bytes;
  } else if (header === 3) {
    slab[position] = 0xda;
    slabView.setUint16(position + 1, bytes);
  } else {
    slab[position] = 0xdb;
    slabView.setUint32(position + 1, bytes);
  }
  position += header + bytes;
  return true;
}

/** Size of the str header for a body of `bytes` bytes: fixstr, str8, str16, str32. */
function strHeaderSize(bytes: number): number {
  return bytes < 0x20 ? 1 : bytes < 0x100 ? 2 : bytes < 0x10000 ? 3 : 5;
}

/** Writes a short string when it is all ASCII (then its length is its byte count); false, writing nothing, otherwise. */
function writeAscii(text: string, length: number): boolean {
  if (!room(2 + length)) return false;
  let at = position + (length < 0x20 ? 1 : 2);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return false;
    slab[at++] = code;
  }
  if (length < 0x20) slab[position] = 0xa0 | length;
  else {
    slab[position] = 0xd9;
    slab[position + 1] = length;
  }
  position = at;
  return true;
}
