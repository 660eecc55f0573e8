/**
 * A tiny msgpack reader and writer in the golden vectors' typed notation (fixtures/vectors/README.md):
 * `{ int: "decimal" }`, `{ float: "16 hex digits" }`, `{ str }`, `{ bin: hex }`, `{ array }`, `{ map: [[k, v]] }`,
 * `{ nil: null }`, `{ bool }`. The values feature needs it to see the WIRE type of what a worker echoes
 * (an int and an integral float are the same JavaScript number), independently of the codec under test.
 * @see MF-VAL-2, MF-VAL-4, MF-VAL-5, MF-VAL-9, MF-VAL-10
 */

export type Typed =
  | { nil: null }
  | { bool: boolean }
  | { int: string }
  | { float: string }
  | { str: string }
  | { bin: string }
  | { array: Typed[] }
  | { map: Array<[string, Typed]> }
  /** Writer only: bytes spliced in as they are (lowercase hex of one msgpack value). */
  | { raw: string };

class Reader {
  offset = 0;
  constructor(private readonly bytes: Buffer) {}

  take(count: number): Buffer {
    if (this.offset + count > this.bytes.length) throw new Error(`truncated msgpack at byte ${this.offset}`);
    const slice = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }

  byte(): number {
    return this.take(1)[0]!;
  }

  value(): Typed {
    const tag = this.byte();
    if (tag <= 0x7f) return { int: String(tag) };
    if (tag >= 0xe0) return { int: String(tag - 0x100) };
    if ((tag & 0xf0) === 0x80) return this.map(tag & 0x0f);
    if ((tag & 0xf0) === 0x90) return this.array(tag & 0x0f);
    if ((tag & 0xe0) === 0xa0) return { str: this.take(tag & 0x1f).toString('utf8') };
    switch (tag) {
      case 0xc0:
        return { nil: null };
      case 0xc2:
        return { bool: false };
      case 0xc3:
        return { bool: true };
      case 0xc4:
        return { bin: this.take(this.byte()).toString('hex') };
      case 0xc5:
        return { bin: this.take(this.take(2).readUInt16BE(0)).toString('hex') };
      case 0xc6:
        return { bin: this.take(this.take(4).readUInt32BE(0)).toString('hex') };
      // float32 is never sent by the protocol (MF-VAL-2): kept apart so it never equals a float64.
      case 0xca:
        return { float: `float32:${this.take(4).toString('hex')}` };
      case 0xcb:
        return { float: this.take(8).toString('hex') };
      case 0xcc:
        return { int: String(this.byte()) };
      case 0xcd:
        return { int: String(this.take(2).readUInt16BE(0)) };
      case 0xce:
        return { int: String(this.take(4).readUInt32BE(0)) };
      case 0xcf:
        return { int: String(this.take(8).readBigUInt64BE(0)) };
      case 0xd0:
        return { int: String(this.take(1).readInt8(0)) };
      case 0xd1:
        return { int: String(this.take(2).readInt16BE(0)) };
      case 0xd2:
        return { int: String(this.take(4).readInt32BE(0)) };
      case 0xd3:
        return { int: String(this.take(8).readBigInt64BE(0)) };
      case 0xd9:
        return { str: this.take(this.byte()).toString('utf8') };
      case 0xda:
        return { str: this.take(this.take(2).readUInt16BE(0)).toString('utf8') };
      case 0xdb:
        return { str: this.take(this.take(4).readUInt32BE(0)).toString('utf8') };
      case 0xdc:
        return this.array(this.take(2).readUInt16BE(0));
      case 0xdd:
        return this.array(this.take(4).readUInt32BE(0));
      case 0xde:
        return this.map(this.take(2).readUInt16BE(0));
      case 0xdf:
        return this.map(this.take(4).readUInt32BE(0));
      default:
        throw new Error(`msgpack type 0x${tag.toString(16)} is not used by the protocol (byte ${this.offset - 1})`);
    }
  }

  array(length: number): Typed {
    const items: Typed[] = [];
    for (let i = 0; i < length; i++) items.push(this.value());
    return { array: items };
  }

  map(length: number): Typed {
    const entries: Array<[string, Typed]> = [];
    for (let i = 0; i < length; i++) {
      const key = this.value();
      if (!('str' in key)) throw new Error(`map key is not a string: ${JSON.stringify(key)}`);
      entries.push([key.str, this.value()]);
    }
    return { map: entries };
  }
}

/** Decodes exactly one msgpack value into the typed notation. @throws Error on bad or trailing bytes. */
export function readTyped(bytes: Uint8Array): Typed {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const value = reader.value();
  if (reader.offset !== bytes.byteLength)
    throw new Error(`${bytes.byteLength - reader.offset} bytes after the first msgpack value`);
  return value;
}

