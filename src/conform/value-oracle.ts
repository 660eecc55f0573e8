/**
 * The oracle of differential value checking: what `echo(value)` must give back for a value the kit sent,
 * as docs/spec.md section 4 requires, and the first place where a reply differs.
 *
 * - nil, booleans, strings (MF-VAL-9) and bin (MF-VAL-5) come back unchanged, with their type.
 * - An integer comes back as an integer of the same value (MF-VAL-4), in the smallest format (MF-VAL-2).
 * - NaN and ±Infinity come back as nil (MF-VAL-1); -0.0 and 0.0 as a value equal to 0: integer 0 or a
 *   float zero (MF-VAL-10).
 * - Any other integral float within the int64 range may come back as the integer of that value (the
 *   reference TypeScript worker does so: a JavaScript number has no int/float distinction, MF-VAL-2) or
 *   as the same float64. Every other float comes back as float64 with the same bits (MF-VAL-10).
 * - Arrays keep their length and order; maps keep their keys and values. Map key order is not checked
 *   (not every language keeps it; the golden vectors do not check it either); a key renamed, dropped or
 *   added breaks MF-VAL-11.
 * Anything else the echo method does (an ERROR, another type) breaks MF-SVC-1.
 * @see MF-SVC-1, MF-VAL-1, MF-VAL-2, MF-VAL-4, MF-VAL-5, MF-VAL-9, MF-VAL-10, MF-VAL-11
 */
import { showWire } from './wire-show.js';
import { floatValue, type WireValue } from './wire-value.js';
import { intBytes } from './wire-write.js';

/** Where and how a reply differs from what the spec requires. */
export interface ValueMismatch {
  /** The clause the difference breaks. */
  clause: string;
  /** Where in the echoed value, `$` being the value itself: `$[0]["name"]`. */
  path: string;
  expected: string;
  actual: string;
}

/** The clauses a passing run of the value fuzzer has checked. */
export const VALUE_FUZZ_CLAUSES = [
  'MF-SVC-1',
  'MF-VAL-1',
  'MF-VAL-2',
  'MF-VAL-4',
  'MF-VAL-5',
  'MF-VAL-9',
  'MF-VAL-10',
  'MF-VAL-11',
] as const;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE = 2n ** 53n - 1n;

/** The first difference between `got` and what echoing `sent` must give, or undefined when it conforms. */
export function compareEcho(sent: WireValue, got: WireValue): ValueMismatch | undefined {
  return compareAt(sent, got, []);
}

/** The path of segments (`[3]`, `["name"]`) from the echoed value down, as text. Built only for a mismatch. */
function pathText(segments: readonly string[]): string {
  return `$${segments.join('')}`;
}

function compareAt(sent: WireValue, got: WireValue, path: string[]): ValueMismatch | undefined {
  // Cheap per element: a value that arrives unchanged (the common case) allocates nothing here.
  const miss: Miss = (clause, expected) => mismatch(clause, expected, got, path);
  switch (sent.type) {
    case 'nil':
    case 'bool':
      return got.type === sent.type && (sent.type === 'nil' || (got as { value: boolean }).value === sent.value)
        ? undefined
        : miss('MF-SVC-1', showWire(sent));
    case 'int':
      // Both sides write integers in canonical decimal: equal strings are equal values.
      if (got.type === 'int' && got.value === sent.value && got.wide !== true) return undefined;
      return compareInt(BigInt(sent.value), got, miss);
    case 'float':
      return compareFloat(sent.bits, got, miss);
    case 'str':
      return got.type === 'str' && got.value === sent.value
        ? undefined
        : miss('MF-VAL-9', `the string ${showWire(sent)}`);
    case 'bin':
      return got.type === 'bin' && got.hex === sent.hex ? undefined : miss('MF-VAL-5', `bin ${showWire(sent)}`);
    case 'ext':
      return got.type === 'ext' && got.extType === sent.extType && got.hex === sent.hex
        ? undefined
        : miss('MF-SVC-1', showWire(sent));
    case 'array':
      return compareArray(sent.items, got, path, miss);
    case 'map':
      return compareMap(sent.entries, got, path, miss);
  }
}

