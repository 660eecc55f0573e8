/**
 * The byte length of the first msgpack value in a buffer, found by reading headers only (no values are
 * built). The codec uses it on the error path to tell "bytes after a complete value" from "not msgpack",
 * because msgpackr reads strings ahead and can fail inside trailing bytes before noticing them.
 * Iterative, so a deeply nested payload cannot overflow the stack.
 */

/** Called for each `str` value met: where its header starts, and its body's span. */
export type StrVisitor = (headerAt: number, bodyAt: number, bodyEnd: number) => void;

/**
 * Length in bytes of the value at `offset`, or undefined when the bytes end first or hold 0xc1.
 * `onStr`, when given, is called for every complete `str` inside the value, in byte order.
 */
export function firstValueLength(bytes: Uint8Array, offset = 0, onStr?: StrVisitor): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const next = skipValue(bytes, view, offset, bytes.length, onStr);
  return next < 0 ? undefined : next - offset;
}

/**
 * {@link firstValueLength} over a view the caller already has (no allocation): the position after the value
 * at `position`, or -1 when the bytes end first or hold 0xc1.
 */
function skipValue(bytes: Uint8Array, view: DataView, position: number, end: number, onStr?: StrVisitor): number {
  let pending = 1; // values still to skip: 1, plus the children each container header announces
  // No object per value: the repair walk (utf8-repair.ts) runs over every value of a payload.
  while (pending > 0) {
    if (position >= end) return -1;
    const tag = bytes[position] as number;
    const skip = headerSkip(tag, view, position, end);
    if (skip < 0) return -1;
    const next = position + skip;
    if (next > end) return -1;
    if (onStr !== undefined) {
      const header = strHeaderLength(tag);
      if (header !== undefined) onStr(position, position + header, next);
    }
    pending += childCount(tag, view, position) - 1;
    position = next;
  }
  return position;
}

/** Header length of a `str` tag (fixstr, str8, str16, str32), undefined for any other tag. */
function strHeaderLength(tag: number): number | undefined {
  if (tag >= 0xa0 && tag <= 0xbf) return 1;
  return tag === 0xd9 ? 2 : tag === 0xda ? 3 : tag === 0xdb ? 5 : undefined;
}

/** Total size of the tags whose size the tag alone gives (nil, booleans, numbers, fixext); 0 for the others. */
const FIXED_SIZES = new Uint8Array(256);
for (const [tag, size] of [
  [0xc0, 1],
  [0xc2, 1],
  [0xc3, 1],
  [0xca, 5],
  [0xcb, 9],
  [0xcc, 2],
  [0xcd, 3],
  [0xce, 5],
  [0xcf, 9],
  [0xd0, 2],
  [0xd1, 3],
  [0xd2, 5],
  [0xd3, 9],
  [0xd4, 3],
  [0xd5, 4],
  [0xd6, 6],
  [0xd7, 10],
  [0xd8, 18],
] as const)
  FIXED_SIZES[tag] = size;

/**
 * Bytes to move past the value starting at `position`: its header and any inline payload (string, bin, ext,
 * scalar), not its children. -1 for 0xc1 or a length field cut short.
 */
function headerSkip(tag: number, view: DataView, position: number, end: number): number {
  if (tag <= 0x9f || tag >= 0xe0) return 1; // fixint, fixmap, fixarray, negative fixint
  if (tag <= 0xbf) return 1 + (tag & 0x1f); // fixstr
  const fixed = FIXED_SIZES[tag] as number;
  if (fixed !== 0) return fixed;
  const lengthBytes = lengthFieldSize(tag);
  if (lengthBytes === 0 || position + 1 + lengthBytes > end) return -1; // 0xc1, or cut short
  const header = 1 + lengthBytes;
  if (tag >= 0xdc) return header; // array16/32, map16/32: children follow
  const length = readLength(view, position, lengthBytes);
  if (tag >= 0xc7 && tag <= 0xc9) return header + 1 + length; // ext: a type byte, then data
  return header + length; // str8/16/32, bin8/16/32
}

/** Values that follow the header at `position` as children (array elements, map keys and values). */
function childCount(tag: number, view: DataView, position: number): number {
  if (tag >= 0x80 && tag <= 0x8f) return (tag & 0x0f) * 2;
  if (tag >= 0x90 && tag <= 0x9f) return tag & 0x0f;
  if (tag === 0xdc) return view.getUint16(position + 1);
  if (tag === 0xdd) return view.getUint32(position + 1);
  if (tag === 0xde) return view.getUint16(position + 1) * 2;
  if (tag === 0xdf) return view.getUint32(position + 1) * 2;
  return 0;
}

function readLength(view: DataView, position: number, lengthBytes: 1 | 2 | 4): number {
  return lengthBytes === 1
    ? view.getUint8(position + 1)
    : lengthBytes === 2
      ? view.getUint16(position + 1)
      : view.getUint32(position + 1);
}

