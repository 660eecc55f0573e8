/**
 * Values outside the portable set that a receiver can be sent by a port in another language: a map key
 * that is not a string (Python, Go and Rust maps take any key; a JavaScript object does not), and msgpack
 * extension types (no port sends them on purpose; a library may). The receiver cannot pass such a value to
 * a handler unchanged, so it refuses the CALL with an ERROR that names the path (MF-VAL-11, MF-VAL-12).
 * Internal to src/protocol: the codec's slow decode ({@link Codec.decodeUnportable}) uses it.
 */
import { formatPath } from './sanitize-scalars.js';

/** Deepest nesting searched (the decoder's own limits stop far sooner). */
const MAX_SEARCH_DEPTH = 100_000;

/**
 * The first value outside the portable set in `raw` (a decode with maps as Maps and extension types as
 * objects of class `ForeignExtension`): its path and what it is (`$.args[0]: a map key of type integer (1), ...`), or undefined.
 */
export function firstUnportable(raw: unknown): string | undefined {
  const path: Array<string | number> = [];
  const found = search(raw, path, 0);
  return found === undefined ? undefined : `${formatPath(path)}: ${found}`;
}

function search(value: unknown, path: Array<string | number>, depth: number): string | undefined {
  if (depth > MAX_SEARCH_DEPTH || value === null || typeof value !== 'object' || Buffer.isBuffer(value))
    return undefined;
  if (Array.isArray(value)) return searchArray(value, path, depth);
  if (value instanceof Map) return searchMap(value as Map<unknown, unknown>, path, depth);
  const type = extensionType(value);
  if (type !== undefined) return `a msgpack extension type ${type} (the protocol has none)`;
  return undefined;
}

/** The type of a `ForeignExtension` (matched by shape: codec.ts imports this module). */
function extensionType(value: unknown): number | undefined {
  const extension = value as { type?: unknown; data?: unknown } | null;
  return typeof extension === 'object' && typeof extension?.type === 'number' && Buffer.isBuffer(extension.data)
    ? extension.type
    : undefined;
}

function searchArray(items: unknown[], path: Array<string | number>, depth: number): string | undefined {
  for (let i = 0; i < items.length; i++) {
    path.push(i);
    const found = search(items[i], path, depth + 1);
    if (found !== undefined) return found;
    path.pop();
  }
  return undefined;
}

function searchMap(map: Map<unknown, unknown>, path: Array<string | number>, depth: number): string | undefined {
  for (const [key, item] of map) {
    if (typeof key !== 'string')
      return `a map key of type ${keyType(key)} (${describeKey(key)}), where map keys are strings`;
    path.push(key);
    const found = search(item, path, depth + 1);
    if (found !== undefined) return found;
    path.pop();
  }
  return undefined;
}

/**
 * The first key of the top-level map in `raw` (decoded as for {@link firstUnportable}) that is not a string
 * (`a map key of type integer (1)`), or undefined. Such a payload is not a message at all (MF-MSG-1).
 */
export function firstNonStringTopLevelKey(raw: unknown): string | undefined {
  if (!(raw instanceof Map)) return undefined;
  for (const key of (raw as Map<unknown, unknown>).keys())
    if (typeof key !== 'string') return `a map key of type ${keyType(key)} (${describeKey(key)})`;
  return undefined;
}

function keyType(key: unknown): string {
  if (key === null) return 'nil';
  if (typeof key === 'number') return Number.isInteger(key) ? 'integer' : 'float';
  if (typeof key === 'bigint') return 'integer';
  if (typeof key === 'boolean') return 'boolean';
  if (Buffer.isBuffer(key)) return 'bin';
  if (Array.isArray(key)) return 'array';
  if (key instanceof Map) return 'map';
  if (extensionType(key) !== undefined) return 'extension';
  return typeof key;
}

/** A short text for a map key that is not a string (an array or map key becomes its JSON-like text). */
export function describeKey(key: unknown): string {
  if (Buffer.isBuffer(key)) return `bin ${key.toString('hex').slice(0, 32)}`;
  if (key instanceof Map)
    return `{${[...key.keys()]
      .map((k) => describeKey(k))
      .join(', ')
      .slice(0, 40)}}`;
  if (Array.isArray(key))
    return `[${key
      .map((k) => describeKey(k))
      .join(', ')
      .slice(0, 40)}]`;
  if (typeof key === 'string') return JSON.stringify(key.slice(0, 40));
  const type = extensionType(key);
  if (type !== undefined) return `type ${type}`;
  return String(key);
}
