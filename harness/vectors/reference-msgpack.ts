/**
 * A small, independent msgpack writer and reader over the vector notation, written from the msgpack
 * specification (not from msgpackr). The generator takes each vector's `hex` from here, so the golden
 * bytes do not depend on the codec they check; the reader verifies that `hex` and `value` agree.
 * Canonical rules: smallest format for every header, uint formats for non-negative integers, float64 only.
 */
import type { AnyWire, Wire } from './notation.js';

function header(
  small: number,
  tag8: number | undefined,
  tag16: number,
  tag32: number,
  length: number,
  smallLimit: number,
): number[] {
  if (length < smallLimit) return [small | length];
  if (tag8 !== undefined && length < 0x100) return [tag8, length];
  if (length < 0x10000) return [tag16, length >> 8, length & 0xff];
  return [tag32, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
}

function bigEndian(value: bigint, bytes: number): number[] {
  const out: number[] = [];
  const unsigned = BigInt.asUintN(bytes * 8, value);
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((unsigned >> BigInt(i * 8)) & 0xffn));
  return out;
}

function encodeInt(n: bigint): number[] {
  if (n >= 0n) {
    if (n < 0x80n) return [Number(n)];
    if (n < 0x100n) return [0xcc, ...bigEndian(n, 1)];
    if (n < 0x10000n) return [0xcd, ...bigEndian(n, 2)];
    if (n < 0x100000000n) return [0xce, ...bigEndian(n, 4)];
    if (n < 2n ** 64n) return [0xcf, ...bigEndian(n, 8)];
  } else {
    if (n >= -32n) return [Number(n) & 0xff];
    if (n >= -0x80n) return [0xd0, ...bigEndian(n, 1)];
    if (n >= -0x8000n) return [0xd1, ...bigEndian(n, 2)];
    if (n >= -0x80000000n) return [0xd2, ...bigEndian(n, 4)];
    if (n >= -(2n ** 63n)) return [0xd3, ...bigEndian(n, 8)];
  }
  throw new Error(`integer ${n} is outside int64/uint64`);
}

/** The canonical msgpack bytes of a notation value (typed map keys and extension types included). */
export function referenceEncode(value: AnyWire): Buffer {
  const out: number[] = [];
  write(value, out);
  return Buffer.from(out);
}

/** fixext 1/2/4/8/16 for those data lengths, else ext 8/16/32; the type is one signed byte. */
function extHeader(type: number, length: number): number[] {
  const fixed = [1, 2, 4, 8, 16].indexOf(length);
  const head = fixed >= 0 ? [0xd4 + fixed] : header(0, 0xc7, 0xc8, 0xc9, length, 0);
  return [...head, type & 0xff];
}

function write(value: AnyWire, out: number[]): void {
  if ('nil' in value) out.push(0xc0);
  else if ('bool' in value) out.push(value.bool ? 0xc3 : 0xc2);
  else if ('int' in value) out.push(...encodeInt(BigInt(value.int)));
  else if ('float' in value) out.push(0xcb, ...Buffer.from(value.float, 'hex'));
  else if ('str' in value) {
    const bytes = Buffer.from(value.str, 'utf8');
    out.push(...header(0xa0, 0xd9, 0xda, 0xdb, bytes.length, 32), ...bytes);
  } else if ('bin' in value) {
    const bytes = Buffer.from(value.bin, 'hex');
    out.push(...header(0, 0xc4, 0xc5, 0xc6, bytes.length, 0), ...bytes);
  } else if ('ext' in value) {
    const bytes = Buffer.from(value.ext.hex, 'hex');
    out.push(...extHeader(value.ext.type, bytes.length), ...bytes);
  } else if ('array' in value) {
    out.push(...header(0x90, undefined, 0xdc, 0xdd, value.array.length, 16));
    for (const item of value.array as AnyWire[]) write(item, out);
  } else {
    out.push(...header(0x80, undefined, 0xde, 0xdf, value.map.length, 16));
    for (const [key, item] of value.map as Array<[string | AnyWire, AnyWire]>) {
      write(typeof key === 'string' ? { str: key } : key, out);
      write(item, out);
    }
  }
}