/** Size of the length field after a variable-length tag; 0 for any other tag (0xc1 included). */
function lengthFieldSize(tag: number): 0 | 1 | 2 | 4 {
  switch (tag) {
    case 0xc4:
    case 0xc7:
    case 0xd9:
      return 1;
    case 0xc5:
    case 0xc8:
    case 0xda:
    case 0xdc:
    case 0xde:
      return 2;
    case 0xc6:
    case 0xc9:
    case 0xdb:
    case 0xdd:
    case 0xdf:
      return 4;
    default:
      return 0;
  }
}

/**
 * Moves past the scalar elements (fixint, negative fixint, and the fixed-size tags) of the array whose
 * remaining count is `REMAINING[level]`, counting them off; stops at any other tag or at `end`. Returns
 * the new position.
 */
function skipScalars(bytes: Uint8Array, position: number, end: number, level: number): number {
  let left = REMAINING[level] as number;
  while (left > 0 && position < end) {
    const tag = bytes[position] as number;
    const size = tag <= 0x7f || tag >= 0xe0 ? 1 : (FIXED_SIZES[tag] as number);
    if (size === 0) break;
    position += size;
    left--;
  }
  REMAINING[level] = left;
  return position;
}

/** Deepest nesting {@link hasNonStringKey} follows; deeper payloads answer true (the caller checks exactly). */
const KEY_WALK_DEPTH = 1024;
const REMAINING = new Float64Array(KEY_WALK_DEPTH);
const IS_MAP = new Uint8Array(KEY_WALK_DEPTH);

/**
 * Whether some map in the msgpack value at the start of `bytes` has a key that is not a `str` (msgpackr
 * would turn the key 1 into "1" in a decoded object). Reads headers only, like {@link firstValueLength};
 * false for bytes that end early or hold 0xc1 (the decoder refuses those anyway), true when the nesting
 * is deeper than 1,024 (a false alarm only costs the caller an exact check).
 */
export function hasNonStringKey(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let position = 0;
  let depth = 0;
  let started = false;
  for (;;) {
    while (depth > 0 && REMAINING[depth - 1] === 0) depth--;
    if (depth === 0 && started) return false;
    started = true;
    if (position >= end) return false;
    if (depth > 0 && IS_MAP[depth - 1] === 0) {
      // Inside an array: run over its scalar elements (ints, floats, nil, booleans: the usual bulk of a
      // payload) with one table lookup each; a string, bin or container ends the run.
      position = skipScalars(bytes, position, end, depth - 1);
      if (REMAINING[depth - 1] === 0) continue;
      if (position >= end) return false;
    }
    const tag = bytes[position] as number;
    if (depth > 0) {
      const left = REMAINING[depth - 1] as number;
      REMAINING[depth - 1] = left - 1;
      // A map's children alternate key, value: a key comes when an even number of them is left.
      if (IS_MAP[depth - 1] === 1 && left % 2 === 0 && strHeaderLength(tag) === undefined) return true;
    }
    const skip = headerSkip(tag, view, position, end);
    if (skip < 0) return false;
    const children = childCount(tag, view, position);
    position += skip;
    if (children > 0) {
      if (depth >= KEY_WALK_DEPTH) return true;
      REMAINING[depth] = children;
      IS_MAP[depth] = (tag >= 0x80 && tag <= 0x8f) || tag === 0xde || tag === 0xdf ? 1 : 0;
      depth++;
    }
  }
}

/** The bytes of the map key `result` (6 characters, so msgpack writes it as fixstr a6). */
const RESULT_KEY = [0x72, 0x65, 0x73, 0x75, 0x6c, 0x74];
/** Array nesting below the result followed before the answer is true. */
const HOLDS_MAP_DEPTH = 64;

/**
 * Whether the decoded message's result is or holds a map, read from the bytes (the same answer as a walk over the
 * decoded result: harness/test/protocol/result-holds-map.property.test.ts): whether the value of the last `result` key of the top-level map is or holds a map, followed through arrays nested up to 64
 * deep (deeper: true). A 0xc1 byte or an extension counts as a map, as the objects they decode to do; a missing
 * `result` is nil (false). For a decoded payload only: bytes that end early answer true. Reads headers only, so
 * a result of 1,000 floats costs one table lookup each instead of a boxed read from a decoded array.
 */
export function resultHoldsMap(bytes: Uint8Array): boolean {
  return scanResponse(bytes, false);
}

/**
 * Whether a decoded RESPONSE needs the exact key check: {@link resultHoldsMap} (MF-VAL-14), or a top-level key
 * that is not a `str` (MF-MSG-1: such a payload is dropped). One pass over the top-level entries.
 */
export function responseNeedsKeyCheck(bytes: Uint8Array): boolean {
  return scanResponse(bytes, true);
}

