/**
 * The original design's option names (docs: the migration table in docs/worker.md). Each either works as
 * the design describes or is refused with an InvalidArgumentError naming its replacement; none is ignored.
 * - `defaultTimeout` (ms in the design) works as `defaultTimeoutMs`.
 * - `heartbeatInterval` and `heartbeatTimeout` (seconds in the design, e.g. `5.0`) work as the `...Ms`
 *   options times 1,000; a value over 600 (ten minutes) is refused, as it is almost surely milliseconds (MF-HB-6).
 * - `timeout` as a worker option (a per-call option in the design) is refused: use `defaultTimeoutMs`.
 */
import { InvalidArgumentError } from '../../errors.js';

/** The design's names as they may appear on ParentWorkerOptions. */
export interface SeedParentOptions {
  /** @deprecated the design's name; use `defaultTimeoutMs` (same unit, ms). */
  defaultTimeout?: number;
  /** @deprecated the design's name, in seconds; use `heartbeatIntervalMs`. */
  heartbeatInterval?: number;
  /** @deprecated the design's name, in seconds; use `heartbeatTimeoutMs`. */
  heartbeatTimeout?: number;
}

/** Seconds above which a design-named value is taken for milliseconds given by mistake (10 minutes). */
const SECONDS_LIMIT = 600;

interface Translatable extends SeedParentOptions {
  defaultTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
}

/** Returns `options` with the design's names replaced by this API's. @throws InvalidArgumentError */
export function translateSeedOptions<T extends Translatable>(options: T): T {
  const loose = options as T & { timeout?: unknown };
  if (loose.timeout !== undefined)
    throw new InvalidArgumentError(
      'timeout',
      'not a worker option: use defaultTimeoutMs (ms), or a per-call timeoutMs',
    );
  if (
    options.defaultTimeout === undefined &&
    options.heartbeatInterval === undefined &&
    options.heartbeatTimeout === undefined
  )
    return options;
  const out: T = { ...options };
  delete out.defaultTimeout;
  delete out.heartbeatInterval;
  delete out.heartbeatTimeout;
  if (options.defaultTimeout !== undefined) {
    both('defaultTimeout', 'defaultTimeoutMs', options.defaultTimeoutMs);
    out.defaultTimeoutMs = options.defaultTimeout;
  }
  if (options.heartbeatInterval !== undefined) {
    both('heartbeatInterval', 'heartbeatIntervalMs', options.heartbeatIntervalMs);
    out.heartbeatIntervalMs = seconds('heartbeatInterval', 'heartbeatIntervalMs', options.heartbeatInterval);
  }
  if (options.heartbeatTimeout !== undefined) {
    both('heartbeatTimeout', 'heartbeatTimeoutMs', options.heartbeatTimeoutMs);
    out.heartbeatTimeoutMs = seconds('heartbeatTimeout', 'heartbeatTimeoutMs', options.heartbeatTimeout);
  }
  return out;
}

function both(seedName: string, name: string, value: unknown): void {
  if (value !== undefined) throw new InvalidArgumentError(seedName, `give ${name} only (${seedName} is its old name)`);
}

function seconds(seedName: string, name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new InvalidArgumentError(seedName, `expected a non-negative number of seconds, got ${String(value)}`);
  if (value > SECONDS_LIMIT)
    throw new InvalidArgumentError(
      seedName,
      `${value} seconds is more than ten minutes: for milliseconds use ${name}: ${value} (${seedName} is in seconds)`,
    );
  return Math.round(value * 1000);
}
