/**
 * When to respawn an exited child: at most `maxAttempts` consecutive attempts, with exponential backoff
 * (`baseDelayMs * 2^(attempt-1)`, capped). A child that serves a call successfully resets the count.
 * @see MF-LIFE-9
 */
export interface RestartPolicyOptions {
  /** Consecutive restart attempts before giving up. Default 5. */
  maxAttempts?: number;
  /** First backoff delay, ms. Default 100. */
  baseDelayMs?: number;
  /** Backoff cap, ms. Default 5,000. */
  maxDelayMs?: number;
}

export class RestartPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  private attempts = 0;

  constructor(options: RestartPolicyOptions = {}) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5_000;
  }

  get attemptsSoFar(): number {
    return this.attempts;
  }

  /** The next attempt's number and delay, or undefined when the budget is spent. */
  next(): { attempt: number; delayMs: number } | undefined {
    if (this.attempts >= this.maxAttempts) return undefined;
    this.attempts++;
    const delayMs = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (this.attempts - 1));
    return { attempt: this.attempts, delayMs };
  }

  /** The child proved healthy: the next exit starts a fresh budget. */
  reset(): void {
    this.attempts = 0;
  }
}
