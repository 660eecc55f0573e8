/**
 * Parent-side metrics: counters, latency percentiles over a bounded sliding window, in-flight count,
 * heartbeat RTT and breaker figures. Memory is bounded by the window size whatever the call volume.
 */
import type { ProfileName } from '../../protocol/profile.js';
import type { BreakerState } from './circuit-breaker.js';

export interface MetricsSnapshot {
  requestsTotal: number;
  requestsSuccess: number;
  requestsFailed: number;
  /** Calls refused by the open breaker (not sent). */
  requestsRefused: number;
  timeouts: number;
  inFlight: number;
  latencyMs: { p50: number; p95: number; p99: number; mean: number; last: number; samples: number };
  heartbeat: {
    lastRttMs: number | undefined;
    meanRttMs: number | undefined;
    /** The last {@link RTT_HISTORY} round-trip times, oldest first (the design's `heartbeatRtts`, bounded). */
    rttHistoryMs: number[];
    misses: number;
    sent: number;
  };
  breaker: { state: BreakerState; trips: number; resets: number; consecutiveFailures: number };
  restarts: number;
  /** The profile spoken: pinned, or chosen by the start-up probe; undefined until chosen. @see MF-PROF-7 */
  profile: ProfileName | undefined;
}

/** A fixed-size ring of numbers. */
class Ring {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(1, capacity));
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    if (this.count < this.values.length) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** The values in insertion order, oldest first. */
  inOrder(): number[] {
    const out: number[] = [];
    const start = this.count < this.values.length ? 0 : this.next;
    for (let i = 0; i < this.count; i++) out.push(this.values[(start + i) % this.values.length]!);
    return out;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.count).sort();
  }

  mean(): number | undefined {
    if (this.count === 0) return undefined;
    let sum = 0;
    for (let i = 0; i < this.count; i++) sum += this.values[i]!;
    return sum / this.count;
  }
}

/** Heartbeat round-trip times kept for the history. */
export const RTT_HISTORY = 64;

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank]!;
}

export class Metrics {
  requestsTotal = 0;
  requestsSuccess = 0;
  requestsFailed = 0;
  requestsRefused = 0;
  timeouts = 0;
  heartbeatsSent = 0;
  heartbeatMisses = 0;
  restarts = 0;
  private lastLatencyMs = 0;
  private lastRttMs: number | undefined;
  private readonly latencies: Ring;
  private readonly rtts: Ring;

  /** @param windowSize latency samples kept for percentiles (default 1,024). */
  constructor(windowSize = 1024) {
    this.latencies = new Ring(windowSize);
    this.rtts = new Ring(RTT_HISTORY);
  }

  recordLatency(ms: number): void {
    this.lastLatencyMs = ms;
    this.latencies.push(ms);
  }

  recordRtt(ms: number): void {
    this.lastRttMs = ms;
    this.rtts.push(ms);
  }

  snapshot(inFlight: number, breaker: MetricsSnapshot['breaker'], profile?: ProfileName): MetricsSnapshot {
    const sorted = this.latencies.sorted();
    return {
      requestsTotal: this.requestsTotal,
      requestsSuccess: this.requestsSuccess,
      requestsFailed: this.requestsFailed,
      requestsRefused: this.requestsRefused,
      timeouts: this.timeouts,
      inFlight,
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        mean: this.latencies.mean() ?? 0,
        last: this.lastLatencyMs,
        samples: sorted.length,
      },
      heartbeat: {
        lastRttMs: this.lastRttMs,
        meanRttMs: this.rtts.mean(),
        rttHistoryMs: this.rtts.inOrder(),
        misses: this.heartbeatMisses,
        sent: this.heartbeatsSent,
      },
      breaker,
      restarts: this.restarts,
      profile,
    };
  }
}

/** The shape of the original design's `getMetrics()`, kept for code written against it. */
export interface SeedMetrics {
  requestsTotal: number;
  requestsSuccess: number;
  requestsFailed: number;
  /** Mean over the latency window (the design averaged over all calls). */
  avgLatencyMs: number;
  lastLatencyMs: number;
  circuitBreakerTrips: number;
  circuitBreakerResets: number;
  /** Bounded: the last {@link RTT_HISTORY} (the design's list grew without bound). */
  heartbeatRtts: number[];
  lastHeartbeatRttMs?: number;
}

/** Maps a snapshot to the design's `getMetrics()` shape (docs/worker.md, "Metrics"). */
export function seedMetrics(snapshot: MetricsSnapshot): SeedMetrics {
  const seed: SeedMetrics = {
    requestsTotal: snapshot.requestsTotal,
    requestsSuccess: snapshot.requestsSuccess,
    requestsFailed: snapshot.requestsFailed,
    avgLatencyMs: snapshot.latencyMs.mean,
    lastLatencyMs: snapshot.latencyMs.last,
    circuitBreakerTrips: snapshot.breaker.trips,
    circuitBreakerResets: snapshot.breaker.resets,
    heartbeatRtts: snapshot.heartbeat.rttHistoryMs,
  };
  if (snapshot.heartbeat.lastRttMs !== undefined) seed.lastHeartbeatRttMs = snapshot.heartbeat.lastRttMs;
  return seed;
}
