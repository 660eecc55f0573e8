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
  await assertModel(parentChildProperty(), modelParameters(), {
    testFile: 'harness/test/model/parent-child.model.test.ts',
    testName: 'random command lists',
  });
  t.diagnostic(`coverage: ${coverage}`);
  if (modelRuns() < DEFAULT_MODEL_RUNS || process.env['MF_FC_PATH'] !== undefined) return; // a replay or a short run
  assert.deepEqual(coverage.missing(MUST_COVER), [], `not exercised: ${coverage}`);
  // The probe's two verdicts are rarer (a few per run each); together they are always there.
  const probeVerdicts =
    (coverage.counts.get('event breaker half-open->closed') ?? 0) +
    (coverage.counts.get('event breaker half-open->open') ?? 0);
  assert.ok(probeVerdicts > 0, `no probe ever ended: ${coverage}`);
});
