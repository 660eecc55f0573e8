/**
 * ParentWorker options, resolved once by {@link resolveParentOptions}. Every duration is in milliseconds and
 * says so in its name (MF-HB-6: a seconds value never reaches a timer as milliseconds).
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Logger } from '../../logging/logger.js';
import type { RateLimitOptions } from '../../logging/rate-limit.js';
import type { Codec } from '../../protocol/codec.js';
import { PROFILES, type Profile, type ProfileName, isProfileName } from '../../protocol/profile.js';
import type { Clock } from '../../time/clock.js';
import type { Transport } from '../../transport/transport.js';
import type { OutputStream, ProcessLauncher } from '../shared/process-launcher.js';
import type { ParentCurveOptions } from '../shared/curve-parent.js';
import type { ServiceDiscovery } from '../shared/service-registration.js';
import { type SeedParentOptions, translateSeedOptions } from './seed-options.js';

/** Where forwarded child output goes. */
export type OutputSink = (stream: OutputStream, text: string, workerName: string) => void;

export interface ParentWorkerOptions extends SeedParentOptions {
  /**
   * Pins the protocol profile spoken (MF-PROF-2): no probe is sent. Default: none, and the worker picks the
   * profile at start-up (and after every restart) by probing, a readiness heartbeat in v3 and one in v4, the
   * first answered winning, v3 preferred (MF-PROF-6, MF-PROF-7). `worker.profile` tells which it speaks.
   */
  profile?: ProfileName | undefined;
  /** Default call timeout, ms; undefined means calls wait until answered, the child exits or stop(). */
  defaultTimeoutMs?: number;
  /** Respawn the child when it exits unexpectedly (MF-LIFE-9). Default false. */
  autoRestart?: boolean;
  /** Consecutive failures that trip the breaker, and the restart budget. Default 5 (MF-CB-2). */
  maxRestartAttempts?: number;
  /** First restart backoff, ms (doubles per attempt, capped at 5 s). Default 100. */
  restartBackoffMs?: number;
  /** Breaker cooldown before the half-open probe, ms. Default 30,000 (MF-CB-5). */
  breakerCooldownMs?: number;
  /** Whether remote ERROR replies count as breaker failures. Default true (MF-CB-3). */
  countRemoteErrors?: boolean;
  /** Heartbeat interval, ms; 0 disables heartbeats. Default 5,000 (MF-HB-6). */
  heartbeatIntervalMs?: number;
  /** Heartbeat echo timeout, ms. Default 3,000. */
  heartbeatTimeoutMs?: number;
  /** Consecutive misses that count as a failure. Default 3. */
  heartbeatMaxMisses?: number;
  /** How long start() waits for the child's first answer, ms. Default 30,000. */
  readyTimeoutMs?: number;
  /** SHUTDOWN to SIGTERM, ms. Default 2,000 (MF-LIFE-4). */
  stopGraceMs?: number;
  /** SIGTERM to SIGKILL, ms. Default 2,000. */
  stopTermMs?: number;
  /** Extra arguments for the worker script. */
  args?: readonly string[];
  /** Extra environment for the child (added to this process's environment). */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Name used to prefix forwarded output. Default: the script path or service id. */
  name?: string;
  /** Where forwarded output goes. Default: this process's stdout/stderr, prefixed with the name. */
  outputSink?: OutputSink;
  /** Connect mode host. Default 127.0.0.1. */
  connectHost?: string;
  /** Connect mode: how long to wait for the service to appear, ms. Default 5,000 (MF-REG-10). */
  discoverTimeoutMs?: number;
  /** Payload limit in bytes. Default 16 MiB. */
  maxPayloadBytes?: number;
  /** ZeroMQ CURVE, opt-in (MF-SEC-5..8; docs/security.md). See {@link ParentCurveOptions}. */
  curve?: ParentCurveOptions['curve'];
  /** Connect mode: the service's CURVE public key (Z85) instead of its registry entry's. */
  curveServerKey?: ParentCurveOptions['curveServerKey'];
  /** Calls in flight at most; one more is refused with TooManyCallsError (never sent). Default: no cap. */
  maxInFlight?: number;
  /** Where the worker logs (pino, bunyan, console plug in as they are; docs/worker.md). Default: nothing. */
  logger?: Logger;
  /** Dropped-message warnings let through per interval. Default 10 per 10,000 ms. */
  dropLogLimit?: RateLimitOptions;
  /** Prefix of message ids (default: random). Fixed prefixes make simulated traces reproducible. */
  idPrefix?: string;
  transport?: Transport;
  launcher?: ProcessLauncher;
  clock?: Clock;
  codec?: Codec;
  discovery?: ServiceDiscovery;
}

