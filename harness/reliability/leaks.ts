/**
 * Leak check: many calls parent <-> child over real ZeroMQ (the reference worker in its own process).
 * Full size: `node --import tsx harness/reliability/leaks.ts` (1,000,000 calls; MF_LEAK_CALLS changes it).
 *
 * After a warm-up, memory is sampled after a forced GC at regular points. Checked, not eyeballed:
 * - parent heap and RSS growth from the end of warm-up to the highest later sample below the limit (default 20 MB);
 * - the child's RSS growth (read from /proc) below the same limit;
 * - nothing that should stay constant grows: pending calls (worker.inFlight and metrics.inFlight), the
 *   worker's live timers (counted by a CountingClock), latency samples (bounded window), process listeners,
 *   active handles/resources (process.getActiveResourcesInfo()), open file descriptors.
 */
import { readFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { referenceWorkerPath } from '../../src/conform/reference-worker.js';
import { realClock } from '../../src/time/real-clock.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import { CountingClock } from './counting-clock.js';
import { settledHeapUsed } from './memory.js';
import { openFileDescriptors } from './processes.js';

export interface LeakOptions {
  calls: number;
  /** Calls before the baseline sample. Default 10% of `calls` (at least 2,000). */
  warmupCalls?: number;
  /** Samples after the warm-up. Default 5. */
  samples?: number;
  concurrency?: number;
  /** Growth limit, bytes. Default 20 MB. */
  limitBytes?: number;
}

/** Everything sampled at one point. */
export interface LeakSample {
  calls: number;
  heapUsed: number;
  rss: number;
  childRss: number;
  inFlight: number;
  metricsInFlight: number;
  liveTimers: number;
  latencySamples: number;
  processListeners: number;
  activeResources: number;
  fds: number;
}

export interface LeakResult {
  calls: number;
  wallMs: number;
  callsPerSecond: number;
  samples: LeakSample[];
  heapGrowth: number;
  rssGrowth: number;
  childRssGrowth: number;
  violations: string[];
}

async function rssOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match === null ? 0 : Number(match[1]) * 1024;
}

/**
 * The least of several readings of counters that a live heartbeat raises for a moment: between a heartbeat and
 * its echo the worker holds a second timer (the echo's deadline), one more active resource for Node. A leak
 * stays in every reading; a heartbeat in flight is gone by the next one (readings 25 ms apart, 1 s between
 * heartbeats). A single reading failed CI when it landed inside that window.
 */
async function leastOfReadings<T extends Record<string, number>>(read: () => T, readings = 5): Promise<T> {
  let least = read();
  for (let i = 1; i < readings; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const next = read();
    least = Object.fromEntries(Object.entries(least).map(([key, value]) => [key, Math.min(value, next[key]!)])) as T;
  }
  return least;
}

function processListeners(): number {
  return process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0);
}

export async function runLeaks(options: LeakOptions): Promise<LeakResult> {
  const limit = options.limitBytes ?? 20 * 1024 * 1024;
  const warmup = options.warmupCalls ?? Math.max(2_000, Math.floor(options.calls / 10));
  const sampleCount = options.samples ?? 5;
  const clock = new CountingClock(realClock);
  const worker = ParentWorker.spawn(referenceWorkerPath, undefined, {
    name: 'leaks',
    clock,
    defaultTimeoutMs: 30_000,
    heartbeatIntervalMs: 1_000,
    outputSink: () => undefined,
  });
  const samples: LeakSample[] = [];
  let done = 0;
  const sample = async (): Promise<void> => {
    await settledHeapUsed();
    const memory = process.memoryUsage();
    const metrics = worker.metricsSnapshot();
    const counts = await leastOfReadings(() => ({
      liveTimers: clock.liveTimers,
      activeResources: process.getActiveResourcesInfo().length,
    }));
    samples.push({
      calls: done,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      childRss: await rssOf(worker.pid),
      inFlight: worker.inFlight,
      metricsInFlight: metrics.inFlight,
      ...counts,
      latencySamples: metrics.latencyMs.samples,
      processListeners: processListeners(),
      fds: await openFileDescriptors(),
    });
  };
  const run = async (count: number): Promise<void> => {
    let issued = 0;
    const lanes = Array.from({ length: options.concurrency ?? 64 }, async () => {
      while (issued < count) {
        const n = done + issued++;
        // A fresh payload each call: strings and a binary, so buffers and ids are exercised, not cached.
        const payload = { n, text: `payload-${n}`, bin: Buffer.from([n & 255, (n >> 8) & 255]) };
        const echoed = (await worker.callFunction('echo', [payload])) as { n: number };
        if (echoed.n !== n) throw new Error(`call ${n} answered with ${echoed.n}`);
      }
    });
    await Promise.all(lanes);
    done += count;
  };
  const startedAtMs = realClock.nowMs();
  try {
    await worker.start();
    await run(warmup);
    await sample();
    const rest = options.calls - warmup;
    for (let i = 0; i < sampleCount; i++) {
      await run(Math.floor(rest / sampleCount) + (i === sampleCount - 1 ? rest % sampleCount : 0));
      await sample();
    }
  } finally {
    await worker.stop();
  }
  const wallMs = realClock.nowMs() - startedAtMs;
  const { violations, heapGrowth, rssGrowth, childRssGrowth } = judgeLeakSamples(samples, limit);
  return {
    calls: done,
    wallMs,
    callsPerSecond: done / (wallMs / 1000),
    samples,
    heapGrowth,
    rssGrowth,
    childRssGrowth,
    violations,
  };
}

