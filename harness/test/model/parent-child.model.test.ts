// Model-based testing of a ParentWorker and its child over the simulator (issue 17, item 2): fast-check
// command lists against a model of the spec's call, breaker, heartbeat, restart and stop rules. A failure
// prints the seed, path and replay path that reproduce the shrunk command list (docs/simulator.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { modelParameters, modelRuns, parentChildProperty } from './model-run.js';

test(`MF-CALL-12/13, MF-CB-1..8, MF-HB-7, MF-LIFE-5/8/9: ${modelRuns()} random command lists keep the parent and child in step with the model`, async () => {
  const started = Date.now();
  await fc.assert(parentChildProperty(), modelParameters());
  assert.ok(Date.now() - started < 60_000);
});
