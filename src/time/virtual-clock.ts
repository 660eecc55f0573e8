import type { Clock, TimerHandle } from './clock.js';
import { sleepOn } from './real-clock.js';

interface ScheduledTimer {
  readonly dueMs: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Lets pending promise callbacks and immediates run, so async code reacts before time moves on. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Virtual time for the simulator and for exact tests of time-dependent rules.
 *
 * Time moves only when told to (`advanceBy`, `advanceTo`, `runUntilIdle`) or, with `autoAdvance()`, whenever
 * the process has nothing else to do: then `await worker.call.sleep(60_000)` completes at once with the
 * virtual clock 60 s later. Timers fire in (due time, insertion order) order, so ties are deterministic,
 * and the microtask queue is drained between two timers so each sees the effects of the one before.
 */
export class VirtualClock implements Clock {
  private currentMs: number;
  private readonly epochOffsetMs: number;
  private readonly timers: ScheduledTimer[] = [];
  private nextOrder = 0;
  private autoAdvancing = false;
  private autoScheduled = false;

  /** @param startEpochMs the wall-clock epoch that virtual time 0 corresponds to (fixed for reproducible traces). */
  constructor(startEpochMs = Date.UTC(2026, 0, 1)) {
    this.currentMs = 0;
    this.epochOffsetMs = startEpochMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  epochMs(): number {
    return this.epochOffsetMs + this.currentMs;
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pendingTimerCount(): number {
    return this.timers.reduce((count, timer) => count + (timer.cancelled ? 0 : 1), 0);
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer: ScheduledTimer = {
      dueMs: this.currentMs + Math.max(0, delayMs),
      order: this.nextOrder++,
      callback,
      cancelled: false,
    };
    this.insert(timer);
    this.scheduleAutoAdvance();
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        const index = this.timers.indexOf(timer);
        if (index >= 0) this.timers.splice(index, 1);
      },
    };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }

  /** Fires every timer due within the next `deltaMs`, then sets the clock to now + deltaMs. */
  async advanceBy(deltaMs: number): Promise<void> {
    await this.advanceTo(this.currentMs + deltaMs);
  }

  /** Fires every timer due at or before `targetMs`, in order, then sets the clock to `targetMs`. */
  async advanceTo(targetMs: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.dueMs > targetMs) break;
      this.fire(next);
      await settle();
    }
    if (targetMs > this.currentMs) this.currentMs = targetMs;
  }

  /** Fires timers until none is left, or until `limitMs` of virtual time has passed (a guard against loops). */
  async runUntilIdle(limitMs = 24 * 3600_000): Promise<void> {
    const stopAt = this.currentMs + limitMs;
    await settle();
    for (;;) {
      const next = this.timers[0];
      if (next === undefined || next.dueMs > stopAt) break;
      this.fire(next);
      await settle();
    }
  }

  /**
   * From now on, whenever the process is idle (no I/O, no pending promise work), jump to the next timer.
   * Returns a function that turns it off again. Use it for code that awaits time without a driver loop.
   */
  autoAdvance(): () => void {
    this.autoAdvancing = true;
    this.scheduleAutoAdvance();
    return () => {
      this.autoAdvancing = false;
    };
  }

  private fire(timer: ScheduledTimer): void {
    this.timers.shift();
    timer.cancelled = true;
    if (timer.dueMs > this.currentMs) this.currentMs = timer.dueMs;
    timer.callback();
  }

  private insert(timer: ScheduledTimer): void {
    // Binary search on (dueMs, order): order only grows, so equal due times keep insertion order.
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.timers[mid]!;
      if (other.dueMs < timer.dueMs || (other.dueMs === timer.dueMs && other.order < timer.order)) low = mid + 1;
      else high = mid;
    }
    this.timers.splice(low, 0, timer);
  }

  private scheduleAutoAdvance(): void {
    if (!this.autoAdvancing || this.autoScheduled) return;
    this.autoScheduled = true;
    // Two macrotask hops: the first lets I/O callbacks and promise chains triggered by the last timer
    // run; only if nothing new became due meanwhile do we move time forward.
    setImmediate(() => {
      setImmediate(() => {
        this.autoScheduled = false;
        if (!this.autoAdvancing) return;
        const next = this.timers[0];
        if (next === undefined) return;
        this.fire(next);
        this.scheduleAutoAdvance();
      });
    });
  }
}
