/**
 * The time boundary. Nothing outside `src/time/` calls `setTimeout`, `setInterval` or `Date.now()`:
 * every wait and every timestamp goes through a {@link Clock}, so the same code runs on real time and
 * on the simulator's virtual time (where minutes of heartbeats pass in milliseconds).
 */

/** A scheduled callback. `cancel()` is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds, for measuring durations (RTT, latency, deadlines). */
  nowMs(): number;
  /** Wall-clock epoch milliseconds, for wire timestamps. */
  epochMs(): number;
  /** Runs `callback` once after `delayMs` (>= 0). */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  /** Resolves after `delayMs`; rejects with `signal.reason` when the signal aborts first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}
