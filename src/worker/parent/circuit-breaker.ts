/**
 * The circuit breaker as a pure state machine: it owns no timer and reads time only through the
 * `nowMs` arguments, so every transition is tested in microseconds.
 * @see MF-CB-1 .. MF-CB-8
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What went wrong; `remote` counts only when `countRemoteErrors` is set (MF-CB-3). */
export type FailureKind = 'timeout' | 'transport' | 'child-exit' | 'heartbeat' | 'remote';

export interface CircuitBreakerOptions {
  /** Consecutive failures that trip the breaker. Default 5 (the seed's maxRestartAttempts). */
  failureThreshold?: number;
  /** Time the breaker stays open before it lets one probe through, in ms. Default 30,000. */
  cooldownMs?: number;
  /** Whether ERROR replies count as failures. Default true, as in the seed. */
  countRemoteErrors?: boolean;
}

export interface Transition {
  from: BreakerState;
  to: BreakerState;
  failures: number;
}

/** The decision for one call attempt. */
export type Admission = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

/** The answer of a closed breaker, shared: admit() runs once per call. */
const ADMITTED: Admission = Object.freeze({ allowed: true, probe: false });

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly countRemoteErrors: boolean;
  private currentState: BreakerState = 'closed';
  private consecutive = 0;
  private openedAtMs = 0;
  private probeInFlight = false;
  private tripCount = 0;
  private resetCount = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.countRemoteErrors = options.countRemoteErrors ?? true;
  }

  get state(): BreakerState {
    return this.currentState;
  }

  get consecutiveFailures(): number {
    return this.consecutive;
  }

  /** Times the breaker went closed/half-open -> open. */
  get trips(): number {
    return this.tripCount;
  }

  /** Times the breaker went half-open -> closed, or was reset by hand while not closed. */
  get resets(): number {
    return this.resetCount;
  }

  /**
   * Asks whether a call may go out at `nowMs`. An open breaker whose cooldown has passed moves to
   * half-open and admits exactly one probe (MF-CB-5); the returned transition, if any, is reported by `onTransition`.
   */
  admit(nowMs: number, onTransition?: (t: Transition) => void): Admission {
    if (this.currentState === 'closed') return ADMITTED;
    if (this.currentState === 'open') {
      const waitedMs = nowMs - this.openedAtMs;
      if (waitedMs < this.cooldownMs) return { allowed: false, retryInMs: this.cooldownMs - waitedMs };
      this.move('half-open', onTransition);
    }
    if (this.probeInFlight) return { allowed: false, retryInMs: 0 };
    this.probeInFlight = true;
    return { allowed: true, probe: true };
  }

  /** A call (or the probe) succeeded. */
  recordSuccess(onTransition?: (t: Transition) => void): void {
    this.consecutive = 0;
    if (this.currentState === 'half-open') {
      this.probeInFlight = false;
      this.resetCount++;
      this.move('closed', onTransition);
    }
  }

  /**
   * Something failed at `nowMs`. Returns true when it counted (remote errors may not).
   * A failed probe re-opens the breaker for another cooldown (MF-CB-6).
   */
  recordFailure(kind: FailureKind, nowMs: number, onTransition?: (t: Transition) => void): boolean {
    if (kind === 'remote' && !this.countRemoteErrors) {
      // The child is healthy enough to answer: a probe answered with ERROR still proves liveness.
      if (this.currentState === 'half-open') this.recordSuccess(onTransition);
      return false;
    }
    this.consecutive++;
    if (this.currentState === 'half-open') {
      this.probeInFlight = false;
      this.trip(nowMs, onTransition);
    } else if (this.currentState === 'closed' && this.consecutive >= this.failureThreshold) {
      this.trip(nowMs, onTransition);
    }
    // While open, a failure (a heartbeat miss, a child exit) leaves the cooldown alone: it runs from the trip,
    // and only a failed probe starts another (MF-CB-5, MF-CB-6).
    return true;
  }

  /**
   * Closes the breaker by hand (`worker.resetBreaker()`, a manual restart): failures forgotten, calls admitted
   * at once. Counted in `resets` when it was not closed.
   */
  reset(onTransition?: (t: Transition) => void): void {
    this.consecutive = 0;
    this.probeInFlight = false;
    if (this.currentState === 'closed') return;
    this.resetCount++;
    this.move('closed', onTransition);
  }

  /** The probe ended without a verdict (e.g. the worker stopped): let another probe through. */
  releaseProbe(): void {
    this.probeInFlight = false;
  }

  private trip(nowMs: number, onTransition?: (t: Transition) => void): void {
    this.openedAtMs = nowMs;
    this.tripCount++;
    this.move('open', onTransition);
  }

  private move(to: BreakerState, onTransition?: (t: Transition) => void): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    onTransition?.({ from, to, failures: this.consecutive });
  }
}