export interface ResolvedParentOptions {
  /** The pinned profile, or undefined when the worker probes. */
  profile: ProfileName | undefined;
  /** The profiles the worker may speak, in order of preference: the pinned one, or v3 then v4. */
  profileCandidates: readonly Profile[];
  defaultTimeoutMs: number | undefined;
  autoRestart: boolean;
  maxRestartAttempts: number;
  restartBackoffMs: number;
  breakerCooldownMs: number;
  countRemoteErrors: boolean;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  heartbeatMaxMisses: number;
  readyTimeoutMs: number;
  stopGraceMs: number;
  stopTermMs: number;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string | undefined;
  connectHost: string;
  discoverTimeoutMs: number;
  maxPayloadBytes: number | undefined;
  maxInFlight: number | undefined;
  idPrefix: string | undefined;
}

function duration(name: string, value: number | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new InvalidArgumentError(
      name,
      `expected a ${allowZero ? 'non-negative' : 'positive'} number of milliseconds, got ${String(value)}`,
    );
  }
  return value;
}

function count(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(name, `expected a positive integer, got ${String(value)}`);
  return value;
}

/** Validates a timeout given per call or as default. @throws InvalidArgumentError */
export function validateTimeoutMs(name: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : duration(name, value, 0, false);
}

/** The profiles a worker without a pinned profile probes, in order of preference (MF-PROF-6). */
export const PROBE_ORDER: readonly Profile[] = [PROFILES.v3, PROFILES.v4];

export function resolveParentOptions(given: ParentWorkerOptions = {}): ResolvedParentOptions {
  const options = translateSeedOptions(given);
  const profile = options.profile;
  if (profile !== undefined && !isProfileName(profile))
    throw new InvalidArgumentError('profile', `expected 'v3', 'v4' or undefined (probe), got ${String(profile)}`);
  return {
    profile,
    profileCandidates: profile === undefined ? PROBE_ORDER : [PROFILES[profile]],
    defaultTimeoutMs: validateTimeoutMs('defaultTimeoutMs', options.defaultTimeoutMs),
    autoRestart: options.autoRestart ?? false,
    maxRestartAttempts: count('maxRestartAttempts', options.maxRestartAttempts, 5),
    restartBackoffMs: duration('restartBackoffMs', options.restartBackoffMs, 100, true),
    breakerCooldownMs: duration('breakerCooldownMs', options.breakerCooldownMs, 30_000, true),
    countRemoteErrors: options.countRemoteErrors ?? true,
    heartbeatIntervalMs: duration('heartbeatIntervalMs', options.heartbeatIntervalMs, 5_000, true),
    heartbeatTimeoutMs: duration('heartbeatTimeoutMs', options.heartbeatTimeoutMs, 3_000, false),
    heartbeatMaxMisses: count('heartbeatMaxMisses', options.heartbeatMaxMisses, 3),
    readyTimeoutMs: duration('readyTimeoutMs', options.readyTimeoutMs, 30_000, false),
    stopGraceMs: duration('stopGraceMs', options.stopGraceMs, 2_000, true),
    stopTermMs: duration('stopTermMs', options.stopTermMs, 2_000, true),
    args: options.args ?? [],
    env: options.env ?? {},
    cwd: options.cwd,
    connectHost: options.connectHost ?? '127.0.0.1',
    discoverTimeoutMs: duration('discoverTimeoutMs', options.discoverTimeoutMs, 5_000, true),
    maxPayloadBytes: options.maxPayloadBytes,
    maxInFlight: options.maxInFlight === undefined ? undefined : count('maxInFlight', options.maxInFlight, 0),
    idPrefix: options.idPrefix,
  };
}
