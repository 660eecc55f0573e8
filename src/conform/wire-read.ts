/** Reads any well-formed msgpack value into a wire value (wire-value.ts), noting where it is not canonical. */
import { floatBits, type WireValue } from './wire-value.js';
import { smallestTag } from './wire-write.js';

/** Deepest nesting {@link readWire} follows before it gives up (far beyond anything the kit sends). */
const MAX_READ_DEPTH = 10_000;

/**
 * Reads exactly one msgpack value from `bytes`.
 * @throws Error for truncated or invalid bytes, the never-used byte 0xc1, or bytes after the value.
 */
export function readWire(bytes: Uint8Array): WireValue {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const value = reader.value(0);
  if (reader.position !== reader.bytes.length)
    throw new Error(`${reader.bytes.length - reader.position} byte(s) after the msgpack value`);
  return value;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

class Reader {
  position = 0;
  constructor(readonly bytes: Buffer) {}

  private take(count: number): Buffer {
    if (this.position + count > this.bytes.length)
      throw new Error(`truncated: ${count} byte(s) wanted at offset ${this.position}`);
    const slice = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return slice;
  }

  private uint(bytes: number): number {
    const slice = this.take(bytes);
    return bytes === 1 ? slice[0]! : bytes === 2 ? slice.readUInt16BE(0) : slice.readUInt32BE(0);
  }

  value(depth: number): WireValue {
    if (depth > MAX_READ_DEPTH) throw new Error(`nesting deeper than ${MAX_READ_DEPTH}`);
    const tag = this.take(1)[0]!;
    if (tag <= 0x7f) return { type: 'int', value: String(tag) };
    if (tag >= 0xe0) return { type: 'int', value: String(tag - 0x100) };
    if (tag >= 0x80 && tag <= 0x8f) return this.map(tag - 0x80, depth);
    if (tag >= 0x90 && tag <= 0x9f) return this.array(tag - 0x90, depth);
    if (tag >= 0xa0 && tag <= 0xbf) return this.str(tag - 0xa0);
    return this.tagged(tag, depth);
  }

  private tagged(tag: number, depth: number): WireValue {
    switch (tag) {
      case 0xc0:
        return { type: 'nil' };
      case 0xc2:
        return { type: 'bool', value: false };
      case 0xc3:
        return { type: 'bool', value: true };
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return { type: 'bin', hex: this.take(this.uint(1 << (tag - 0xc4))).toString('hex') };
      case 0xc7:
      case 0xc8:
      case 0xc9: {
        const length = this.uint(1 << (tag - 0xc7));
        const extType = this.take(1).readInt8(0);
        return { type: 'ext', extType, hex: this.take(length).toString('hex') };
      }
      case 0xca:
        return { type: 'float', bits: floatBits(this.take(4).readFloatBE(0)), single: true };
      case 0xcb:
        return { type: 'float', bits: this.take(8).toString('hex') };
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        return this.int(tag, false);
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        return this.int(tag, true);
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8: {
        const extType = this.take(1).readInt8(0);
        return { type: 'ext', extType, hex: this.take(1 << (tag - 0xd4)).toString('hex') };
      }
      case 0xd9:
      case 0xda:
      case 0xdb:
        return this.str(this.uint(1 << (tag - 0xd9)));
      case 0xdc:
      case 0xdd:
        return this.array(this.uint(tag === 0xdc ? 2 : 4), depth);
      case 0xde:
      case 0xdf:
        return this.map(this.uint(tag === 0xde ? 2 : 4), depth);
      default:
        throw new Error(`the byte 0x${tag.toString(16)} is never used by msgpack`);
    }
  }

  private int(tag: number, signed: boolean): WireValue {
    const width = 1 << ((tag - (signed ? 0xd0 : 0xcc)) & 3);
    const slice = this.take(width);
    const n: number | bigint =
      width === 8
        ? signed
          ? slice.readBigInt64BE(0)
          : slice.readBigUInt64BE(0)
        : signed
          ? slice.readIntBE(0, width)
          : slice.readUIntBE(0, width);
    return smallestTag(n) === tag
      ? { type: 'int', value: n.toString() }
      : { type: 'int', value: n.toString(), wide: true };
  }

  private str(length: number): WireValue {
    return { type: 'str', value: utf8.decode(this.take(length)) };
  }

  private array(length: number, depth: number): WireValue {
    // Each element takes at least one byte: a length beyond what is left is truncated input, not an allocation.
    if (length > this.bytes.length - this.position)
      throw new Error(`truncated: array of ${length} at offset ${this.position}`);
    const items: WireValue[] = [];
    for (let i = 0; i < length; i++) items.push(this.value(depth + 1));
    return { type: 'array', items };
  }

  private map(length: number, depth: number): WireValue {
    if (2 * length > this.bytes.length - this.position)
      throw new Error(`truncated: map of ${length} at offset ${this.position}`);
    const entries: Array<[WireValue, WireValue]> = [];
    for (let i = 0; i < length; i++) entries.push([this.value(depth + 1), this.value(depth + 1)]);
    return { type: 'map', entries };
  }
}
