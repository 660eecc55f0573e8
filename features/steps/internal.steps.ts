/**
 * @internal steps: this package's own ParentWorker and reference worker on the simulator (virtual time), for
 * the rules about the TypeScript implementation itself: breaker, heartbeat monitor, restarts, limits.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { conform, show } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { lastCall, describeError, session, startCall } from './parent.steps.js';

type W = ConformanceWorld;

/** Skip reason when the run is not on the simulator. */
export function needsSimulator(world: W): 'skipped' | undefined {
  if (world.params.target.kind !== 'reference' || !world.needsSimulator())
    return world.skip(
      'an @internal scenario runs the TypeScript parent and reference worker on the simulator (transport memory)',
    );
  return undefined;
}

Given('a TypeScript parent and the reference worker on the simulator', async function (this: W) {
  const skipped = needsSimulator(this);
  if (skipped !== undefined) return skipped;
  await this.startInternal();
  return undefined;
});

Given(
  'a TypeScript parent and the reference worker on the simulator, with a payload limit of {int} bytes',
  async function (this: W, limit: number) {
    const skipped = needsSimulator(this);
    if (skipped !== undefined) return skipped;
    await this.startInternal({ maxPayloadBytes: limit });
    return undefined;
  },
);

Given('a started TypeScript parent of the simulated program {string}', async function (this: W, program: string) {
  const skipped = needsSimulator(this);
  if (skipped !== undefined) return skipped;
  await this.startInternal({}, program);
  return undefined;
});

Then(
  'the call fails with a ProtocolError citing {word} and naming {string}',
  async function (this: W, clause: string, where: string) {
    const outcome = await lastCall(this);
    const error = outcome.ok ? undefined : (outcome.error as { name?: unknown; clause?: unknown; message?: unknown });
    conform(
      error?.name === 'ProtocolError' && error.clause === clause && String(error.message).includes(where),
      this.clause,
      `rejected with a ProtocolError citing ${clause} that names ${where}`,
      outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(outcome.error),
    );
  },
);

When('the parent calls {string} with a string of {int} characters', function (this: W, fn: string, length: number) {
  this.saved.set('requestsBefore', session(this).worker.metricsSnapshot().requestsTotal);
  startCall(this, fn, ['x'.repeat(length)]);
});

Then('the call fails with code {string} before anything is sent', async function (this: W, code: string) {
  const outcome = await lastCall(this);
  conform(
    !outcome.ok && (outcome.error as { code?: unknown }).code === code,
    this.clause,
    `rejected with ${code}`,
    outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(outcome.error),
  );
  const before = this.saved.get('requestsBefore');
  conform(
    session(this).worker.metricsSnapshot().requestsTotal === before,
    this.clause,
    'nothing sent (requestsTotal unchanged)',
    String(session(this).worker.metricsSnapshot().requestsTotal),
  );
});
