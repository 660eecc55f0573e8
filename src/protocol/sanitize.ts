/**
 * Sanitisation: maps any JavaScript value onto the portable value set of the protocol, or fails with
 * an {@link EncodeError} naming the path of the first bad value (e.g. `$.args[0].user`).
 *
 * Rules (docs/spec.md section 4):
 * - NaN, +Infinity, -Infinity become null, at any depth (MF-VAL-1); -0 becomes 0 (MF-VAL-10).
 * - An integral number within int64 is an integer; a bigint within int64/uint64 is an integer, one
 *   outside is an error (MF-VAL-2, MF-VAL-3). Integers are numbers when safe, bigints otherwise (MF-VAL-4).
 * - Buffer / Uint8Array / ArrayBuffer / DataView are binary (a Buffer view, no copy) (MF-VAL-5).
 * - `undefined` is omitted as an object property and null inside an array (MF-VAL-6).
 * - Map with string keys -> plain object; Date -> ISO 8601 string (an invalid Date is an error);
 *   Set -> array; typed arrays other than Uint8Array -> array of their elements; any other class
 *   instance (including Error, RegExp) -> plain object of its own enumerable string-keyed properties
 *   (MF-VAL-7). Symbol-keyed properties are ignored, as in JSON: never sent, and dropped from copies
 *   (an object that needs no other change is returned as is, symbol keys included).
 * - Functions, symbols, cycles, Map keys that are not strings, and nesting deeper than
 *   {@link MAX_DEPTH} are errors (MF-VAL-7).
 * - Strings with lone surrogates get U+FFFD in their place, so they are valid UTF-8 (MF-VAL-9).
 *
 * Performance: one pass that returns the input itself when nothing needs changing and copies only the
 * containers on the path to a changed value. Paths are built only when an error is thrown.
 * @see MF-VAL-1 .. MF-VAL-10
 */
import { EncodeError } from '../errors.js';
import { BadValue, formatPath, portableBigInt, portableNumber, wireBigInt, wireNumber } from './sanitize-scalars.js';
import { WideInteger } from './wide-integer.js';

export { formatPath } from './sanitize-scalars.js';

/** Deepest container nesting accepted (arrays, maps, objects). Deeper values fail with an EncodeError. */
export const MAX_DEPTH = 512;

/**
 * Returns the portable form of `value`: exactly what decoding its encoding gives back, so
 * `decode(encode(sanitize(v)))` deep-equals `sanitize(v)` and `sanitize(sanitize(v)) === sanitize(v)`
 * (the same reference: an already portable value is returned as is). Top-level `undefined` gives null.
 * @throws EncodeError with `path` rooted at `$`.
 * @see MF-VAL-8
 */
export function sanitize(value: unknown): unknown {
  return run(value, false);
}

/**
 * The codec's variant of {@link sanitize}: the same rules and errors, but the result is shaped for
 * msgpackr rather than for callers (integers that need 64-bit formats become {@link WideInteger},
 * `undefined` array elements are left to the packer, which writes nil). Internal to src/protocol.
 */
export function prepareForWire(value: unknown): unknown {
  return run(value, true);
}

interface WalkState {
  /** true: prepare for msgpackr; false: portable form for callers. */
  readonly wire: boolean;
  /** The containers from the root to the current value, for cycle detection. */
  readonly ancestors: object[];
  /**
   * Whether plain objects may be walked with for-in (V8 reads the values from its enum cache, ~30% faster
   * than Object.keys plus keyed loads). Only when Object.prototype has no enumerable property, since for-in
   * also visits inherited ones; checked at the start of every walk.
   */
  forIn: boolean;
}

/**
 * The walk state is reused between calls (no allocation per message); a nested call, which only a getter
 * or proxy trap inside the value can make, gets a fresh one.
 */
const SHARED_STATES: { wire: WalkState; portable: WalkState } = {
  wire: { wire: true, ancestors: [], forIn: true },
  portable: { wire: false, ancestors: [], forIn: true },
};
let sharedInUse = false;

