/**
 * One service entry: `{ "port": <int>, "pid": <int>, "started": <ISO 8601 UTC> }` under the service id.
 * Readers tolerate extra keys and accept the Go port's `start_time` for `started`.
 * @see MF-REG-2, MF-REG-12
 */
import { InvalidArgumentError } from '../errors.js';
import { isValidPid } from './process-probe.js';

/** A well-formed entry as read (or as written by `register`). */
export interface RegistryEntry {
  /** TCP port the service listens on, 1..65535. */
  readonly port: number;
  /** Pid of the process that registered it. */
  readonly pid: number;
  /** Registration time, ISO 8601 UTC, from `started` or `start_time`; undefined when the entry has neither. */
  readonly started: string | undefined;
  /** Every other key of the entry, as read (empty for entries we write). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** What a reader makes of one member of the registry object. */
export type EntryCheck =
  | { readonly ok: true; readonly entry: RegistryEntry }
  /** `pid` is the member's pid when that field alone is usable: a live one still holds the id (MF-REG-8). */
  | { readonly ok: false; readonly problem: string; readonly pid: number | undefined };

const KNOWN_KEYS = new Set(['port', 'pid', 'started', 'start_time']);

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65_535;
}

/** Checks one member value; never throws. */
export function checkEntry(value: unknown): EntryCheck {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    return { ok: false, problem: `the entry is ${kind}, not an object`, pid: undefined };
  }
  const record = value as Record<string, unknown>;
  const pid = isValidPid(record['pid']) ? record['pid'] : undefined;
  const problems: string[] = [];
  if (!isPort(record['port']))
    problems.push(`port ${JSON.stringify(record['port']) ?? 'missing'} is not an integer 1..65535`);
  if (pid === undefined) problems.push(`pid ${JSON.stringify(record['pid']) ?? 'missing'} is not a positive integer`);
  const started = record['started'] ?? record['start_time'];
  if (started !== undefined && typeof started !== 'string')
    problems.push(`started ${JSON.stringify(started)} is not a string`);
  if (problems.length > 0 || pid === undefined) return { ok: false, problem: problems.join('; '), pid };
  const extra: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(record)) {
    if (!KNOWN_KEYS.has(key))
      Object.defineProperty(extra, key, { value: field, enumerable: true, writable: true, configurable: true });
  }
  return { ok: true, entry: { port: record['port'] as number, pid, started: started as string | undefined, extra } };
}

/** The JSON object written for a new registration (exactly the MF-REG-2 keys). */
export function entryJson(entry: RegistryEntry): { port: number; pid: number; started: string | undefined } {
  return { port: entry.port, pid: entry.pid, started: entry.started };
}

/** Refuses ids that cannot be a service id: empty, over 256 characters, or containing control characters. */
export function validateServiceId(serviceId: unknown): asserts serviceId is string {
  if (
    typeof serviceId !== 'string' ||
    serviceId === '' ||
    serviceId.length > 256 ||
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    /[\u0000-\u001f\u007f]/.test(serviceId)
  ) {
    throw new InvalidArgumentError(
      'serviceId',
      `must be a non-empty string of at most 256 characters without control characters, got ${JSON.stringify(serviceId)}`,
    );
  }
}

/** Refuses anything but an integer TCP port 1..65535. */
export function validatePort(port: unknown): asserts port is number {
  if (!isPort(port)) throw new InvalidArgumentError('port', `must be an integer 1..65535, got ${JSON.stringify(port)}`);
}
