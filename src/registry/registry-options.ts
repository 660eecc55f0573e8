/**
 * Options of the service registry, resolved once by {@link resolveRegistryOptions}.
 * @see MF-REG-1, MF-REG-4, MF-REG-5, MF-REG-10, MF-SEC-4
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { realClock } from '../time/real-clock.js';
import { FileRegistryStore } from './file-store.js';
import { isValidPid, realProcessProbe, type ProcessProbe } from './process-probe.js';
import type { RegistryStore } from './registry-store.js';

export interface RegistryOptions {
  /** Base directory. Default: `$MULTIFROST_HOME` when set and non-empty, else `~/.multifrost` (MF-REG-1). */
  baseDir?: string;
  /** Storage. Default: a `FileRegistryStore` on `baseDir`. Pass a `MemoryRegistryStore` for the simulator. */
  store?: RegistryStore;
  /** Every wait (lock polling, discovery polling) and every timestamp goes through it. Default: real time. */
  clock?: Clock;
  /** Liveness of owner pids. Default: `process.kill(pid, 0)`, EPERM meaning alive. */
  processProbe?: ProcessProbe;
  /** The pid this registry registers and unregisters as. Default: `process.pid`. */
  pid?: number;
  /**
   * The uid whose registry file is trusted (MF-SEC-4). Default: `process.getuid()` where it exists;
   * `null` turns the check off (platforms without uids, or on purpose).
   */
  trustedUid?: number | null;
  /** A lock at least this old is stale, whoever holds it (milliseconds). Default 10_000 (MF-REG-4). */
  lockStaleMs?: number;
  /** Interval between two lock attempts (milliseconds). Default 100 (MF-REG-5). */
  lockPollMs?: number;
  /** Give up acquiring the lock after this long (milliseconds). Default 10_000 (MF-REG-5). */
  lockTimeoutMs?: number;
  /** Interval between two discovery reads (milliseconds). Default 100 (MF-REG-10). */
  discoverPollMs?: number;
  /** Default discovery timeout (milliseconds) when `discover()` is given none. Default 5_000 (MF-REG-10). */
  discoverTimeoutMs?: number;
  /** Environment read for `MULTIFROST_HOME`. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedRegistryOptions {
  readonly baseDir: string;
  readonly store: RegistryStore;
  readonly clock: Clock;
  readonly processProbe: ProcessProbe;
  readonly pid: number;
  readonly trustedUid: number | null;
  readonly lockStaleMs: number;
  readonly lockPollMs: number;
  readonly lockTimeoutMs: number;
  readonly discoverPollMs: number;
  readonly discoverTimeoutMs: number;
}

/** The base directory an unconfigured registry uses (MF-REG-1). */
export function defaultRegistryBaseDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env['MULTIFROST_HOME'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.multifrost');
}

function duration(name: string, value: number | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(
      name,
      `must be a finite number of milliseconds ${allowZero ? '>= 0' : '> 0'}, got ${value}`,
    );
  }
  return value;
}

/** Fills in defaults and validates; throws `InvalidArgumentError` (MF_INVALID_ARGUMENT) on a bad value. */
export function resolveRegistryOptions(options: RegistryOptions = {}): ResolvedRegistryOptions {
  const baseDir = options.baseDir ?? defaultRegistryBaseDir(options.env);
  const pid = options.pid ?? process.pid;
  if (!isValidPid(pid)) throw new InvalidArgumentError('pid', `must be a positive integer, got ${pid}`);
  const trustedUid = options.trustedUid === undefined ? (process.getuid?.() ?? null) : options.trustedUid;
  return {
    baseDir,
    store: options.store ?? new FileRegistryStore({ baseDir }),
    clock: options.clock ?? realClock,
    processProbe: options.processProbe ?? realProcessProbe,
    pid,
    trustedUid,
    lockStaleMs: duration('lockStaleMs', options.lockStaleMs, 10_000, false),
    lockPollMs: duration('lockPollMs', options.lockPollMs, 100, false),
    lockTimeoutMs: duration('lockTimeoutMs', options.lockTimeoutMs, 10_000, true),
    discoverPollMs: duration('discoverPollMs', options.discoverPollMs, 100, false),
    discoverTimeoutMs: duration('discoverTimeoutMs', options.discoverTimeoutMs, 5_000, true),
  };
}
