/**
 * Properties of the simulated network over random seeds and fault parameters (fast-check):
 * order-keeping faults never reorder or lose, every fault plan replays identically from its seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { delay, drop, duplicate, reorder, type FaultRule } from '../../../src/transport/sim/faults.js';
import { SimNetwork } from '../../../src/transport/sim/sim-network.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { EMPTY, callPayload, collect, describe, idOf, runScenario } from './sim-scenario.js';

async function deliveredIds(
  seed: number,
  faults: readonly FaultRule[],
  count: number,
  spreadMs: number,
): Promise<string[]> {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock, seed, faults, describe, trace: false });
  const router = network.transport('child').router();
  const seen = collect(router);
  const dealer = network.transport('parent').dealer();
  await dealer.connect(await router.bind(loopbackEndpoint(0)));
  for (let i = 0; i < count; i++) {
    await dealer.send([EMPTY, callPayload(i)]);
    if (spreadMs > 0 && i % 5 === 4) await clock.advanceBy(spreadMs);
  }
  await clock.runUntilIdle();
  return seen.map((frames) => idOf(frames[2]) ?? '?');
}

test('delay with any jitter keeps order and loses nothing; duplicates only repeat in place', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer({ min: 0, max: 50 }),
      fc.integer({ min: 0, max: 50 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 7 }),
      async (seed, ms, jitterMs, p, spreadMs) => {
        const seen = await deliveredIds(seed, [delay({ ms, jitterMs }), duplicate({ p })], 60, spreadMs);
        const distinct = seen.filter((id, i) => i === 0 || seen[i - 1] !== id);
        assert.deepEqual(
          distinct,
          Array.from({ length: 60 }, (_, i) => `c${i}`),
        );
      },
    ),
    { numRuns: 40 },
  );
});

test('drop and reorder never invent messages: what arrives is a subset of what was sent, each once', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (seed, p) => {
        const seen = await deliveredIds(seed, [drop({ p }), reorder({ p: 0.5, windowMs: 8 })], 60, 1);
        assert.equal(new Set(seen).size, seen.length);
        for (const id of seen) assert.match(id, /^c([0-9]|[1-5][0-9])$/);
      },
    ),
    { numRuns: 40 },
  );
});

test('any seed replays to the same trace', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 32 - 1 }), async (seed) => {
      const plan = [drop({ p: 0.2 }), delay({ ms: 2, jitterMs: 2 }), reorder({ p: 0.3 }), duplicate({ p: 0.1 })];
      const first = await runScenario(seed, plan, 20);
      const second = await runScenario(seed, plan, 20);
      assert.equal(first.network.traceLines.join('\n'), second.network.traceLines.join('\n'));
    }),
    { numRuns: 25 },
  );
});