/**
 * Whether the top-level map's keys are all `str` (true for bytes that are not a map or end early: the decoder
 * and the validation refuse those anyway). Skips each value by its headers: for the small messages that carry
 * no values (heartbeats, output, errors, shutdown); CALLs and RESPONSEs have the walks above.
 */
export function topLevelKeysAreStrings(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const map = mapHeader(bytes, view, end);
  if (map === undefined) return true;
  let position = map.position;
  for (let i = 0; i < map.entries && position < end; i++) {
    if (strHeaderLength(bytes[position] as number) === undefined) return false;
    position = skipValue(bytes, view, position, end);
    if (position < 0) return true;
    position = skipValue(bytes, view, position, end);
    if (position < 0) return true;
  }
  return true;
}

/** The entry count and first entry's position of the map at the start of `bytes`, or undefined for another value. */
function mapHeader(bytes: Uint8Array, view: DataView, end: number): { entries: number; position: number } | undefined {
  const tag = bytes[0];
  if (tag === undefined) return undefined;
  if (tag >= 0x80 && tag <= 0x8f) return { entries: tag & 0x0f, position: 1 };
  if (tag === 0xde && end >= 3) return { entries: view.getUint16(1), position: 3 };
  if (tag === 0xdf && end >= 5) return { entries: view.getUint32(1), position: 5 };
  return undefined;
}

function scanResponse(bytes: Uint8Array, stopAtNonStringKey: boolean): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const map = mapHeader(bytes, view, end);
  if (map === undefined) return true;
  const entries = map.entries;
  let position = map.position;
  let holds = false;
  for (let i = 0; i < entries; i++) {
    if (stopAtNonStringKey && position < end && strHeaderLength(bytes[position] as number) === undefined) return true;
    const isResult = isResultKey(bytes, view, position, end);
    position = skipValue(bytes, view, position, end);
    if (position < 0) return true;
    if (isResult) {
      // The scan ends after the value when it holds no map; a later duplicate key wins, so go on either way.
      const after = scanForMap(bytes, view, position, end);
      holds = after < 0;
      if (!holds) {
        position = after;
        continue;
      }
    }
    position = skipValue(bytes, view, position, end);
    if (position < 0) return true;
  }
  return holds;
}

/** Whether the `str` at `position` (any str format) is exactly `result`. */
function isResultKey(bytes: Uint8Array, view: DataView, position: number, end: number): boolean {
  const tag = bytes[position] as number;
  const header = strHeaderLength(tag);
  if (header === undefined || position + header > end) return false;
  const length = header === 1 ? tag & 0x1f : readLength(view, position, (header - 1) as 1 | 2 | 4);
  if (length !== RESULT_KEY.length || position + header + length > end) return false;
  for (let i = 0; i < length; i++) if (bytes[position + header + i] !== RESULT_KEY[i]) return false;
  return true;
}

/** Sizes of the scalar tags {@link scanForMap} runs over inside arrays: FIXED_SIZES without the fixext tags. */
const SCALAR_SIZES = FIXED_SIZES.slice();
SCALAR_SIZES.fill(0, 0xd4, 0xd9);

/**
 * Scans the value at `position` for a map (see {@link resultHoldsMap}), following arrays: -1 when it is or holds
 * one (or the bytes end early), else the position after the value.
 */
function scanForMap(bytes: Uint8Array, view: DataView, position: number, end: number): number {
  // Elements left in each open array, innermost last; the value itself is one element at level 0.
  const left: number[] = [1];
  while (left.length > 0) {
    const level = left.length - 1;
    let remaining = left[level] as number;
    if (level > 0) {
      // Inside an array: run over its scalar elements with one table lookup each.
      while (remaining > 0 && position < end) {
        const tag = bytes[position] as number;
        const size = tag <= 0x7f || tag >= 0xe0 ? 1 : (SCALAR_SIZES[tag] as number);
        if (size === 0) break;
        position += size;
        remaining--;
      }
    }
    if (remaining === 0) {
      left.pop();
      continue;
    }
    if (position >= end) return -1;
    const tag = bytes[position] as number;
    left[level] = remaining - 1;
    if ((tag >= 0x80 && tag <= 0x8f) || tag === 0xde || tag === 0xdf || tag === 0xc1) return -1;
    if ((tag >= 0xc7 && tag <= 0xc9) || (tag >= 0xd4 && tag <= 0xd8)) return -1; // an extension value
    const skip = headerSkip(tag, view, position, end);
    if (skip < 0) return -1;
    if ((tag >= 0x90 && tag <= 0x9f) || tag === 0xdc || tag === 0xdd) {
      // The array opened here sits at nesting `level` below the result (the result itself is level 0).
      if (level > HOLDS_MAP_DEPTH) return -1;
      left.push(childCount(tag, view, position));
    }
    position += skip;
  }
  return position > end ? -1 : position;
}
