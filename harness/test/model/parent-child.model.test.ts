// Model-based testing of a ParentWorker and its child over the simulator (issue 17, item 2): fast-check
// command lists against a model of the spec's call, breaker, heartbeat, restart and stop rules. A failure
// prints the seed, path and replay path that reproduce the shrunk command list (docs/simulator.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resetCoverage } from './coverage.js';
import { DEFAULT_MODEL_RUNS, assertModel, modelParameters, modelRuns, parentChildProperty } from './model-run.js';

/** What the default runs must have exercised, so that passing means something (each is seen tens of times). */
const MUST_COVER = [
  'command Call',
  'command Crash',
  'command Partition',
  'command Heal',
  'command DropEchoes',
  'command DelayEchoes',
  'command DuplicateReplies',
  'command Stop',
  'command Restart',
  'settled ok',
  'settled remote',
  'settled timeout',
  'settled stopped',
  'settled circuit-open',
  'event breaker closed->open',
  'event breaker open->half-open',
  'event heartbeat-missed',
  'event heartbeat-rtt',
  'event child-exited',
  'event restarting',
  'event restarted',
  'event restart-gave-up',
  'event stopped',
];

test(`MF-CALL-12/13, MF-CB-1..8, MF-HB-7, MF-LIFE-5/8/9: ${modelRuns()} random command lists keep the parent and child in step with the model`, async (t) => {
  const coverage = resetCoverage();
  await assertModel(parentChildProperty(), modelParameters(), { testFile: 'harness/test/model/parent-child.model.test.ts', testName: 'random command lists' });
  t.diagnostic(`coverage: ${coverage}`);
  if (modelRuns() < DEFAULT_MODEL_RUNS || process.env['MF_FC_PATH'] !== undefined) return; // a replay or a short run
  assert.deepEqual(coverage.missing(MUST_COVER), [], `not exercised: ${coverage}`);
  // The probe's two verdicts are rarer (a few per run each); together they are always there.
  const probeVerdicts = (coverage.counts.get('event breaker half-open->closed') ?? 0) + (coverage.counts.get('event breaker half-open->open') ?? 0);
  assert.ok(probeVerdicts > 0, `no probe ever ended: ${coverage}`);
});

/**
 * The same property against the spec's own cooldown rule (MF-CB-5: half-open once the cooldown has passed since
 * the trip; MF-CB-6: only a failed probe starts another). The library restarts the cooldown on every failure
 * while open, so it fails; skipped until the library or the spec changes. MF_MODEL_STRICT_COOLDOWN=1 runs it.
 */
const STRICT_COOLDOWN_BUG =
  'library disagrees with MF-CB-5 (and docs/worker.md): a failure while the breaker is open restarts the cooldown ' +
  '(CircuitBreaker.recordFailure moves openedAtMs), so a breaker that keeps failing (heartbeat max-misses in a partition) ' +
  'is never half-open breakerCooldownMs after it tripped. Shrunk: Crash,Advance(250 ms),Partition,Advance(600 ms),' +
  'Advance(100 ms),Call(add) fails "breaker transitions" (model: open->half-open at t=950, tripped at 660; library: refused). ' +
  'Replay: MF_MODEL_STRICT_COOLDOWN=1 MF_FC_SEED=-174743469 MF_FC_PATH="12:8:6:9:14:14:14:14" MF_MODEL_REPLAY_PATH="LMz:F" MF_MODEL_VERBOSE=1';

test(
  'MF-CB-5: the breaker is half-open once the cooldown has passed since it tripped, whatever failed meanwhile',
  { skip: process.env['MF_MODEL_STRICT_COOLDOWN'] === '1' ? false : STRICT_COOLDOWN_BUG },
  async () => {
    await assertModel(parentChildProperty(undefined, 'from-trip'), modelParameters(), { testFile: 'harness/test/model/parent-child.model.test.ts', testName: 'once the cooldown has passed' });
  },
);
