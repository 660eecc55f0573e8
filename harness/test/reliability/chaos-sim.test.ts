// The simulated chaos soak (issue #9): 1,000 seeds of drops, delays, duplicates, reorders, partitions and child
// crashes against a ParentWorker with autoRestart and timeouts, every invariant checked on every seed.
// A failing seed prints the command that replays it with its network trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConformanceWorker } from '../../../src/conform/reference-worker.js';
import type { SimProgram } from '../../../src/worker/sim/sim-launcher.js';
import { replayCommand, runChaosSeed, summarize, type SeedResult } from '../../reliability/chaos-sim-driver.js';

const SEEDS = Number(process.env['MF_CHAOS_TEST_SEEDS'] ?? 1_000);

test(`MF-CALL-12/13, MF-CB-1..8, MF-LIFE-5/9: ${SEEDS} chaos seeds keep every invariant`, async () => {
  const results: SeedResult[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) results.push(await runChaosSeed(seed));
  const summary = summarize(results);
  const report = summary.failedSeeds
    .slice(0, 10)
    .map((r) => `seed ${r.seed}: ${r.violations.slice(0, 3).join('; ')}\n  replay: ${r.replay}`)
    .join('\n');
  assert.equal(summary.failedSeeds.length, 0, `${summary.failedSeeds.length} seed(s) broke an invariant:\n${report}`);
  // The soak must really be chaotic: every kind of fault happened, and calls both succeeded and failed.
  for (const [kind, count] of Object.entries(summary.faults)) assert.ok(count > 0, `no ${kind} fault was injected`);
  assert.ok(summary.succeeded > summary.calls / 3, `only ${summary.succeeded} of ${summary.calls} calls answered`);
  for (const code of ['MF_TIMEOUT', 'MF_WORKER_STOPPED', 'MF_CIRCUIT_OPEN'])
    assert.ok((summary.rejected[code] ?? 0) > 0, `no ${code} rejection`);
  assert.ok(summary.restarts > 0 && summary.breakerTransitions > 0);
  assert.ok(summary.stoppedEarly > SEEDS / 5, `only ${summary.stoppedEarly} seeds stopped mid-run`);
});

test('a seed replays exactly: same seed, same outcome and same network trace', async () => {
  for (const seed of [7, 4242]) {
    const traces: string[][] = [[], []];
    const runs: SeedResult[] = [];
    for (const trace of traces)
      runs.push(await runChaosSeed(seed, { trace: true, onTrace: (line) => void trace.push(line) }));
    assert.deepEqual(runs[0], runs[1]);
    assert.deepEqual(traces[0], traces[1]);
    assert.ok(traces[0]!.length > 100);
    // Tracing does not change the run: the untraced result is the same.
    assert.deepEqual(await runChaosSeed(seed), runs[0]);
  }
  assert.equal(replayCommand(123), 'MF_CHAOS_SEED=123 node --import tsx harness/reliability/chaos-sim.ts');
});

test("the soak catches a child that answers a call with another call's result", async () => {
  // A broken child: echo returns the value of the previous echo call.
  class CrossTalkWorker extends ConformanceWorker {
    private previous: unknown;
    override echo(value: unknown): unknown {
      const answer = this.previous ?? value;
      this.previous = value;
      return answer;
    }
  }
  const crossTalk: SimProgram = async ({ transport, host, clock }) => {
    await new CrossTalkWorker({ transport, host, clock }).run();
  };
  const results: SeedResult[] = [];
  for (let seed = 1; seed <= 5; seed++) results.push(await runChaosSeed(seed, { program: crossTalk }));
  const violations = results.flatMap((r) => r.violations);
  assert.ok(
    violations.some((v) => /resolved with a result that is not its own/.test(v)),
    violations.join('\n'),
  );
  assert.ok(results.every((r) => r.violations.length === 0 || r.replay.includes(`MF_CHAOS_SEED=${r.seed}`)));
});
