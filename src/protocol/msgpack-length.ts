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
  const end = bytes.length;
  let position = offset;
  let pending = 1; // values still to skip: 1, plus the children each container header announces
  // No object per value: the repair walk (utf8-repair.ts) runs over every value of a payload.
  while (pending > 0) {
    if (position >= end) return undefined;
    const tag = bytes[position] as number;
    const skip = headerSkip(tag, view, position, end);
    if (skip < 0) return undefined;
    const next = position + skip;
    if (next > end) return undefined;
    if (onStr !== undefined) {
      const header = strHeaderLength(tag);
      if (header !== undefined) onStr(position, position + header, next);
    }
    pending += childCount(tag, view, position) - 1;
    position = next;
  }
  return position - offset;
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