/** True when something made a property of Object.prototype enumerable (prototype pollution). */
function objectPrototypeHasEnumerable(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

function run(value: unknown, wire: boolean): unknown {
  const shared = !sharedInUse;
  const state: WalkState = shared
    ? wire
      ? SHARED_STATES.wire
      : SHARED_STATES.portable
    : { wire, ancestors: [], forIn: true };
  state.forIn = !objectPrototypeHasEnumerable();
  sharedInUse = true;
  try {
    const result = walk(value, state);
    return result === undefined ? null : result;
  } catch (error) {
    // A throw skips the pops: empty the stack here (on success every push was popped).
    state.ancestors.length = 0;
    if (error instanceof BadValue) throw new EncodeError(formatPath(error.segments.reverse()), error.reason);
    // A throwing getter or proxy trap: still a typed error, with the original as cause.
    throw new EncodeError('$', 'the value could not be read', { cause: error });
  } finally {
    if (shared) sharedInUse = false;
  }
}

function walk(value: unknown, state: WalkState): unknown {
  switch (typeof value) {
    case 'number':
      return state.wire ? wireNumber(value) : portableNumber(value);
    case 'string':
      return wellFormed(value);
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return state.wire ? wireBigInt(value) : portableBigInt(value);
    case 'object':
      return value === null ? null : walkObject(value, state);
    case 'function':
      throw new BadValue('a function cannot be sent');
    default:
      throw new BadValue(`a ${typeof value} cannot be sent`);
  }
}

// ES2024 string methods (Node >= 20); the ES2023 lib in tsconfig does not declare them yet.
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

function wellFormed(text: string): string {
  const s = text as unknown as WellFormedString;
  return s.isWellFormed() ? text : s.toWellFormed();
}

/**
 * The fast path of the walk, inlined by V8 into the container loops: true for a primitive that needs no
 * change (most values), so the loop skips the general walk. Numbers: finite, and within the 32-bit
 * ranges or non-integral; -0 only in wire mode (msgpackr writes it as 0x00). Anything else, including
 * numbers this does not decide, takes the general path, which gives the exact answer.
 */
function unchangedPrimitive(item: unknown, wire: boolean): boolean {
  switch (typeof item) {
    case 'number':
      if (item - item !== 0) return false;
      return item >> 0 === item ? wire || item !== 0 || 1 / item > 0 : item >>> 0 === item || Math.floor(item) !== item;
    case 'string':
      return (item as unknown as WellFormedString).isWellFormed();
    case 'boolean':
      return true;
    case 'object':
      return item === null;
    default:
      return false;
  }
}

function enter(container: object, state: WalkState): void {
  if (state.ancestors.includes(container)) throw new BadValue('a cycle: the value contains itself');
  if (state.ancestors.length >= MAX_DEPTH) throw new BadValue(`nesting deeper than ${MAX_DEPTH} levels`);
  state.ancestors.push(container);
}

function at(error: unknown, segment: string | number): unknown {
  if (error instanceof BadValue) error.segments.push(segment);
  return error;
}

function walkObject(value: object, state: WalkState): unknown {
  // One prototype read decides the two common cases (plain objects and arrays) without further checks.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype) {
    return state.forIn
      ? walkPlainRecord(value as Record<string, unknown>, state)
      : walkRecord(value as Record<string, unknown>, state, false);
  }
  if (proto === Array.prototype) return walkArray(value as unknown[], state, false);
  if (Array.isArray(value)) return walkArray(value, state, !state.wire); // a subclass or another realm's array
  if (value instanceof Uint8Array) {
    return state.wire || Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  // A null-prototype object decodes as a plain one: the portable form copies it so the two deep-equal.
  if (proto === null) return walkRecord(value as Record<string, unknown>, state, !state.wire);
  return walkSpecial(value, state);
}

function walkSpecial(value: object, state: WalkState): unknown {
  if (value instanceof WideInteger) return state.wire ? value : walk(value.value, state);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new BadValue('an invalid Date cannot be sent');
    return value.toISOString();
  }
  if (value instanceof Map) return walkMap(value, state);
  if (value instanceof Set) return walkArray(Array.from(value as Set<unknown>), state, false);
  if (value instanceof DataView) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (ArrayBuffer.isView(value)) return walkArray(Array.from(value as unknown as ArrayLike<unknown>), state, false);
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return Buffer.from(value);
  return walkRecord(value as Record<string, unknown>, state, true);
}

function walkArray(array: readonly unknown[], state: WalkState, forceCopy: boolean): unknown {
  enter(array, state);
  const length = array.length;
  let copy: unknown[] | undefined = forceCopy ? [] : undefined;
  let i = 0;
  const first = array[0];
  if (!forceCopy && length >= FLOAT_RUN_MIN_LENGTH && typeof first === 'number' && Math.floor(first) !== first)
    i = floatRunLength(array);
  for (; i < length; i++) {
    const item = array[i];
    if (copy === undefined) {
      // Cheapest test first for float arrays: a finite non-integral number never changes (NaN fails
      // `item === item`, infinities are integral by Math.floor).
      if (typeof item === 'number' && Math.floor(item) !== item && item === item) continue;
      if (unchangedPrimitive(item, state.wire)) continue;
    }
    let result: unknown;
    try {
      result = walk(item, state);
    } catch (error) {
      throw at(error, i);
    }
    // In wire mode msgpackr writes undefined (and array holes) as nil: no copy needed for them.
    if (result === undefined && !state.wire) result = null;
    if (copy !== undefined) copy.push(result);
    else if (result !== item || (result === 0 && !state.wire && Object.is(item, -0))) {
      copy = array.slice(0, i);
      copy.push(result);
    }
  }
  state.ancestors.pop();
  return copy ?? array;
}

