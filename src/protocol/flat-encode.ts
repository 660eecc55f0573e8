/**
 * The codec's fast path for small, flat messages (a CALL of `add(1, 2)`, a RESPONSE with a scalar result):
 * sanitisation check and canonical msgpack in one pass, without msgpackr.
 *
 * It handles exactly the values for which sanitisation changes nothing and whose canonical bytes are
 * simple: a plain object of at most 15 entries (fixmap) whose keys are ASCII strings of at most 255
 * characters, and whose values are ASCII strings of at most 255 characters, 32-bit integers, finite
 * non-integral numbers, booleans, null, or plain arrays of at most 15 such scalars (fixarray). Anything
 * else (including `undefined`, which sanitisation omits) returns undefined and the caller takes the general
 * path (sanitize.ts + msgpackr), which reads the properties again.
 *
 * The bytes are the ones msgpackr writes with the codec's options (pinned by harness tests that compare
 * both paths): positive fixint / uint8 / uint16 / uint32 for non-negative integers (-0 as 0x00), negative
 * fixint / int8 / int16 / int32 for negative ones, float64 for every other number, fixstr / str8 for
 * strings. ASCII strings are well-formed UTF-16, so no lone-surrogate check is needed.
 * @see MF-VAL-1 .. MF-VAL-10
 */

/** Most entries of a map (and elements of an array) handled here: the fix formats. */
const MAX_ENTRIES = 15;
/** Longest key or string value handled here, in characters (ASCII: also bytes): fixstr or str8. */
const MAX_STRING = 255;
/** Upper bound of one encoding: 15 entries of (key 2+255 bytes, value at most 1 + 15 * (2+255) bytes), plus the map header. */
const MAX_BYTES = 1 + MAX_ENTRIES * (2 + MAX_STRING + 1 + MAX_ENTRIES * (2 + MAX_STRING));
/** The buffer the encodings are cut from; a fresh one when less than MAX_BYTES is left (as msgpackr does with its own). */
const SLAB_BYTES = 128 * 1024;

let slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
let slabPosition = 0;

/** Where the writers continue. */
let position = 0;
/** True while an encoding runs: a getter inside the value that encodes another one gets the general path. */
let busy = false;

/**
 * Own-property test for the for-in loops below. for-in also visits enumerable properties inherited from a
 * polluted Object.prototype; checking each key (a few nanoseconds) is much cheaper than asking up front
 * whether the prototype has any (a for-in over Object.prototype, which V8 cannot serve from a cache).
 */
const hasOwn = Object.hasOwn;

/**
 * The canonical encoding of `value` when it is a flat message as described in the module comment, else
 * undefined. The Buffer is a view of a shared slab that is never written again (owned by the caller).
 * May throw whatever a getter or proxy trap of `value` throws.
 */
export function encodeFlat(value: unknown): Buffer | undefined {
  if (typeof value !== 'object' || value === null || busy || Object.getPrototypeOf(value) !== Object.prototype)
    return undefined;
  busy = true;
  try {
    return encodeRecord(value as Record<string, unknown>);
  } finally {
    busy = false;
  }
}

function encodeRecord(record: Record<string, unknown>): Buffer | undefined {
  if (slab.length - slabPosition < MAX_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabView = new DataView(slab.buffer, slab.byteOffset, slab.byteLength);
    slabPosition = 0;
  }
  const start = slabPosition;
  position = start + 1;
  let entries = 0;
  for (const key in record) {
    // Bytes written before a value turns out not to be flat are simply not committed (slabPosition stays):
    // one pass, each property read once, and the general path starts from scratch.
    if (++entries > MAX_ENTRIES || !hasOwn(record, key) || !writeAscii(key)) return undefined;
    const item = record[key];
    if (typeof item === 'object' && item !== null) {
      if (!writeArray(item)) return undefined;
    } else if (!writeScalar(item)) return undefined;
  }
  slab[start] = 0x80 | entries;
  slabPosition = position;
  return slab.subarray(start, position);
}

function writeArray(item: object): boolean {
  if (Object.getPrototypeOf(item) !== Array.prototype) return false;
  const array = item as readonly unknown[];
  const length = array.length;
  if (length > MAX_ENTRIES) return false;
  slab[position++] = 0x90 | length;
  for (let i = 0; i < length; i++) {
    if (!writeScalar(array[i])) return false;
  }
  return true;
}

function writeScalar(item: unknown): boolean {
  switch (typeof item) {
    case 'string':
      return writeAscii(item);
    case 'number':
      return writeNumber(item);
    case 'boolean':
      slab[position++] = item ? 0xc3 : 0xc2;
      return true;
    case 'object':
      if (item !== null) return false;
      slab[position++] = 0xc0;
      return true;
    default:
      return false;
  }
}

function writeNumber(n: number): boolean {
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
  // Integers beyond 32 bits need WideInteger, NaN and the infinities become nil: the general path.
  if (Math.floor(n) === n || n !== n) return false;
  slab[position++] = 0xcb;
  slabView.setFloat64(position, n);
  position += 8;
  return true;
}

function writeAscii(text: string): boolean {
  const length = text.length;
  if (length > MAX_STRING) return false;
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
