/**
 * Real-process chaos: calls over real ZeroMQ to the reference worker (a real child process spawned by
 * ParentWorker.spawn), while the child is killed with SIGKILL at random moments and autoRestart brings it back.
 * Full size: `node --import tsx harness/reliability/chaos-real.ts` (10,000 calls, 20 kills; MF_CHAOS_REAL_CALLS,
 * MF_CHAOS_REAL_KILLS and MF_CHAOS_REAL_SEED change it). The test run uses a smaller size.
 *
 * Calls sent in the instant between a child's death and libzmq noticing the broken connection go into the dead
 * connection and are lost (ZeroMQ is at-most-once across a peer's death): they end with MF_TIMEOUT after their
 * timeout, which is why the timeout here is short and MF_TIMEOUT is an allowed outcome.
 *
 * Proven, not assumed: every call settles with its own result or a MultifrostError of an allowed code (no
 * hang: a real-time watchdog), no unhandled rejection in this process, every kill really happened, and after
 * stop() no spawned pid and nothing in their process groups is running (/proc), no pending call remains.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { referenceWorkerPath } from '../../src/conform/reference-worker.js';
import { ErrorCode, MultifrostError } from '../../src/errors.js';
import { Prng } from '../../src/time/prng.js';
import { realClock } from '../../src/time/real-clock.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import { orphansOf, waitFor } from './processes.js';

export interface ChaosRealOptions {
  calls: number;
  kills: number;
  /** Calls in flight at once. Default 16. */
  concurrency?: number;
  seed?: number;
  /** Per-call timeout, ms. Default 3,000. */
  timeoutMs?: number;
}

export interface ChaosRealResult {
  calls: number;
  answered: number;
  rejected: Record<string, number>;
  kills: number;
  restarts: number;
  spawnedPids: number;
  hangs: number;
  unhandledRejections: number;
  wrongResults: number;
  untypedErrors: number;
  orphans: number[];
  inFlightAfterStop: number;
  wallMs: number;
  problems: string[];
  /** The last lifecycle events (ms since the start, type, details), to explain a failure. */
  lastEvents: string[];
}

const ALLOWED = new Set<string>([
  ErrorCode.WORKER_STOPPED,
  ErrorCode.TIMEOUT,
  ErrorCode.CIRCUIT_OPEN,
  ErrorCode.CONNECTION,
]);

/** The reference worker as this run spawns it: autoRestart on, short timeouts, a short breaker cooldown. */
function spawnWorker(timeoutMs: number, cooldownMs: number): ParentWorker {
  return ParentWorker.spawn(referenceWorkerPath, undefined, {
    name: 'chaos-real',
    autoRestart: true,
    maxRestartAttempts: 5,
    restartBackoffMs: 20,
    breakerCooldownMs: cooldownMs,
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 2_000,
    defaultTimeoutMs: timeoutMs,
    readyTimeoutMs: 30_000,
    stopGraceMs: 1_000,
    stopTermMs: 1_000,
    outputSink: () => undefined,
  });
}

/** SIGKILLs the current child when the workload reaches each kill moment, once the child is back from the last. */
class Killer {
  kills = 0;
  private lastKilled: number | undefined;
  /** Call indices (sorted) at which a kill is due. */
  private readonly killAt: number[];

  constructor(
    prng: Prng,
    calls: number,
    private readonly wanted: number,
    private readonly worker: ParentWorker,
  ) {
    this.killAt = Array.from({ length: wanted }, () => prng.int(Math.floor(calls * 0.02), calls - 1)).sort(
      (a, b) => a - b,
    );
  }

  /** Called before call `index` is issued. */
  maybeKill(index: number): void {
    while (this.kills < this.wanted && this.killAt[this.kills]! <= index) {
      const pid = this.worker.pid;
      if (pid === undefined || pid === this.lastKilled) return; // the child is not back yet: try at a later call
      process.kill(pid, 'SIGKILL');
      this.lastKilled = pid;
      this.kills++;
    }
  }
}

/**
 * One call, classified into `result`. A real-time watchdog (timeout + 10 s) reports a hang. Returns true when
 * the breaker refused the call (the caller then backs off).
 */
async function callOnce(
  worker: ParentWorker,
  payload: unknown,
  timeoutMs: number,
  result: ChaosRealResult,
  onHang: () => void,
): Promise<boolean> {
  let settled = false;
  const watchdog = realClock.setTimer(timeoutMs + 10_000, () => {
    if (settled) return;
    result.hangs++;
    onHang();
  });
  try {
    const value = await worker.callFunction('echo', [payload]);
    if (isDeepStrictEqual(value, payload)) result.answered++;
    else result.wrongResults++;
    return false;
  } catch (error) {
    if (!(error instanceof MultifrostError) || !ALLOWED.has(error.code)) {
      result.untypedErrors++;
      if (result.problems.length < 5) result.problems.push(`call: ${String(error)}`);
      return false;
    }
    result.rejected[error.code] = (result.rejected[error.code] ?? 0) + 1;
    return error.code === ErrorCode.CIRCUIT_OPEN;
  } finally {
    settled = true;
    watchdog.cancel();
  }
}