/** Arrays at least this long that start with a float get the dedicated scan below. */
const FLOAT_RUN_MIN_LENGTH = 8;

/**
 * How many leading elements of `array` are finite non-integral numbers (which never change). A separate
 * function on purpose: its element load only ever sees float arrays, so V8 reads unboxed doubles, while
 * the general loop sees every kind of array and would box each double (measured: 2-3x slower).
 */
function floatRunLength(array: readonly unknown[]): number {
  const length = array.length;
  let i = 0;
  for (; i < length; i++) {
    const item = array[i];
    if (typeof item !== 'number' || Math.floor(item) === item || item !== item) break;
  }
  return i;
}

/** A primitive the walk would return as is, under a well-formed key: the entry is kept without a walk. */
function skippable(item: unknown, key: string, state: WalkState): boolean {
  return unchangedPrimitive(item, state.wire) && (key as unknown as WellFormedString).isWellFormed();
}

/** Walks one entry's value; an error gets the entry's key prepended to its path. */
function walkEntry(item: unknown, key: string, state: WalkState): unknown {
  try {
    return walk(item, state);
  } catch (error) {
    throw at(error, key);
  }
}

/** True when the walked entry can stay as it is: same value and key (and not -0 turned 0 off the wire). */
function entryUnchanged(item: unknown, result: unknown, key: string, wireKey: string, state: WalkState): boolean {
  return (
    result === item && result !== undefined && wireKey === key && !(result === 0 && !state.wire && Object.is(item, -0))
  );
}

function walkRecord(record: Record<string, unknown>, state: WalkState, forceCopy: boolean): unknown {
  enter(record, state);
  const keys = Object.keys(record);
  let copy: Record<string, unknown> | undefined = forceCopy ? {} : undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = record[key];
    if (copy === undefined && skippable(item, key, state)) continue;
    const result = walkEntry(item, key, state);
    const wireKey = wellFormed(key);
    if (copy === undefined) {
      if (entryUnchanged(item, result, key, wireKey, state)) continue;
      copy = copyKeys(record, keys, i);
    }
    if (result !== undefined) setOwn(copy, wireKey, result);
  }
  state.ancestors.pop();
  return copy ?? record;
}

/** {@link walkRecord} for a plain object, with for-in (see WalkState.forIn). Same results. */
function walkPlainRecord(record: Record<string, unknown>, state: WalkState): unknown {
  enter(record, state);
  let copy: Record<string, unknown> | undefined;
  let index = 0;
  for (const key in record) {
    const item = record[key];
    if (copy === undefined && skippable(item, key, state)) {
      index++;
      continue;
    }
    const result = walkEntry(item, key, state);
    const wireKey = wellFormed(key);
    if (copy === undefined) {
      if (entryUnchanged(item, result, key, wireKey, state)) {
        index++;
        continue;
      }
      // for-in visits own string keys in Object.keys order, so the first `index` keys are the unchanged ones.
      copy = copyKeys(record, Object.keys(record), index);
    }
    if (result !== undefined) setOwn(copy, wireKey, result);
    index++;
  }
  state.ancestors.pop();
  return copy ?? record;
}

function walkMap(map: Map<unknown, unknown>, state: WalkState): unknown {
  enter(map, state);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of map) {
    if (typeof key !== 'string')
      throw new BadValue(`a Map key of type ${key === null ? 'null' : typeof key} cannot be sent (only string keys)`);
    let result: unknown;
    try {
      result = walk(item, state);
    } catch (error) {
      throw at(error, key);
    }
    if (result !== undefined) setOwn(copy, wellFormed(key), result);
  }
  state.ancestors.pop();
  return copy;
}

/** A plain object holding the first `count` keys of `record`, which were already found unchanged. */
function copyKeys(record: Record<string, unknown>, keys: readonly string[], count: number): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    const key = keys[i] as string;
    setOwn(copy, key, record[key]);
  }
  return copy;
}

/** Assigns an own data property, even for the key `__proto__` (a plain assignment would set the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