/** Reads exactly one msgpack value (no extension types) into the notation; throws on anything else. */
export function referenceDecode(bytes: Uint8Array): Wire {
  return readOne(bytes, false) as Wire;
}

/** As {@link referenceDecode}, but keeps map keys that are not strings and extension types (unportable.json). */
export function referenceDecodeAny(bytes: Uint8Array): AnyWire {
  return readOne(bytes, true);
}

function readOne(bytes: Uint8Array, unportable: boolean): AnyWire {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), unportable);
  const value = reader.read();
  if (reader.position !== bytes.length) throw new Error('trailing bytes');
  return value;
}

class Reader {
  position = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly unportable: boolean,
  ) {}

  private take(count: number): Buffer {
    if (this.position + count > this.bytes.length) throw new Error('truncated');
    const slice = this.bytes.subarray(this.position, this.position + count);
    this.position += count;
    return slice;
  }

  private uint(count: number): number {
    return Number(this.take(count).readUIntBE(0, count));
  }

  read(): AnyWire {
    const tag = this.uint(1);
    if (tag < 0x80) return { int: String(tag) };
    if (tag >= 0xe0) return { int: String(tag - 0x100) };
    if (tag >= 0xa0 && tag < 0xc0) return { str: this.take(tag - 0xa0).toString('utf8') };
    if (tag >= 0x90 && tag < 0xa0) return this.array(tag - 0x90);
    if (tag >= 0x80 && tag < 0x90) return this.map(tag - 0x80);
    switch (tag) {
      case 0xc0:
        return { nil: null };
      case 0xc2:
        return { bool: false };
      case 0xc3:
        return { bool: true };
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return { bin: this.take(this.uint(1 << (tag - 0xc4))).toString('hex') };
      case 0xcb:
        return { float: this.take(8).toString('hex') };
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
        return { int: this.unsigned(1 << (tag - 0xcc)) };
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        return { int: this.signed(1 << (tag - 0xd0)) };
      case 0xd9:
      case 0xda:
      case 0xdb:
        return { str: this.take(this.uint(1 << (tag - 0xd9))).toString('utf8') };
      case 0xdc:
      case 0xdd:
        return this.array(this.uint(tag === 0xdc ? 2 : 4));
      case 0xde:
      case 0xdf:
        return this.map(this.uint(tag === 0xde ? 2 : 4));
      default:
        if (this.unportable && ((tag >= 0xc7 && tag <= 0xc9) || (tag >= 0xd4 && tag <= 0xd8))) return this.ext(tag);
        throw new Error(`unsupported msgpack tag 0x${tag.toString(16)}`);
    }
  }

  private unsigned(count: number): string {
    return BigInt('0x' + this.take(count).toString('hex')).toString();
  }

  private signed(count: number): string {
    return BigInt.asIntN(count * 8, BigInt('0x' + this.take(count).toString('hex'))).toString();
  }

  private ext(tag: number): AnyWire {
    const length = tag >= 0xd4 ? 1 << (tag - 0xd4) : this.uint(1 << (tag - 0xc7));
    const type = this.take(1).readInt8(0);
    return { ext: { type, hex: this.take(length).toString('hex') } };
  }

  private array(length: number): AnyWire {
    const items: AnyWire[] = [];
    for (let i = 0; i < length; i++) items.push(this.read());
    return { array: items };
  }

  private map(length: number): AnyWire {
    const pairs: Array<[string | AnyWire, AnyWire]> = [];
    for (let i = 0; i < length; i++) {
      const key = this.read();
      if (!('str' in key) && !this.unportable) throw new Error('map key is not a string');
      pairs.push(['str' in key ? key.str : key, this.read()]);
    }
    return { map: pairs };
  }
}