export async function runChaosReal(options: ChaosRealOptions): Promise<ChaosRealResult> {
  const prng = new Prng(options.seed ?? 9);
  const timeoutMs = options.timeoutMs ?? 3_000;
  const cooldownMs = 200;
  const startedAtMs = realClock.nowMs();
  let unhandledRejections = 0;
  const onUnhandled = (): void => void unhandledRejections++;
  process.on('unhandledRejection', onUnhandled);
  const spawned = new Set<number>();
  const lastEvents: string[] = [];
  const worker = spawnWorker(timeoutMs, cooldownMs);
  worker.on((event) => {
    if ((event.type === 'started' || event.type === 'restarted') && event.pid !== undefined) spawned.add(event.pid);
    if (event.type === 'heartbeat-rtt') return;
    lastEvents.push(`${(realClock.nowMs() - startedAtMs).toFixed(0)}ms ${JSON.stringify(event)}`);
    if (lastEvents.length > 40) lastEvents.shift();
  });
  const result: ChaosRealResult = {
    calls: options.calls,
    answered: 0,
    rejected: {},
    kills: 0,
    restarts: 0,
    spawnedPids: 0,
    hangs: 0,
    unhandledRejections: 0,
    wrongResults: 0,
    untypedErrors: 0,
    orphans: [],
    inFlightAfterStop: 0,
    wallMs: 0,
    problems: [],
    lastEvents,
  };
  let reportHang!: () => void;
  const hang = new Promise<void>((resolve) => {
    reportHang = resolve;
  });
  try {
    await worker.start();
    const killer = new Killer(prng, options.calls, options.kills, worker);
    let next = 0;
    const lanes = Array.from({ length: options.concurrency ?? 16 }, async () => {
      while (next < options.calls) {
        const index = next++;
        killer.maybeKill(index);
        const refused = await callOnce(
          worker,
          { index, tag: `call-${index}-${prng.nextUint32().toString(36)}` },
          timeoutMs,
          result,
          reportHang,
        );
        // A client that respects the breaker waits for its cooldown instead of burning through the workload
        // (which would also leave no calls for the remaining kills to land between).
        if (refused) await realClock.sleep(cooldownMs);
      }
    });
    // A hang must not hang the harness too: the first one ends the run (stop() then rejects what is pending).
    const finished = await Promise.race([Promise.all(lanes).then(() => true), hang.then(() => false)]);
    if (!finished) result.problems.push('a call hung: the run was cut short');
    result.kills = killer.kills;
    if (result.kills < options.kills) result.problems.push(`only ${result.kills} of ${options.kills} kills happened`);
  } finally {
    await worker.stop();
    result.inFlightAfterStop = worker.inFlight;
    result.restarts = worker.metricsSnapshot().restarts;
    // Let the last SIGKILLed group be reaped (the exit event has fired; the kernel may lag a moment).
    await waitFor(async () => (await orphansOf(spawned)).length === 0, 2_000);
    result.orphans = await orphansOf(spawned);
    result.spawnedPids = spawned.size;
    // Rejections surface one turn after they happen: give them the turn before counting.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    result.unhandledRejections = unhandledRejections;
    result.wallMs = realClock.nowMs() - startedAtMs;
  }
  return result;
}

/** The invariant violations of a run (empty when it passed). */
export function chaosRealViolations(result: ChaosRealResult): string[] {
  const violations = [...result.problems];
  if (result.hangs > 0) violations.push(`${result.hangs} call(s) hung`);
  if (result.unhandledRejections > 0) violations.push(`${result.unhandledRejections} unhandled rejection(s)`);
  if (result.wrongResults > 0)
    violations.push(`${result.wrongResults} call(s) resolved with a result that is not theirs`);
  if (result.untypedErrors > 0)
    violations.push(`${result.untypedErrors} call(s) rejected with an untyped or unexpected error`);
  if (result.orphans.length > 0) violations.push(`orphan processes: ${result.orphans.join(', ')}`);
  if (result.inFlightAfterStop !== 0) violations.push(`${result.inFlightAfterStop} pending call(s) after stop()`);
  const settled =
    result.answered +
    Object.values(result.rejected).reduce((a, b) => a + b, 0) +
    result.wrongResults +
    result.untypedErrors;
  if (settled !== result.calls) violations.push(`${result.calls} calls issued, ${settled} settled`);
  // The last kill may land just before stop(), which then cancels its restart.
  if (result.restarts < result.kills - 1) violations.push(`${result.kills} kills but only ${result.restarts} restarts`);
  return violations;
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
}

if (isMain()) {
  const result = await runChaosReal({
    calls: Number(process.env['MF_CHAOS_REAL_CALLS'] ?? 10_000),
    kills: Number(process.env['MF_CHAOS_REAL_KILLS'] ?? 20),
    seed: Number(process.env['MF_CHAOS_REAL_SEED'] ?? 9),
  });
  const violations = chaosRealViolations(result);
  console.log(`RESULT ${JSON.stringify({ ...result, violations })}`);
  for (const violation of violations) console.log(`VIOLATION: ${violation}`);
  console.log(`BENCH chaos-real calls=${result.calls}`);
  console.log(`BENCH chaos-real answered=${result.answered}`);
  console.log(`BENCH chaos-real kills=${result.kills}`);
  console.log(`BENCH chaos-real hangs=${result.hangs}`);
  console.log(`BENCH chaos-real orphans=${result.orphans.length}`);
  console.log(`BENCH chaos-real wall_ms=${result.wallMs.toFixed(0)}`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
