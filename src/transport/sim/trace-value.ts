/**
 * Turns frames and decoded payloads into plain JSON for the trace, the same on every run and platform:
 * binary as `{ "$bin": "<hex>" }` (tagged as in the parent driver contract, MF-DRV-1), BigInt as
 * `{ "$int": "<decimal>" }`, non-finite floats as `{ "$float": "NaN" }`, Map as an object, undefined as null.
 */

/** Lower-case hex of the bytes; the empty frame is the empty string. */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return hex;
}

/** A JSON-safe copy of a decoded value (see the module comment for the tags). */
export function toTraceValue(value: unknown, depth = 0): unknown {
  if (depth > 64) return '[too deep]';
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : { $float: String(value) };
    case 'bigint':
      return { $int: value.toString() };
    case 'object':
      return objectToTraceValue(value, depth);
    default:
      return `[${typeof value}]`;
  }
}

function objectToTraceValue(value: object, depth: number): unknown {
  if (value instanceof Uint8Array) return { $bin: toHex(value) };
  if (Array.isArray(value)) return value.map((item: unknown) => toTraceValue(item, depth + 1));
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of value) out[String(key)] = toTraceValue(item, depth + 1);
    return out;
  }
  if (value instanceof Date) return value.toISOString();
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = toTraceValue(item, depth + 1);
  return out;
}