function header(length: number, fix: number, fixMax: number, b8: number | undefined, b16: number, b32: number): Buffer {
  if (length <= fixMax) return Buffer.from([fix | length]);
  if (b8 !== undefined && length <= 0xff) return Buffer.from([b8, length]);
  if (length <= 0xffff) return Buffer.from([b16, length >> 8, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = b32;
  out.writeUInt32BE(length, 1);
  return out;
}

function writeInt(text: string): Buffer {
  const n = BigInt(text);
  if (n >= 0n && n <= 0x7fn) return Buffer.from([Number(n)]);
  if (n < 0n && n >= -32n) return Buffer.from([Number(n) & 0xff]);
  const sized = (tag: number, bytes: number, write: (b: Buffer) => void): Buffer => {
    const out = Buffer.alloc(bytes + 1);
    out[0] = tag;
    write(out);
    return out;
  };
  if (n >= 0n) {
    if (n <= 0xffn) return sized(0xcc, 1, (b) => b.writeUInt8(Number(n), 1));
    if (n <= 0xffffn) return sized(0xcd, 2, (b) => b.writeUInt16BE(Number(n), 1));
    if (n <= 0xffffffffn) return sized(0xce, 4, (b) => b.writeUInt32BE(Number(n), 1));
    return sized(0xcf, 8, (b) => b.writeBigUInt64BE(n, 1));
  }
  if (n >= -0x80n) return sized(0xd0, 1, (b) => b.writeInt8(Number(n), 1));
  if (n >= -0x8000n) return sized(0xd1, 2, (b) => b.writeInt16BE(Number(n), 1));
  if (n >= -0x80000000n) return sized(0xd2, 4, (b) => b.writeInt32BE(Number(n), 1));
  return sized(0xd3, 8, (b) => b.writeBigInt64BE(n, 1));
}

/** Encodes the typed notation canonically (smallest formats, float64 only), as the vectors are written. */
export function writeTyped(value: Typed): Buffer {
  if ('raw' in value) return Buffer.from(value.raw, 'hex');
  if ('nil' in value) return Buffer.from([0xc0]);
  if ('bool' in value) return Buffer.from([value.bool ? 0xc3 : 0xc2]);
  if ('int' in value) return writeInt(value.int);
  if ('float' in value) return Buffer.concat([Buffer.from([0xcb]), Buffer.from(value.float, 'hex')]);
  if ('str' in value) {
    const text = Buffer.from(value.str, 'utf8');
    return Buffer.concat([header(text.length, 0xa0, 31, 0xd9, 0xda, 0xdb), text]);
  }
  if ('bin' in value) {
    const data = Buffer.from(value.bin, 'hex');
    const head =
      data.length <= 0xff ? Buffer.from([0xc4, data.length]) : header(data.length, 0, -1, undefined, 0xc5, 0xc6);
    return Buffer.concat([head, data]);
  }
  if ('array' in value)
    return Buffer.concat([header(value.array.length, 0x90, 15, undefined, 0xdc, 0xdd), ...value.array.map(writeTyped)]);
  return Buffer.concat([
    header(value.map.length, 0x80, 15, undefined, 0xde, 0xdf),
    ...value.map.flatMap(([k, v]) => [writeTyped({ str: k }), writeTyped(v)]),
  ]);
}

/** The value of `key` in a typed map, or undefined when the map has no such key. */
export function typedField(value: Typed, key: string): Typed | undefined {
  return 'map' in value ? value.map.find(([k]) => k === key)?.[1] : undefined;
}

/** The raw bytes of the value under `key` in a top-level msgpack map, or undefined. */
export function mapFieldBytes(bytes: Uint8Array, key: string): Buffer | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const reader = new Reader(buffer);
  const tag = reader.byte();
  let length: number;
  if ((tag & 0xf0) === 0x80) length = tag & 0x0f;
  else if (tag === 0xde) length = reader.take(2).readUInt16BE(0);
  else if (tag === 0xdf) length = reader.take(4).readUInt32BE(0);
  else return undefined;
  for (let i = 0; i < length; i++) {
    const name = reader.value();
    const start = reader.offset;
    reader.value();
    if ('str' in name && name.str === key) return buffer.subarray(start, reader.offset);
  }
  return undefined;
}

/** Equality of typed values; map key order is ignored (not every language keeps it). */
export function typedEqual(a: Typed, b: Typed): boolean {
  if ('map' in a && 'map' in b) {
    if (a.map.length !== b.map.length) return false;
    return a.map.every(([key, value]) => {
      const other = b.map.find(([k]) => k === key);
      return other !== undefined && typedEqual(value, other[1]);
    });
  }
  if ('array' in a && 'array' in b)
    return a.array.length === b.array.length && a.array.every((item, i) => typedEqual(item, b.array[i]!));
  return JSON.stringify(a) === JSON.stringify(b);
}
