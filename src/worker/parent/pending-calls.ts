/**
 * The table of calls waiting for a reply, keyed by message id. Each entry settles exactly once:
 * by a reply, by its timeout, or by `rejectAll` (stop, child exit). @see MF-CALL-12, MF-CALL-13, MF-LIFE-5
 */
import type { Clock, TimerHandle } from '../../time/clock.js';

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

/** Builds the rejection of a call whose timeout fired, and records the failure; called once per timeout. */
export type TimeoutHandler = (call: PendingCall, timeoutMs: number) => Error;

export class PendingCalls {
  private readonly calls = new Map<string, PendingCall>();

  constructor(
    private readonly clock: Clock,
    private readonly onTimeout: TimeoutHandler,
  ) {}

  get size(): number {
    return this.calls.size;
  }

  has(id: string): boolean {
    return this.calls.has(id);
  }

  /** Registers a call and returns the promise its caller awaits; `timeoutMs` undefined waits for ever. */
  add(id: string, functionName: string, timeoutMs: number | undefined, probe: boolean): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const call: PendingCall = {
        id,
        functionName,
        startedAtMs: this.clock.nowMs(),
        probe,
        resolve,
        reject,
        timer: undefined,
      };
      if (timeoutMs !== undefined) call.timer = this.clock.setTimer(timeoutMs, () => this.expire(call, timeoutMs));
      this.calls.set(id, call);
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

  private expire(call: PendingCall, timeoutMs: number): void {
    if (this.calls.get(call.id) !== call) return;
    this.calls.delete(call.id);
    call.timer = undefined;
    call.reject(this.onTimeout(call, timeoutMs));
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
