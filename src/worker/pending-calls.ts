/**
 * The table of calls waiting for a reply, keyed by message id. Each entry settles exactly once:
 * by a reply, by its timeout, or by `rejectAll` (stop, child exit). @see MF-CALL-12, MF-CALL-13, MF-LIFE-5
 */
import type { Clock, TimerHandle } from '../time/clock.js';

export interface PendingCall {
  readonly id: string;
  readonly functionName: string;
  readonly startedAtMs: number;
  /** True for the half-open breaker's probe call. */
  readonly probe: boolean;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: TimerHandle | undefined;
}

export interface AddOptions {
  id: string;
  functionName: string;
  timeoutMs: number | undefined;
  probe: boolean;
  /** Called (once) when the timeout fires, to build the rejection and record the failure. */
  onTimeout: (call: PendingCall) => Error;
}

export class PendingCalls {
  private readonly calls = new Map<string, PendingCall>();

  constructor(private readonly clock: Clock) {}

  get size(): number {
    return this.calls.size;
  }

  has(id: string): boolean {
    return this.calls.has(id);
  }

  /** Registers a call and returns the promise its caller awaits. */
  add(options: AddOptions): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const call: PendingCall = {
        id: options.id,
        functionName: options.functionName,
        startedAtMs: this.clock.nowMs(),
        probe: options.probe,
        resolve,
        reject,
        timer: undefined,
      };
      if (options.timeoutMs !== undefined) {
        call.timer = this.clock.setTimer(options.timeoutMs, () => {
          if (this.calls.get(call.id) !== call) return;
          this.calls.delete(call.id);
          call.timer = undefined;
          call.reject(options.onTimeout(call));
        });
      }
      this.calls.set(call.id, call);
    });
  }

  /** Removes and returns the call with this id, or undefined (unknown or already settled: ignored, MF-CALL-12). */
  take(id: string): PendingCall | undefined {
    const call = this.calls.get(id);
    if (call === undefined) return undefined;
    this.calls.delete(id);
    call.timer?.cancel();
    call.timer = undefined;
    return call;
  }

  /** Rejects every pending call exactly once with the error `makeError` builds for it. Returns how many. */
  rejectAll(makeError: (call: PendingCall) => Error): PendingCall[] {
    const all = [...this.calls.values()];
    this.calls.clear();
    for (const call of all) {
      call.timer?.cancel();
      call.timer = undefined;
      call.reject(makeError(call));
    }
    return all;
  }
}
