// Leak check, test size: tens of thousands of calls over real ZeroMQ to the reference worker in its own
// process. Full size (1,000,000 calls): node --import tsx harness/reliability/leaks.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeLeakSamples, runLeaks, type LeakSample } from '../../reliability/leaks.js';

test('MF-LIFE-5: after warm-up, memory stays flat and no pending call, timer, listener, handle or fd accumulates', async () => {
  // The first ~25k calls grow RSS while allocator arenas and ZeroMQ buffers settle: that is the warm-up.
  const result = await runLeaks({ calls: 60_000, warmupCalls: 30_000, samples: 3 });
  assert.deepEqual(result.violations, [], JSON.stringify(result.samples));
  assert.equal(result.samples.length, 4);
  assert.equal(result.calls, 60_000);
  // The latency window is bounded (1,024 samples), however many calls were made.
  assert.equal(result.samples.at(-1)!.latencySamples, result.samples[0]!.latencySamples);
});

test('the leak verdict fails on each kind of growth it watches, and passes a flat series', () => {
  const flat: LeakSample = {
    calls: 1000,
    heapUsed: 10e6,
    rss: 100e6,
    childRss: 90e6,
    inFlight: 0,
    metricsInFlight: 0,
    liveTimers: 1,
    latencySamples: 1024,
    processListeners: 8,
    activeResources: 8,
    fds: 39,
  };
  const limit = 20 * 1024 * 1024;
  const later = (change: Partial<LeakSample>): LeakSample[] => [
    flat,
    { ...flat, calls: 2000 },
    { ...flat, calls: 3000, ...change },
  ];
  assert.deepEqual(judgeLeakSamples(later({}), limit).violations, []);
  const planted: [Partial<LeakSample>, RegExp][] = [
    [{ heapUsed: flat.heapUsed + 30e6 }, /parent heap grew/],
    [{ rss: flat.rss + 30e6 }, /parent RSS grew/],
    [{ childRss: flat.childRss + 30e6 }, /child RSS grew/],
    [{ inFlight: 1 }, /1 pending call/],
    [{ metricsInFlight: 1 }, /pending call/],
    [{ liveTimers: 2 }, /2 live worker timers/],
    [{ latencySamples: 1025 }, /latencySamples grew/],
    [{ processListeners: 9 }, /processListeners grew/],
    [{ activeResources: 9 }, /activeResources grew/],
    [{ fds: 40 }, /fds grew/],
  ];
  for (const [change, expected] of planted) {
    const { violations } = judgeLeakSamples(later(change), limit);
    assert.equal(violations.length, 1, JSON.stringify(change));
    assert.match(violations[0]!, expected);
  }
});
