/**
 * Byte searches that tell the codec when a payload needs one of its exact (slower) decodes: a map key
 * `__proto__`, which msgpackr renames, and a 64-bit integer of magnitude exactly 2^53, which msgpackr's
 * 'auto' integer mode gives as an unsafe number. Both are rare; the searches run on every payload.
 * False positives (the bytes inside a string or bin) only cost an exact re-decode.
 */

/** The payload may hold the map key `__proto__`. */
export const MAY_HOLD_PROTO_KEY = 1;
/** The payload may hold an int64/uint64 of magnitude 2^53. */
export const MAY_HOLD_TWO_TO_53 = 2;

/**
 * The bytes of the map key `__proto__`. msgpackr renames that key to `__proto_` when it decodes a map into
 * an object (its guard against prototype pollution), which changes the value and can even lose an entry
 * (`{"__proto__": 1, "__proto_": 2}`).
 */
const PROTO_KEY = Buffer.from('__proto__', 'latin1');

/** The two byte runs that end a 64-bit integer of magnitude exactly 2^53 (after the 0xcf / 0xd3 tag). */
const PLUS_2_53 = Buffer.from('0020000000000000', 'hex');
const MINUS_2_53 = Buffer.from('ffe0000000000000', 'hex');

/**
 * Payloads up to this many bytes are searched by one JavaScript loop: the native searches cost a call into
 * C++ each (three for a payload without a 0xcf / 0xd3 byte), more than the loop over a typical CALL or RESPONSE.
 */
const LOOP_LIMIT = 256;

/** {@link MAY_HOLD_PROTO_KEY} and {@link MAY_HOLD_TWO_TO_53}, or 0 (the usual answer). */
export function rareBytes(bytes: Buffer): number {
  if (bytes.length > LOOP_LIMIT)
    return (
      (bytes.indexOf(PROTO_KEY) === -1 ? 0 : MAY_HOLD_PROTO_KEY) | (mayHoldTwoTo53(bytes) ? MAY_HOLD_TWO_TO_53 : 0)
    );
  let flags = 0;
  const end = bytes.length;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i];
    if (byte === 0x5f) {
      if (matchesAt(bytes, i, PROTO_KEY)) flags |= MAY_HOLD_PROTO_KEY;
    } else if (byte === 0xcf || byte === 0xd3) {
      if (matchesAt(bytes, i + 1, PLUS_2_53) || matchesAt(bytes, i + 1, MINUS_2_53)) flags |= MAY_HOLD_TWO_TO_53;
    }
  }
  return flags;
}

function matchesAt(bytes: Buffer, at: number, run: Buffer): boolean {
  if (at + run.length > bytes.length) return false;
  for (let j = 0; j < run.length; j++) if (bytes[at + j] !== run[j]) return false;
  return true;
}

/**
 * Whether `bytes` may hold a 64-bit integer of magnitude exactly 2^53 (`cf|d3 00 20 00..00` or
 * `d3 ff e0 00..00`). Most payloads have no 0xcf / 0xd3 byte at all, which two native single-byte
 * searches (memchr) rule out in tens of nanoseconds; only then are the 8-byte runs searched.
 */
function mayHoldTwoTo53(bytes: Buffer): boolean {
  if (bytes.indexOf(0xcf) === -1 && bytes.indexOf(0xd3) === -1) return false;
  return bytes.indexOf(PLUS_2_53) !== -1 || bytes.indexOf(MINUS_2_53) !== -1;
}
