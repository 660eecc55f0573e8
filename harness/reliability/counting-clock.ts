/**
 * A Clock that counts the timers scheduled through it and not yet fired or cancelled, so a test can say
 * "no timer of THIS component survives stop()" while other components (the simulated network's deliveries)
 * share the same VirtualClock. Works over any clock (virtual or real).
 */
import type { Clock, TimerHandle } from '../../src/time/clock.js';
import { sleepOn } from '../../src/time/real-clock.js';

export class CountingClock implements Clock {
  private readonly live = new Map<TimerHandle, string>();
  /** When true, each live timer remembers the stack that scheduled it (see {@link liveTimerStacks}). */
  captureStacks = false;
  /** Timers ever scheduled through this clock. */
  scheduled = 0;

  constructor(private readonly inner: Clock) {}

  /** Timers scheduled through this clock that have neither fired nor been cancelled. */
  get liveTimers(): number {
    return this.live.size;
  }

  /** Where the live timers were scheduled (empty strings unless `captureStacks` was on). */
  liveTimerStacks(): string[] {
    return [...this.live.values()];
  }

  nowMs(): number {
    return this.inner.nowMs();
  }

  epochMs(): number {
    return this.inner.epochMs();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    this.scheduled++;
    const live = this.live;
    const inner = this.inner.setTimer(delayMs, () => {
      live.delete(handle);
      callback();
    });
    const handle: TimerHandle = {
      cancel() {
        live.delete(handle);
        inner.cancel();
      },
    };
    live.set(handle, this.captureStacks ? (new Error('timer scheduled here').stack ?? '') : '');
    return handle;
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }
}
