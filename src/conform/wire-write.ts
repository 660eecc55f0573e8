/** The canonical msgpack encoding of a wire value (wire-value.ts): the smallest format for every integer and header. */
import type { WireValue } from './wire-value.js';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** The canonical msgpack encoding of `value`. @throws RangeError for an integer outside int64/uint64. */
export function writeWire(value: WireValue): Buffer {
  const writer = new Writer();
  writer.value(value);
  return writer.done();
}

/** One growing buffer: values with 65,536 elements are written without an allocation per element. */
class Writer {
  private buffer = Buffer.allocUnsafe(256);
  private position = 0;

  done(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.position));
  }

  private room(count: number): void {
    if (this.position + count <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.position + count));
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  private bytes(...values: number[]): void {
    this.room(values.length);
    for (const b of values) this.buffer[this.position++] = b;
  }

  private raw(data: Buffer): void {
    this.room(data.length);
    data.copy(this.buffer, this.position);
    this.position += data.length;
  }

  value(value: WireValue): void {
    switch (value.type) {
      case 'nil':
        this.bytes(0xc0);
        return;
      case 'bool':
        this.bytes(value.value ? 0xc3 : 0xc2);
        return;
      case 'int':
        this.raw(intBytes(value.value.length < 10 ? Number(value.value) : BigInt(value.value)));
        return;
      case 'float':
        this.bytes(0xcb);
        this.raw(Buffer.from(value.bits, 'hex'));
        return;
      case 'str': {
        const data = Buffer.from(value.value, 'utf8');
        this.header(data.length, [0xa0, 31], [0xd9, 0xda, 0xdb]);
        this.raw(data);
        return;
      }
      case 'bin': {
        const data = Buffer.from(value.hex, 'hex');
        this.header(data.length, undefined, [0xc4, 0xc5, 0xc6]);
        this.raw(data);
        return;
      }
      case 'array':
        this.header(value.items.length, [0x90, 15], [undefined, 0xdc, 0xdd]);
        for (const item of value.items) this.value(item);
        return;
      case 'map':
        this.header(value.entries.length, [0x80, 15], [undefined, 0xde, 0xdf]);
        for (const [key, item] of value.entries) {
          this.value(key);
          this.value(item);
        }
        return;
      case 'ext':
        this.raw(extHeader(value.extType, value.hex.length / 2));
        this.raw(Buffer.from(value.hex, 'hex'));
        return;
    }
  }

  /** A length header: the fix form when `fix` allows it, else the 8-, 16- or 32-bit form that holds it. */
  private header(length: number, fix: [number, number] | undefined, forms: [number | undefined, number, number]): void {
    if (fix !== undefined && length <= fix[1]) this.bytes(fix[0] + length);
    else if (forms[0] !== undefined && length <= 0xff) this.bytes(forms[0], length);
    else if (length <= 0xffff) this.bytes(forms[1], length >> 8, length & 0xff);
    else this.bytes(forms[2], (length >>> 24) & 0xff, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff);
  }
}

function extHeader(type: number, length: number): Buffer {
  const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  const tag = fixed[length];
  const typeByte = type & 0xff;
  if (tag !== undefined) return Buffer.of(tag, typeByte);
  if (length <= 0xff) return Buffer.of(0xc7, length, typeByte);
  if (length <= 0xffff) return Buffer.of(0xc8, length >> 8, length & 0xff, typeByte);
  const buffer = Buffer.alloc(6);
  buffer[0] = 0xc9;
  buffer.writeUInt32BE(length, 1);
  buffer[5] = typeByte;
  return buffer;
}

/** The smallest msgpack integer format for `n`: uint formats when n >= 0, int formats below. */
export function intBytes(value: bigint | number): Buffer {
  if (typeof value === 'number' && Math.abs(value) < 0x80000000) return smallInt(value);
  const n = BigInt(value);
  if (n < INT64_MIN || n > UINT64_MAX) throw new RangeError(`integer ${n} is outside int64/uint64`);
  if (n >= 0n) {
    if (n <= 0x7fn) return Buffer.of(Number(n));
    if (n <= 0xffn) return Buffer.of(0xcc, Number(n));
    if (n <= 0xffffn) return sized(0xcd, 2, (b) => b.writeUInt16BE(Number(n), 1));
    if (n <= 0xffffffffn) return sized(0xce, 4, (b) => b.writeUInt32BE(Number(n), 1));
    return sized(0xcf, 8, (b) => b.writeBigUInt64BE(n, 1));
  }
  if (n >= -32n) return Buffer.of(Number(n) & 0xff);
  if (n >= -0x80n) return sized(0xd0, 1, (b) => b.writeInt8(Number(n), 1));
  if (n >= -0x8000n) return sized(0xd1, 2, (b) => b.writeInt16BE(Number(n), 1));
  if (n >= -0x80000000n) return sized(0xd2, 4, (b) => b.writeInt32BE(Number(n), 1));
  return sized(0xd3, 8, (b) => b.writeBigInt64BE(n, 1));
}

/** {@link intBytes} for |n| < 2^31, without bigints. */
function smallInt(n: number): Buffer {
  if (n >= 0) {
    if (n <= 0x7f) return Buffer.of(n);
    if (n <= 0xff) return Buffer.of(0xcc, n);
    if (n <= 0xffff) return Buffer.of(0xcd, n >> 8, n & 0xff);
    return sized(0xce, 4, (b) => b.writeUInt32BE(n, 1));
  }
  if (n >= -32) return Buffer.of(n & 0xff);
  if (n >= -0x80) return Buffer.of(0xd0, n & 0xff);
  if (n >= -0x8000) return Buffer.of(0xd1, (n >> 8) & 0xff, n & 0xff);
  return sized(0xd2, 4, (b) => b.writeInt32BE(n, 1));
}

function sized(tag: number, bytes: number, fill: (buffer: Buffer) => void): Buffer {
  const buffer = Buffer.alloc(1 + bytes);
  buffer[0] = tag;
  fill(buffer);
  return buffer;
}

/** The tag byte of the smallest format for `n` (the value itself for a fixint). */
export function smallestTag(n: number | bigint): number {
  const v = typeof n === 'bigint' && n >= -(2n ** 52n) && n <= 2n ** 52n ? Number(n) : n;
  if (typeof v === 'bigint') return v >= 0n ? (v <= 0xffffffffn ? 0xce : 0xcf) : v >= -0x80000000n ? 0xd2 : 0xd3;
  if (v >= 0) return v <= 0x7f ? v : v <= 0xff ? 0xcc : v <= 0xffff ? 0xcd : v <= 0xffffffff ? 0xce : 0xcf;
  return v >= -32 ? v & 0xff : v >= -0x80 ? 0xd0 : v >= -0x8000 ? 0xd1 : v >= -0x80000000 ? 0xd2 : 0xd3;
}
