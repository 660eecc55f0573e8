/**
 * The typed value notation of the golden vectors (fixtures/vectors/README.md), and its mapping to and
 * from JavaScript values.
 */

/** A msgpack value in the vector notation: one tag per object. */
export type Wire =
  | { nil: null }
  | { bool: boolean }
  | { int: string }
  | { float: string }
  | { str: string }
  | { bin: string }
  | { array: Wire[] }
  | { map: Array<[string, Wire]> };

/**
 * A msgpack value outside the portable set as well (unportable.json only): a map key may be any value
 * (a plain JSON string stands for a `str` key), and `ext` is an extension type, -128..127, with its data.
 */
export type AnyWire =
  Wire | { ext: { type: number; hex: string } } | { array: AnyWire[] } | { map: Array<[string | AnyWire, AnyWire]> };

export const ext = (type: number, hex: string): AnyWire => ({ ext: { type, hex } });
export const anyArray = (...items: AnyWire[]): AnyWire => ({ array: items });
export const anyMap = (...pairs: Array<[string | AnyWire, AnyWire]>): AnyWire => ({ map: pairs });

/** A JavaScript-side input: the wire tags plus the input-only tags. */
export type Input =
  | Wire
  | { undefined: null }
  | { bigint: string }
  | { date: string }
  | { set: Input[] }
  | { jsmap: Array<[string, Input]> }
  | { array: Input[] }
  | { map: Array<[string, Input]> };

export const nil: Wire = { nil: null };
export const bool = (value: boolean): Wire => ({ bool: value });
export const int = (value: number | bigint): Wire => ({ int: BigInt(value).toString() });
export const str = (value: string): Wire => ({ str: value });
export const bin = (hex: string): Wire => ({ bin: hex });
export const array = (...items: Wire[]): Wire => ({ array: items });
export const map = (...pairs: Array<[string, Wire]>): Wire => ({ map: pairs });

/** The float tag of a number: its binary64 bits, big-endian, 16 lowercase hex digits. */
export function float(value: number): Wire {
  return { float: floatBits(value) };
}

export function floatBits(value: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  return bytes.toString('hex');
}

export function floatFromBits(bits: string): number {
  return Buffer.from(bits, 'hex').readDoubleBE(0);
}

function tagOf(value: object): string {
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new Error(`a notation value has exactly one tag, got ${JSON.stringify(keys)}`);
  return keys[0] as string;
}

/**
 * The JavaScript value a notation value stands for (README "JavaScript mapping"): int -> number when
 * safe, else bigint; float -> number; bin -> Buffer; map -> plain object in pair order; nil -> null.
 */
export function toJs(value: Input): unknown {
  const tag = tagOf(value);
  const v = value as Record<string, unknown>;
  switch (tag) {
    case 'nil':
      return null;
    case 'bool':
      return v['bool'];
    case 'int': {
      const n = BigInt(v['int'] as string);
      return n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float':
      return floatFromBits(v['float'] as string);
    case 'str':
      return v['str'];
    case 'bin':
      return Buffer.from(v['bin'] as string, 'hex');
    case 'array':
      return (v['array'] as Input[]).map(toJs);
    case 'map':
      return pairsToObject(v['map'] as Array<[string, Input]>);
    case 'undefined':
      return undefined;
    case 'bigint':
      return BigInt(v['bigint'] as string);
    case 'date':
      return new Date(v['date'] as string);
    case 'set':
      return new Set((v['set'] as Input[]).map(toJs));
    case 'jsmap':
      return new Map((v['jsmap'] as Array<[string, Input]>).map(([k, item]) => [k, toJs(item)]));
    default:
      throw new Error(`unknown notation tag ${tag}`);
  }
}

function pairsToObject(pairs: Array<[string, Input]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of pairs)
    Object.defineProperty(out, key, { value: toJs(item), enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * The notation of a decoded (or sanitised) JavaScript value. Integral numbers are `int` (a decoded value
 * holds no integral float64 within int64: see the README), other numbers `float`.
 */
export function fromJs(value: unknown): Wire {
  if (value === null) return nil;
  switch (typeof value) {
    case 'boolean':
      return bool(value);
    case 'bigint':
      return int(value);
    case 'number':
      return Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63 ? int(value) : float(value);
    case 'string':
      return str(value);
    case 'object':
      break;
    default:
      throw new Error(`not a decoded value: ${typeof value}`);
  }
  if (value instanceof Uint8Array)
    return bin(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'));
  if (Array.isArray(value)) return array(...value.map(fromJs));
  return map(...Object.entries(value as Record<string, unknown>).map(([k, item]): [string, Wire] => [k, fromJs(item)]));
}