/**
 * The verdict on a series of samples (the first taken at the end of warm-up): memory growth to the worst later
 * point above `limitBytes`, any pending call, more live worker timers than the heartbeat's, and any growth of
 * the counters that must stay constant.
 */
export function judgeLeakSamples(
  samples: readonly LeakSample[],
  limitBytes: number,
): Pick<LeakResult, 'violations' | 'heapGrowth' | 'rssGrowth' | 'childRssGrowth'> {
  const violations: string[] = [];
  const first = samples[0]!;
  // The worst point after warm-up, not just the last one: a leak that a late GC hides still counts.
  const growth = (key: 'heapUsed' | 'rss' | 'childRss'): number => Math.max(...samples.map((s) => s[key])) - first[key];
  const heapGrowth = growth('heapUsed');
  const rssGrowth = growth('rss');
  const childRssGrowth = growth('childRss');
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (heapGrowth > limitBytes) violations.push(`parent heap grew ${mb(heapGrowth)} after warm-up`);
  if (rssGrowth > limitBytes) violations.push(`parent RSS grew ${mb(rssGrowth)} after warm-up`);
  if (childRssGrowth > limitBytes) violations.push(`child RSS grew ${mb(childRssGrowth)} after warm-up`);
  for (const s of samples) {
    if (s.inFlight !== 0 || s.metricsInFlight !== 0)
      violations.push(`${s.inFlight} pending call(s) at ${s.calls} calls`);
    if (s.liveTimers > 1)
      violations.push(`${s.liveTimers} live worker timers at ${s.calls} calls (at most the heartbeat's)`);
    for (const key of ['latencySamples', 'processListeners', 'activeResources', 'fds'] as const) {
      if (s[key] > first[key]) violations.push(`${key} grew from ${first[key]} to ${s[key]} at ${s.calls} calls`);
    }
  }
  return { violations, heapGrowth, rssGrowth, childRssGrowth };
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
}

if (isMain()) {
  const result = await runLeaks({ calls: Number(process.env['MF_LEAK_CALLS'] ?? 1_000_000) });
  for (const s of result.samples) console.log(JSON.stringify(s));
  console.log(`RESULT ${JSON.stringify(result)}`);
  for (const violation of result.violations) console.log(`VIOLATION: ${violation}`);
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2);
  console.log(`BENCH leaks calls=${result.calls}`);
  console.log(`BENCH leaks heap_growth_mb=${mb(result.heapGrowth)}`);
  console.log(`BENCH leaks rss_growth_mb=${mb(result.rssGrowth)}`);
  console.log(`BENCH leaks child_rss_growth_mb=${mb(result.childRssGrowth)}`);
  console.log(`BENCH leaks calls_per_s=${result.callsPerSecond.toFixed(0)}`);
  process.exitCode = result.violations.length === 0 ? 0 : 1;
}
