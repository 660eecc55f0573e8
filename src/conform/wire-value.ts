/**
 * Wire values: msgpack values with their msgpack types kept, for the kit's checks that must see exactly
 * what crossed the wire (an integer versus a float, float32 versus float64, a wide integer format, a map
 * key that is not a string, an extension type) and that must send values our own codec would change
 * (NaN, -0, integral floats) or refuse (non-string keys, extension types).
 *
 * {@link writeWire} writes the canonical encoding (the smallest format for every integer and header, uint
 * formats for non-negative integers, float64); {@link readWire} reads any well-formed msgpack value and
 * notes where a reply is not canonical (`wide` integers, `single` floats). The model is plain JSON, so a
 * failing value is saved and replayed as it is: integers are decimal strings, floats their IEEE-754 bit
 * pattern in hex (as in fixtures/vectors), bin and extension data hex.
 */

/** A msgpack value with its type. */
export type WireValue =
  | { type: 'nil' }
  | { type: 'bool'; value: boolean }
  /** Any int64 or uint64, in decimal. `wide`: read from a larger format than the value needs (reader only). */
  | { type: 'int'; value: string; wide?: true }
  /** 16 hex digits: the float64 bit pattern. `single`: read from a float32 (reader only). */
  | { type: 'float'; bits: string; single?: true }
  | { type: 'str'; value: string }
  | { type: 'bin'; hex: string }
  | { type: 'array'; items: WireValue[] }
  /** Entries in wire order; keys are any wire value (the portable set has only `str` keys). */
  | { type: 'map'; entries: Array<[WireValue, WireValue]> }
  | { type: 'ext'; extType: number; hex: string };

/** Constructors for readable code and tests. */
export const wire = {
  nil: (): WireValue => ({ type: 'nil' }),
  bool: (value: boolean): WireValue => ({ type: 'bool', value }),
  int: (value: bigint | number): WireValue => ({ type: 'int', value: BigInt(value).toString() }),
  float: (value: number): WireValue => ({ type: 'float', bits: floatBits(value) }),
  str: (value: string): WireValue => ({ type: 'str', value }),
  bin: (bytes: Uint8Array): WireValue => ({ type: 'bin', hex: Buffer.from(bytes).toString('hex') }),
  array: (items: WireValue[]): WireValue => ({ type: 'array', items }),
  map: (entries: Array<[string | WireValue, WireValue]>): WireValue => ({
    type: 'map',
    entries: entries.map(([key, value]) => [typeof key === 'string' ? { type: 'str', value: key } : key, value]),
  }),
  ext: (extType: number, data: Uint8Array): WireValue => ({
    type: 'ext',
    extType,
    hex: Buffer.from(data).toString('hex'),
  }),
};

/** The float64 bit pattern of `value`, 16 lowercase hex digits. */
export function floatBits(value: number): string {
  const buffer = Buffer.alloc(8);
  buffer.writeDoubleBE(value);
  return buffer.toString('hex');
}

/** The number a float64 bit pattern stands for. */
export function floatValue(bits: string): number {
  return Buffer.from(bits, 'hex').readDoubleBE(0);
}

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
function smallestTag(n: number | bigint): number {
  const v = typeof n === 'bigint' && n >= -(2n ** 52n) && n <= 2n ** 52n ? Number(n) : n;
  if (typeof v === 'bigint') return v >= 0n ? (v <= 0xffffffffn ? 0xce : 0xcf) : v >= -0x80000000n ? 0xd2 : 0xd3;
  if (v >= 0) return v <= 0x7f ? v : v <= 0xff ? 0xcc : v <= 0xffff ? 0xcd : v <= 0xffffffff ? 0xce : 0xcf;
  return v >= -32 ? v & 0xff : v >= -0x80 ? 0xd0 : v >= -0x8000 ? 0xd1 : v >= -0x80000000 ? 0xd2 : 0xd3;
}

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

/** The string-keyed field `name` of a wire map, or undefined. */
export function wireField(map: WireValue, name: string): WireValue | undefined {
  if (map.type !== 'map') return undefined;
  for (const [key, value] of map.entries) if (key.type === 'str' && key.value === name) return value;
  return undefined;
}

/** A short, readable rendering of a wire value for reports: `{"a": [1, 1.5, nil, bin:00ff]}`, cut at `max` characters. */
export function showWire(value: WireValue, max = 160): string {
  const text = render(value, max + 1);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function render(value: WireValue, budget: number): string {
  switch (value.type) {
    case 'nil':
      return 'nil';
    case 'bool':
      return String(value.value);
    case 'int':
      return value.wide === true ? `${value.value} (wide format)` : value.value;
    case 'float':
      return renderFloat(value.bits) + (value.single === true ? ' (float32)' : '');
    case 'str':
      return value.value.length > 40
        ? `${JSON.stringify(value.value.slice(0, 20))}... (${value.value.length} chars)`
        : JSON.stringify(value.value);
    case 'bin':
      return value.hex.length > 32
        ? `bin:${value.hex.slice(0, 16)}... (${value.hex.length / 2} bytes)`
        : `bin:${value.hex}`;
    case 'ext':
      return `ext(${value.extType}):${value.hex.slice(0, 32)}`;
    case 'array':
      return `[${joinWithin(
        value.items.map((item) => (b: number) => render(item, b)),
        budget,
      )}]`;
    case 'map':
      return `{${joinWithin(
        value.entries.map(
          ([k, v]) =>
            (b: number) =>
              `${render(k, b)}: ${render(v, b)}`,
        ),
        budget,
      )}}`;
  }
}

function renderFloat(bits: string): string {
  const n = floatValue(bits);
  if (Number.isNaN(n)) return `NaN (f64 ${bits})`;
  if (Object.is(n, -0)) return '-0.0';
  const text = String(n);
  return /[.e]|Infinity/.test(text) ? text : `${text}.0`;
}

/** Joins rendered parts until the budget is spent (long arrays and maps say how many were left out). */
function joinWithin(parts: Array<(budget: number) => string>, budget: number): string {
  const out: string[] = [];
  let used = 0;
  for (let i = 0; i < parts.length; i++) {
    if (used > budget) {
      out.push(`... ${parts.length - i} more`);
      break;
    }
    const text = parts[i]!(budget - used);
    out.push(text);
    used += text.length + 2;
  }
  return out.join(', ');
}
