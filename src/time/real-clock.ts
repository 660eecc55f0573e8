import type { Clock, TimerHandle } from './clock.js';

/** The process's own time: `performance.now()` for durations, `Date.now()` for wire timestamps. */
export class RealClock implements Clock {
  nowMs(): number {
    return performance.now();
  }

  epochMs(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(timer) };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }
}

/** `sleep` for any clock: a timer that an AbortSignal can cancel. */
export function sleepOn(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      reject(signal?.reason);
    };
    const timer = clock.setTimer(delayMs, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One shared real clock; stateless, so sharing is safe. */
export const realClock: Clock = new RealClock();
