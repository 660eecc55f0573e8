/**
 * At most `max` entries per `intervalMs` for one kind of event (dropped messages): a flood of bad frames
 * must not become a flood of log lines. What was held back is counted and reported with the next entry
 * that gets through (`suppressed: n`), so no drop goes unaccounted.
 */
import type { Clock } from '../time/clock.js';

export interface RateLimitOptions {
  /** Entries let through per interval. Default 10. */
  max?: number;
  /** Length of the interval, ms. Default 10,000. */
  intervalMs?: number;
}

export class RateLimit {
  readonly max: number;
  readonly intervalMs: number;
  private windowStartMs = Number.NEGATIVE_INFINITY;
  private used = 0;
  private held = 0;

  constructor(
    private readonly clock: Pick<Clock, 'nowMs'>,
    options: RateLimitOptions = {},
  ) {
    this.max = options.max ?? 10;
    this.intervalMs = options.intervalMs ?? 10_000;
  }

  /**
   * Whether an entry may be logged now. When it may, `suppressed` is the number held back since the last
   * one that was logged (to be reported with it) and is reset.
   */
  take(): { ok: true; suppressed: number } | { ok: false } {
    const now = this.clock.nowMs();
    if (now - this.windowStartMs >= this.intervalMs) {
      this.windowStartMs = now;
      this.used = 0;
    }
    if (this.used >= this.max) {
      this.held++;
      return { ok: false };
    }
    this.used++;
    const suppressed = this.held;
    this.held = 0;
    return { ok: true, suppressed };
  }

  /** Entries held back and not yet reported. */
  get pending(): number {
    return this.held;
  }
}
