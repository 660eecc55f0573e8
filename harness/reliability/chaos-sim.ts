/**
 * The simulated chaos soak, full size: `node --import tsx harness/reliability/chaos-sim.ts`.
 *
 * - `MF_CHAOS_SEED=<n>` replays one seed with the network trace on and prints its tail when it fails.
 * - `MF_CHAOS_SEEDS=<count>` (default 10,000) and `MF_CHAOS_FIRST=<n>` (default 1) choose the seeds.
 * Ends with `BENCH chaos-sim ...` lines; exits 1 when any seed broke an invariant.
 */
import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
import { realClock } from '../../src/time/real-clock.js';
import { type ChaosSummary, type SeedResult, runChaosSeed, summarize } from './chaos-sim-driver.js';

/** Runs `count` seeds from `first`; calls `onSeed` after each. */
export async function runChaosSim(
  first: number,
  count: number,
  onSeed?: (result: SeedResult) => void,
): Promise<ChaosSummary> {
  const results: SeedResult[] = [];
  for (let seed = first; seed < first + count; seed++) {
    const result = await runChaosSeed(seed);
    results.push(result);
    onSeed?.(result);
  }
  return summarize(results);
}

/** Replays one seed with the trace on and prints what a developer needs. Returns true when it passed. */
export async function replaySeed(seed: number): Promise<boolean> {
  const tail: string[] = [];
  const result = await runChaosSeed(seed, {
    trace: true,
    onTrace: (line) => {
      tail.push(line);
      if (tail.length > 60) tail.shift();
    },
  });
  console.log(JSON.stringify({ ...result, replay: undefined }, null, 2));
  if (result.violations.length === 0) return true;
  console.log(`--- last ${tail.length} trace lines ---\n${tail.join('\n')}`);
  return false;
}

export function printSummary(summary: ChaosSummary, wallMs: number): void {
  for (const failed of summary.failedSeeds.slice(0, 10)) {
    console.log(`seed ${failed.seed} FAILED: ${failed.violations.slice(0, 5).join('; ')}\n  replay: ${failed.replay}`);
  }
  console.log(`rejections by code: ${JSON.stringify(summary.rejected)}; faults: ${JSON.stringify(summary.faults)}`);
  console.log(`BENCH chaos-sim seeds=${summary.seeds}`);
  console.log(`BENCH chaos-sim calls=${summary.calls}`);
  console.log(`BENCH chaos-sim calls_answered=${summary.succeeded}`);
  console.log(`BENCH chaos-sim faults=${summary.faultsTotal}`);
  console.log(`BENCH chaos-sim failed_seeds=${summary.failedSeeds.length}`);
  console.log(
    `BENCH chaos-sim wall_ms=${wallMs.toFixed(0)} ratio=${(summary.virtualMs / Math.max(1, wallMs)).toFixed(1)}`,
  );
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
}

if (isMain()) {
  const single = process.env['MF_CHAOS_SEED'];
  if (single !== undefined) {
    process.exitCode = (await replaySeed(Number(single))) ? 0 : 1;
  } else {
    const count = Number(process.env['MF_CHAOS_SEEDS'] ?? 10_000);
    const first = Number(process.env['MF_CHAOS_FIRST'] ?? 1);
    const started = realClock.nowMs();
    const summary = await runChaosSim(first, count);
    const wallMs = realClock.nowMs() - started;
    printSummary(summary, wallMs);
    const failed = summary.failedSeeds.map((r) => ({
      seed: r.seed,
      replay: r.replay,
      violations: r.violations.slice(0, 3),
    }));
    console.log(`RESULT ${JSON.stringify({ ...summary, failedSeeds: failed, wallMs })}`);
    process.exitCode = summary.failedSeeds.length === 0 ? 0 : 1;
  }
}
