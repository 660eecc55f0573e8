/**
 * The world the parent/child model runs in: the ParentWorker's options, the child program's methods, and the
 * call shapes the commands draw. Numbers are chosen so that two events that do not commute never fall in the
 * same virtual millisecond (see "Why no two events collide" in docs/simulator.md, section Model-based testing):
 * commands run at multiples of 10 ms, heartbeat events at 0 or 5 mod 10, async successes at 3 mod 10, async
 * remote errors at 1 mod 10 and call deadlines at 7 mod 10.
 */
import { ChildWorker } from '../../../src/index.js';
import type { SimProgram } from '../../../src/sim.js';

/** Consecutive failures that trip the breaker, and the restart budget (MF-CB-2, MF-LIFE-9). */
export const THRESHOLD = 3;
export const COOLDOWN_MS = 250;
export const HEARTBEAT_INTERVAL_MS = 100;
export const HEARTBEAT_TIMEOUT_MS = 40;
export const HEARTBEAT_MAX_MISSES = 2;
export const RESTART_BACKOFF_MS = 20;
/** The supervisor's cap on the doubling backoff (RestartPolicy's default). */
export const RESTART_BACKOFF_CAP_MS = 5_000;
export const READY_TIMEOUT_MS = 300;
export const STOP_GRACE_MS = 2_000;
export const STOP_TERM_MS = 1_000;

/** ParentWorker options of every worker the model drives (autoRestart on, no default timeout). */
export const WORKER_OPTIONS = {
  autoRestart: true,
  maxRestartAttempts: THRESHOLD,
  breakerCooldownMs: COOLDOWN_MS,
  countRemoteErrors: true,
  restartBackoffMs: RESTART_BACKOFF_MS,
  heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
  heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
  heartbeatMaxMisses: HEARTBEAT_MAX_MISSES,
  readyTimeoutMs: READY_TIMEOUT_MS,
  stopGraceMs: STOP_GRACE_MS,
  stopTermMs: STOP_TERM_MS,
} as const;

/** What a call asks the child to do: answer or throw, at once or after a virtual delay, or exit the process. */
export type CallKind = 'add' | 'echo' | 'fail' | 'sleep' | 'sleepFail' | 'exit';

export interface CallSpec {
  kind: CallKind;
  /** echo: payload length in characters. */
  size: number;
  /** sleep (3 mod 10) and sleepFail (1 mod 10): handler duration, ms. */
  durationMs: number;
  /** Per-call timeout, ms (7 mod 10), or none: the call then waits for a reply, an exit or stop(). */
  timeoutMs: number | undefined;
}

export const ECHO_SIZES = [0, 16, 4_096, 65_536] as const;
export const SLEEP_MS = [3, 33, 123, 603] as const;
export const SLEEP_FAIL_MS = [1, 31, 121, 601] as const;
export const CALL_TIMEOUTS_MS = [47, 147, 507, 1_207] as const;
export const ADVANCE_MS = [10, 40, 100, 250, 600, 2_000] as const;
/** Extra delay of a delayed heartbeat echo: one arrives in time (< timeout), one late. */
export const ECHO_DELAYS_MS = [15, 55] as const;
export type EchoDelayMs = (typeof ECHO_DELAYS_MS)[number];
/** What happens to the next heartbeat echo the child sends. */
export type EchoFault = 'drop' | EchoDelayMs;

export function describeCall(spec: CallSpec): string {
  const what =
    spec.kind === 'echo'
      ? `echo ${spec.size} chars`
      : spec.kind === 'sleep' || spec.kind === 'sleepFail'
        ? `${spec.kind} ${spec.durationMs} ms`
        : spec.kind;
  // No comma inside a command's name: a counterexample is the names joined with commas.
  return `Call(${what}${spec.timeoutMs === undefined ? '' : ` | timeout ${spec.timeoutMs} ms`})`;
}

/** The wire call for call number `n`: every answer is unique to its call, so cross-talk cannot pass. */
export function wireCall(n: number, spec: CallSpec): { fn: string; args: unknown[]; answer: unknown } {
  const tag = `c${n}`;
  switch (spec.kind) {
    case 'add':
      return { fn: 'add', args: [n, 1_000], answer: n + 1_000 };
    case 'echo': {
      const payload = `${tag}:${'x'.repeat(spec.size)}`;
      return { fn: 'echo', args: [payload], answer: payload };
    }
    case 'fail':
      return { fn: 'fail', args: [tag], answer: undefined };
    case 'sleep':
      return { fn: 'sleep', args: [spec.durationMs, tag], answer: tag };
    case 'sleepFail':
      return { fn: 'sleepFail', args: [spec.durationMs, tag], answer: undefined };
    case 'exit':
      return { fn: 'exit', args: [3], answer: undefined };
  }
}

/** The child the model talks to: sync and async handlers that answer or throw, and one that exits. */
export class ModelChild extends ChildWorker {
  add(a: number, b: number): number {
    return a + b;
  }

  echo(value: unknown): unknown {
    return value;
  }

  fail(tag: string): never {
    throw new Error(`${tag} failed`);
  }

  async sleep(ms: number, tag: string): Promise<string> {
    await this.workerClock.sleep(ms);
    return tag;
  }

  async sleepFail(ms: number, tag: string): Promise<never> {
    await this.workerClock.sleep(ms);
    throw new Error(`${tag} failed late`);
  }

  exit(code: number): void {
    this.workerHost.exit(code);
  }
}

export const modelChildProgram: SimProgram = async ({ transport, host, clock }) => {
  await new ModelChild({ transport, host, clock }).run();
};
