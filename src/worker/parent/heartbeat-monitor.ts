/**
 * Parent-side heartbeats: one HEARTBEAT every `intervalMs`, each expecting its echo within `timeoutMs`.
 * RTT is measured on the monotonic clock (MF-HB-5); any echo resets the miss count; reaching `maxMisses`
 * reports once and starts counting again (MF-HB-7). Owns its timers and releases them on `stop()`.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';

export interface HeartbeatMonitorOptions {
  clock: Clock;
  /** Between two heartbeats, ms. 0 disables the monitor. @see MF-HB-6 (default 5,000) */
  intervalMs: number;
  /** How long an echo may take, ms (default 3,000). */
  timeoutMs: number;
  /** Consecutive misses that count as one failure (default 3). */
  maxMisses: number;
  newId: () => string;
  /** Sends the heartbeat; `sentAtEpochMs` goes on the wire (v3 args / v4 metadata). */
  send: (id: string, sentAtEpochMs: number) => void;
  onRtt: (rttMs: number) => void;
  onMiss: (misses: number) => void;
  onMaxMisses: (misses: number) => void;
}

export class HeartbeatMonitor {
  private readonly outstanding = new Map<string, { sentAtMs: number; timer: TimerHandle }>();
  private intervalTimer: TimerHandle | undefined;
  private misses = 0;
  private running = false;

  constructor(private readonly options: HeartbeatMonitorOptions) {}

  get consecutiveMisses(): number {
    return this.misses;
  }

  /** Heartbeats sent and not yet answered or timed out. */
  get outstandingCount(): number {
    return this.outstanding.size;
  }

  start(): void {
    if (this.running || this.options.intervalMs <= 0) return;
    this.running = true;
    this.misses = 0;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.intervalTimer?.cancel();
    this.intervalTimer = undefined;
    for (const pending of this.outstanding.values()) pending.timer.cancel();
    this.outstanding.clear();
  }

  /** Handles an echo; returns false when the id is not an outstanding heartbeat (late or foreign). */
  handleEcho(id: string): boolean {
    const pending = this.outstanding.get(id);
    if (pending === undefined) return false;
    this.outstanding.delete(id);
    pending.timer.cancel();
    this.misses = 0;
    this.options.onRtt(this.options.clock.nowMs() - pending.sentAtMs);
    return true;
  }

  /** Sends one heartbeat now (also used to probe readiness). */
  beat(): void {
    const { clock } = this.options;
    const id = this.options.newId();
    const timer = clock.setTimer(this.options.timeoutMs, () => this.expire(id));
    this.outstanding.set(id, { sentAtMs: clock.nowMs(), timer });
    this.options.send(id, clock.epochMs());
  }

  private schedule(): void {
    this.intervalTimer = this.options.clock.setTimer(this.options.intervalMs, () => {
      if (!this.running) return;
      this.beat();
      this.schedule();
    });
  }

  private expire(id: string): void {
    if (!this.outstanding.delete(id)) return;
    this.misses++;
    this.options.onMiss(this.misses);
    if (this.misses >= this.options.maxMisses) {
      const misses = this.misses;
      this.misses = 0;
      this.options.onMaxMisses(misses);
    }
  }
}
