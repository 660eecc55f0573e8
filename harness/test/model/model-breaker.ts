/**
 * The model's circuit breaker and its timeline, written from docs/spec.md (MF-CB-1..8), not from the
 * library's code. Any success while half-open closes the breaker (not only the probe's): the spec does not
 * say otherwise. The cooldown runs from the trip (MF-CB-5); only a failed probe starts another (MF-CB-6): a
 * failure while open leaves it alone. (The library once restarted it on every failure while open; this model
 * found that, and the library was fixed.)
 */
import type { BreakerState } from '../../../src/index.js';

export type Admission = 'call' | 'probe' | 'refused';

export class ModelBreaker {
  state: BreakerState = 'closed';
  failures = 0;
  trips = 0;
  resets = 0;
  private openedAtMs = 0;
  private probeInFlight = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    /** Receives each transition as the event text the postconditions compare. */
    private readonly emit: (event: string) => void,
  ) {}

  /** MF-CB-4, MF-CB-5: refused while open; after the cooldown one probe, and nothing else until it ends. */
  admit(nowMs: number): Admission {
    if (this.state === 'closed') return 'call';
    if (this.state === 'open') {
      if (nowMs - this.openedAtMs < this.cooldownMs) return 'refused';
      this.move('half-open');
    }
    if (this.probeInFlight) return 'refused';
    this.probeInFlight = true;
    return 'probe';
  }

  /** MF-CB-6, MF-CB-7: a success resets the count; half-open, it closes the breaker. */
  success(): void {
    this.failures = 0;
    if (this.state !== 'half-open') return;
    this.probeInFlight = false;
    this.resets++;
    this.move('closed');
  }

  /** MF-CB-2, MF-CB-3, MF-CB-6: the threshold trips a closed breaker; any failure re-opens a half-open one. */
  failure(nowMs: number): void {
    this.failures++;
    if (this.state === 'half-open') {
      this.probeInFlight = false;
      this.trip(nowMs);
    } else if (this.state === 'closed' && this.failures >= this.threshold) {
      this.trip(nowMs);
    }
  }

  /** The probe ended without a verdict (rejected by an exit or stop()). */
  releaseProbe(): void {
    this.probeInFlight = false;
  }

  private trip(nowMs: number): void {
    this.openedAtMs = nowMs;
    this.trips++;
    this.move('open');
  }

  private move(to: BreakerState): void {
    if (to === this.state) return;
    this.emit(`breaker ${this.state}->${to} (${this.failures} failures)`);
    this.state = to;
  }
}

/** Model timers: run in (time, insertion) order, as the VirtualClock fires real ones. */
export class Timeline {
  private items: Array<{ atMs: number; order: number; run: () => void }> = [];
  private order = 0;

  at(atMs: number, run: () => void): void {
    const item = { atMs, order: this.order++, run };
    let index = this.items.length;
    while (index > 0 && this.items[index - 1]!.atMs > atMs) index--;
    this.items.splice(index, 0, item);
  }

  /** Runs every item due at or before `targetMs`; `setNow` moves the model's clock to each item's time. */
  runUntil(targetMs: number, setNow: (ms: number) => void): void {
    for (;;) {
      const next = this.items[0];
      if (next === undefined || next.atMs > targetMs) return;
      this.items.shift();
      setNow(next.atMs);
      next.run();
    }
  }

  clear(): void {
    this.items = [];
  }
}