type Miss = (clause: string, expected: string) => ValueMismatch;

function mismatch(clause: string, expected: string, got: WireValue, path: readonly string[]): ValueMismatch {
  return { clause, path: pathText(path), expected, actual: showWire(got) };
}

function compareInt(n: bigint, got: WireValue, miss: Miss): ValueMismatch | undefined {
  const big = n > SAFE || n < -SAFE;
  if (got.type !== 'int') return miss(big ? 'MF-VAL-4' : 'MF-VAL-2', `the integer ${n} (an integer stays an integer)`);
  if (BigInt(got.value) !== n) return miss(big ? 'MF-VAL-4' : 'MF-SVC-1', `the integer ${n}, exactly`);
  if (got.wide === true)
    return miss('MF-VAL-2', `${n} in the smallest integer format (${intBytes(n).toString('hex')})`);
  return undefined;
}

function compareFloat(bits: string, got: WireValue, miss: Miss): ValueMismatch | undefined {
  const n = floatValue(bits);
  if (!Number.isFinite(n))
    return got.type === 'nil' ? undefined : miss('MF-VAL-1', `nil (${Number.isNaN(n) ? 'NaN' : n} is sent as nil)`);
  if (n === 0) {
    const zero =
      (got.type === 'int' && got.value === '0' && got.wide !== true) ||
      (got.type === 'float' && floatValue(got.bits) === 0 && got.single !== true);
    return zero ? undefined : miss('MF-VAL-10', 'a value equal to 0 (integer 0 or a float zero)');
  }
  const sameFloat = got.type === 'float' && got.bits === bits && got.single !== true;
  if (sameFloat) return undefined;
  if (Number.isInteger(n)) {
    const asInt = BigInt(n);
    if (asInt >= INT64_MIN && asInt <= INT64_MAX) {
      if (got.type === 'int' && BigInt(got.value) === asInt && got.wide !== true) return undefined;
      return miss(
        'MF-VAL-2',
        `the integral number ${asInt}: integer ${asInt} in the smallest format, or float64 ${bits}`,
      );
    }
  }
  return miss('MF-VAL-10', `float64 ${bits} (${n}), bit for bit`);
}

function compareArray(items: WireValue[], got: WireValue, path: string[], miss: Miss): ValueMismatch | undefined {
  if (got.type !== 'array') return miss('MF-SVC-1', `an array of ${items.length}`);
  if (got.items.length !== items.length)
    return miss('MF-SVC-1', `an array of ${items.length} (got ${got.items.length} elements)`);
  for (let i = 0; i < items.length; i++) {
    path.push(`[${i}]`);
    const inner = compareAt(items[i]!, got.items[i]!, path);
    path.pop();
    if (inner !== undefined) return inner;
  }
  return undefined;
}

function compareMap(
  entries: Array<[WireValue, WireValue]>,
  got: WireValue,
  path: string[],
  miss: Miss,
): ValueMismatch | undefined {
  if (got.type !== 'map') return miss('MF-SVC-1', `a map of ${entries.length}`);
  const received = new Map<string, WireValue>();
  for (const [key, value] of got.entries) {
    const name = keyName(key);
    if (received.has(name)) return miss('MF-VAL-11', `a map without duplicate keys (key ${name} twice)`);
    received.set(name, value);
  }
  for (const [key, value] of entries) {
    const name = keyName(key);
    const match = received.get(name);
    if (match === undefined) return miss('MF-VAL-11', `a map with the key ${name} (keys cross unchanged)`);
    path.push(`[${name}]`);
    const inner = compareAt(value, match, path);
    path.pop();
    if (inner !== undefined) return inner;
  }
  if (got.entries.length !== entries.length)
    return miss('MF-VAL-11', `a map of ${entries.length} keys (got ${got.entries.length})`);
  return undefined;
}

/** A map key as a lookup name: a str key is its JSON string, any other key its typed rendering. */
function keyName(key: WireValue): string {
  return key.type === 'str' ? JSON.stringify(key.value) : `<${key.type}> ${JSON.stringify(key)}`;
}
