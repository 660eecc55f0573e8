// The model finds a planted bug and shrinks it: a breaker that ignores the successful probe and never closes
// again (MF-CB-6). The library has no seam for its breaker (ParentWorker builds it inside), so the bug is planted
// by wrapping CircuitBreaker.prototype.recordSuccess for this test only (this file runs in its own process)
// and restored afterwards; src/ is unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CircuitBreaker } from '../../../src/worker/parent/circuit-breaker.js';
import { parentChildProperty, replayCommand, replayPathOf } from './model-run.js';
import { PostconditionFailure } from './postconditions.js';

/** Seed of the search: fixed, so the test finds the same counterexample every time. */
const SEED = 6;
const MAX_SHRUNK_COMMANDS = 8;

/** Runs `body` with the planted bug: a success while half-open is dropped, so the probe never closes the breaker. */
async function withBreakerResetSkipped<T>(body: () => Promise<T>): Promise<T> {
  const original = CircuitBreaker.prototype.recordSuccess;
  CircuitBreaker.prototype.recordSuccess = function (this: CircuitBreaker, onTransition) {
    if (this.state === 'half-open') return; // the bug
    original.call(this, onTransition);
  };
  try {
    return await body();
  } finally {
    CircuitBreaker.prototype.recordSuccess = original;
  }
}

/** The commands that ran in a counterexample, from fast-check's printout (names contain no comma). */
function commandsOf(counterexample: string): string[] {
  return counterexample
    .replace(/\s*\/\*.*\*\/\s*$/, '')
    .split(',')
    .filter((name) => name !== '');
}

test('MF-CB-6: a breaker that skips its reset on a successful probe is found, shrunk to a few commands and replayed', async (t) => {
  const found = await withBreakerResetSkipped(() => fc.check(parentChildProperty(''), { seed: SEED, numRuns: 1_000 }));
  assert.ok(found.failed, 'the model did not notice the planted bug');
  const error = found.errorInstance;
  assert.ok(error instanceof PostconditionFailure, `not a postcondition failure: ${String(error)}`);
  const printed = String(found.counterexample![0]);
  const commands = commandsOf(printed);
  t.diagnostic(
    `found after ${found.numRuns} run(s), shrunk ${found.numShrinks} time(s): seed ${found.seed}, path "${found.counterexamplePath}"`,
  );
  t.diagnostic(`counterexample: ${printed}`);
  t.diagnostic(`failed postcondition: ${error.postcondition}`);
  t.diagnostic(
    `replay (with the bug planted): ${replayCommand(found, 'harness/test/model/parent-child.model.test.ts', 'random command lists')}`,
  );
  assert.ok(commands.length <= MAX_SHRUNK_COMMANDS, `shrunk to ${commands.length} commands: ${printed}`);
  assert.ok(['breaker transitions', 'breaker state', 'breaker counters'].includes(error.postcondition), error.message);
  assert.match(error.message, /postcondition "breaker/);

  // Replay from seed, path and replay path: the same shrunk failure at once; without the bug the same case passes.
  const replayPath = replayPathOf(found);
  assert.ok(replayPath !== undefined, printed);
  const replay = { seed: found.seed, path: found.counterexamplePath!, numRuns: 1 }; // as MF_FC_SEED, MF_FC_PATH and MF_MODEL_REPLAY_PATH do
  const again = await withBreakerResetSkipped(() => fc.check(parentChildProperty(replayPath), replay));
  assert.ok(again.failed);
  assert.deepEqual(commandsOf(String(again.counterexample![0])), commands);
  assert.equal((again.errorInstance as PostconditionFailure).postcondition, error.postcondition);
  const fixed = await fc.check(parentChildProperty(replayPath), replay);
  assert.equal(fixed.failed, false, 'the shrunk case fails without the planted bug too');
});
