/**
 * Metrics in the Prometheus text exposition format (version 0.0.4): a `# HELP` and a `# TYPE` line per
 * family, counters named `..._total`, durations in seconds, every sample labelled with the worker's name.
 * Label values escape `\`, `"` and line feeds; HELP text escapes `\` and line feeds, as the format requires.
 */
import type { MetricsSnapshot } from './metrics.js';

/** The content type to serve the text with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

type Sample = readonly [labels: Readonly<Record<string, string>>, value: number];

/** Renders `snapshot` for a worker named `workerName`; `prefix` starts every metric name. */
export function metricsText(snapshot: MetricsSnapshot, workerName: string, prefix = 'multifrost'): string {
  const lines: string[] = [];
  const base = { worker: workerName };
  const family = (name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): void => {
    const full = `${prefix}_${name}`;
    lines.push(`# HELP ${full} ${escapeHelp(help)}`, `# TYPE ${full} ${type}`);
    for (const [labels, value] of samples) {
      const text = Object.entries({ ...base, ...labels })
        .map(([key, v]) => `${key}="${escapeLabelValue(v)}"`)
        .join(',');
      lines.push(`${full}{${text}} ${number(value)}`);
    }
  };
  const one = (value: number): readonly Sample[] => [[{}, value]];
  const s = snapshot;
  family('requests_total', 'counter', 'Calls sent to the child.', one(s.requestsTotal));
  family('requests_success_total', 'counter', 'Calls answered with a result.', one(s.requestsSuccess));
  family('requests_failed_total', 'counter', 'Calls that failed (error, timeout, exit, send).', one(s.requestsFailed));
  family('requests_refused_total', 'counter', 'Calls refused by the open breaker.', one(s.requestsRefused));
  family('timeouts_total', 'counter', 'Calls that timed out.', one(s.timeouts));
  family('in_flight', 'gauge', 'Calls waiting for a reply.', one(s.inFlight));
  family(
    'call_latency_seconds',
    'gauge',
    `Call latency quantiles over the last ${s.latencyMs.samples} calls (a sliding window).`,
    [0.5, 0.95, 0.99].map((q): Sample => {
      const ms = q === 0.5 ? s.latencyMs.p50 : q === 0.95 ? s.latencyMs.p95 : s.latencyMs.p99;
      return [{ quantile: String(q) }, ms / 1000];
    }),
  );
  if (s.heartbeat.lastRttMs !== undefined)
    family('heartbeat_rtt_seconds', 'gauge', 'Last heartbeat round trip.', one(s.heartbeat.lastRttMs / 1000));
  family('heartbeats_sent_total', 'counter', 'Heartbeats sent.', one(s.heartbeat.sent));
  family('heartbeat_misses_total', 'counter', 'Heartbeats not answered in time.', one(s.heartbeat.misses));
  family(
    'breaker_state',
    'gauge',
    'Circuit breaker state: 1 for the current one.',
    (['closed', 'open', 'half-open'] as const).map((state): Sample => [{ state }, s.breaker.state === state ? 1 : 0]),
  );
  family('breaker_trips_total', 'counter', 'Times the breaker opened.', one(s.breaker.trips));
  family('breaker_resets_total', 'counter', 'Times the breaker closed again.', one(s.breaker.resets));
  family('restarts_total', 'counter', 'Child processes relaunched.', one(s.restarts));
  return `${lines.join('\n')}\n`;
}
