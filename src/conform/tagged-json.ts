/**
 * Tagged JSON: the value notation of the parent driver contract (docs/spec.md section 14, docs/peers.md).
 * Plain JSON for JSON-safe values; bin is `{"$bin": "<hex>"}`; an integer outside ±(2^53-1) is
 * `{"$int": "<decimal>"}`; nil is `null`. Input only: `{"$float": "NaN" | "Infinity" | "-Infinity"}` asks
 * for a non-finite float (sent as nil, MF-VAL-1). Output only: a map whose keys are not all strings is
 * `{"$map": [[key, value], ...]}` and an extension value `{"$ext": {"type": n, "hex": "<data>"}}` (MF-VAL-14);
 * the TypeScript ParentWorker delivers neither (it refuses such a reply with an error), so they appear here
 * only for a value that holds a `Map` or a {@link ForeignExtension}.
 */
import { ForeignExtension } from '../protocol/codec.js';

/** The non-finite floats `$float` names. */
const NON_FINITE: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** Sets an own property, `__proto__` included (an assignment would set the prototype instead: MF-VAL-11). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A decoded wire value to tagged JSON. */
export function toTaggedJson(value: unknown): unknown {
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (value instanceof Uint8Array)
    return { $bin: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
  if (Array.isArray(value)) return value.map(toTaggedJson);
  if (value instanceof ForeignExtension) return { $ext: { type: value.type, hex: value.data.toString('hex') } };
  if (value instanceof Map)
    return { $map: [...(value as Map<unknown, unknown>)].map(([k, v]) => [toTaggedJson(k), toTaggedJson(v)]) };
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) setOwn(out, key, toTaggedJson(inner));
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value === undefined ? null : value;
}

/** Tagged JSON to a value ready to send (bin as Buffer, big integers as BigInt, `$float` as NaN or ±Infinity). */
export function fromTaggedJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromTaggedJson);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && typeof record['$bin'] === 'string') return Buffer.from(record['$bin'], 'hex');
    if (keys.length === 1 && typeof record['$int'] === 'string') return BigInt(record['$int']);
    const float = record['$float'];
    if (keys.length === 1 && typeof float === 'string' && Object.hasOwn(NON_FINITE, float)) return NON_FINITE[float];
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) setOwn(out, key, fromTaggedJson(inner));
    return out;
  }
  return value;
}
