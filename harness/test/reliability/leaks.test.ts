// Leak check, test size: tens of thousands of calls over real ZeroMQ to the reference worker in its own
// process. Full size (1,000,000 calls): node --import tsx harness/reliability/leaks.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLeaks } from '../../reliability/leaks.js';

test('MF-LIFE-5: after warm-up, memory stays flat and no pending call, timer, listener, handle or fd accumulates', async () => {
  // The first ~25k calls grow RSS while allocator arenas and ZeroMQ buffers settle: that is the warm-up.
  const result = await runLeaks({ calls: 60_000, warmupCalls: 30_000, samples: 3 });
  assert.deepEqual(result.violations, [], JSON.stringify(result.samples));
  assert.equal(result.samples.length, 4);
  assert.equal(result.calls, 60_000);
  // The latency window is bounded (1,024 samples), however many calls were made.
  assert.equal(result.samples.at(-1)!.latencySamples, result.samples[0]!.latencySamples);
});
