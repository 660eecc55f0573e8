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
  let position = offset;
  let pending = 1; // values still to skip: 1, plus the children each container header announces
  while (pending > 0) {
    if (position >= bytes.length) return undefined;
    const tag = bytes[position] as number;
    const step = headerStep(tag, view, position, bytes.length);
    if (step === undefined) return undefined;
    const next = position + step.skip;
    if (next > bytes.length) return undefined;
    if (onStr !== undefined) {
      const header = strHeaderLength(tag);
      if (header !== undefined) onStr(position, position + header, next);
    }
    position = next;
    pending += step.children - 1;
  }
  return position - offset;
}

/** Header length of a `str` tag (fixstr, str8, str16, str32), undefined for any other tag. */
function strHeaderLength(tag: number): number | undefined {
  if (tag >= 0xa0 && tag <= 0xbf) return 1;
  return tag === 0xd9 ? 2 : tag === 0xda ? 3 : tag === 0xdb ? 5 : undefined;
}

interface Step {
  /** Bytes to move past: the header and any inline payload (string, bin, ext, scalar). */
  skip: number;
  /** Values that follow as children (array elements, map keys and values). */
  children: number;
}

const FIXED_SIZES: Readonly<Record<number, number>> = {
  0xc0: 1, 0xc2: 1, 0xc3: 1,
  0xca: 5, 0xcb: 9,
  0xcc: 2, 0xcd: 3, 0xce: 5, 0xcf: 9,
  0xd0: 2, 0xd1: 3, 0xd2: 5, 0xd3: 9,
  0xd4: 3, 0xd5: 4, 0xd6: 6, 0xd7: 10, 0xd8: 18,
};

function headerStep(tag: number, view: DataView, position: number, end: number): Step | undefined {
  if (tag <= 0x7f || tag >= 0xe0) return { skip: 1, children: 0 };
  if (tag >= 0x80 && tag <= 0x8f) return { skip: 1, children: (tag & 0x0f) * 2 };
  if (tag >= 0x90 && tag <= 0x9f) return { skip: 1, children: tag & 0x0f };
  if (tag >= 0xa0 && tag <= 0xbf) return { skip: 1 + (tag & 0x1f), children: 0 };
  const fixed = FIXED_SIZES[tag];
  if (fixed !== undefined) return { skip: fixed, children: 0 };
  const lengthBytes = lengthFieldSize(tag);
  if (lengthBytes === undefined || position + 1 + lengthBytes > end) return undefined; // 0xc1, or cut short
  const length = lengthBytes === 1 ? view.getUint8(position + 1) : lengthBytes === 2 ? view.getUint16(position + 1) : view.getUint32(position + 1);
  const header = 1 + lengthBytes;
  if (tag === 0xdc || tag === 0xdd) return { skip: header, children: length };
  if (tag === 0xde || tag === 0xdf) return { skip: header, children: length * 2 };
  if (tag >= 0xc7 && tag <= 0xc9) return { skip: header + 1 + length, children: 0 }; // ext: a type byte, then data
  return { skip: header + length, children: 0 }; // str8/16/32, bin8/16/32
}

function lengthFieldSize(tag: number): 1 | 2 | 4 | undefined {
  switch (tag) {
    case 0xc4: case 0xc7: case 0xd9: return 1;
    case 0xc5: case 0xc8: case 0xda: case 0xdc: case 0xde: return 2;
    case 0xc6: case 0xc9: case 0xdb: case 0xdd: case 0xdf: return 4;
    default: return undefined;
  }
}
