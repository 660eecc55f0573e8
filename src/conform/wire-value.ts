/**
 * Wire values: msgpack values with their msgpack types kept, for the kit's checks that must see exactly
 * what crossed the wire (an integer versus a float, float32 versus float64, a wide integer format, a map
 * key that is not a string, an extension type) and that must send values our own codec would change
 * (NaN, -0, integral floats) or refuse (non-string keys, extension types).
 *
 * wire-write.ts writes the canonical encoding (the smallest format for every integer and header, uint
 * formats for non-negative integers, float64); wire-read.ts reads any well-formed msgpack value and
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

/** The string-keyed field `name` of a wire map, or undefined. */
export function wireField(map: WireValue, name: string): WireValue | undefined {
  if (map.type !== 'map') return undefined;
  for (const [key, value] of map.entries) if (key.type === 'str' && key.value === name) return value;
  return undefined;
}
