/** Steps of breaker.feature (the TypeScript parent's circuit breaker, on virtual time). */
import { Given, Then, When } from '@cucumber/cucumber';
import { MultifrostError } from '../../src/errors.js';
import type { ParentWorkerOptions } from '../../src/worker/parent/parent-options.js';
import { conform, conformEqual, settle, show } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { needsSimulator } from './internal.steps.js';
import { describeError, session } from './parent.steps.js';

type W = ConformanceWorld;

async function expectFailure(world: W, call: Promise<unknown>, code: string, what: string): Promise<void> {
  const outcome = await settle(call);
  conform(
    !outcome.ok && outcome.error instanceof MultifrostError && outcome.error.code === code,
    world.clause,
    `${what} fails with ${code}`,
    outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(outcome.error),
  );
}

Given(
  'a TypeScript parent and the reference worker on the simulator, with a breaker of {int} failures and a {int} s cooldown',
  async function (this: W, failures: number, cooldownS: number) {
    const skipped = needsSimulator(this);
    if (skipped !== undefined) return skipped;
    const options: ParentWorkerOptions = { maxRestartAttempts: failures, breakerCooldownMs: cooldownS * 1000 };
    this.saved.set('breakerOptions', options);
    await this.startInternal(options);
    return undefined;
  },
);

Given('the parent is restarted with countRemoteErrors off', async function (this: W) {
  await session(this).worker.stop();
  await this.startInternal({ ...(this.saved.get('breakerOptions') as ParentWorkerOptions), countRemoteErrors: false });
});

When('{int} call(s) time(s) out', async function (this: W, count: number) {
  // The child ignores a CALL for another namespace (MF-NS-2), so the call times out.
  for (let i = 0; i < count; i++)
    await expectFailure(
      this,
      session(this).worker.callFunction('add', [1, 1], { namespace: 'elsewhere', timeoutMs: 100 }),
      'MF_TIMEOUT',
      'a call nobody answers',
    );
});

When('{int} calls fail remotely', async function (this: W, count: number) {
  for (let i = 0; i < count; i++)
    await expectFailure(
      this,
      session(this).worker.callFunction('fail', ['remote failure']),
      'MF_REMOTE',
      'a call to fail',
    );
});

Then('the breaker is {word}', function (this: W, state: string) {
  conformEqual(session(this).worker.breakerState, state, this.clause, 'breaker state');
});

Then('a call is refused with code {string} saying it was not sent', async function (this: W, code: string) {
  const outcome = await settle(session(this).worker.callFunction('add', [1, 1]));
  const error = outcome.ok ? undefined : outcome.error;
  conform(
    error instanceof MultifrostError && error.code === code && error.mayHaveRun === false,
    this.clauseOr('MF-CB-4'),
    `refused with ${code}, mayHaveRun false`,
    outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(error),
  );
});

When('a probe call to {string} with {args} starts', function (this: W, fn: string, args: unknown[]) {
  this.saved.set('probe', settle(session(this).worker.callFunction(fn, args)));
});

Then('the probe resolves with {json}', async function (this: W, expected: unknown) {
  const outcome = await (this.saved.get('probe') as ReturnType<typeof settle>);
  conform(
    outcome.ok,
    'MF-CB-5',
    `the probe resolves with ${show(expected)}`,
    outcome.ok ? '' : describeError(outcome.error),
  );
  conformEqual(outcome.value, expected, 'MF-CB-5');
});

Then(
  'the parent reported the transitions {string}, {string} and {string}',
  function (this: W, a: string, b: string, c: string) {
    const transitions = session(this).events.flatMap((event) =>
      event.type === 'breaker-changed' ? [`${event.from}->${event.to}`] : [],
    );
    conformEqual(transitions, [a, b, c], 'MF-CB-8', 'breaker-changed events');
  },
);

Then('the metrics count {int} trip(s) and {int} reset(s)', function (this: W, trips: number, resets: number) {
  const { breaker } = session(this).worker.metricsSnapshot();
  conformEqual(
    { trips: breaker.trips, resets: breaker.resets },
    { trips, resets },
    'MF-CB-8',
    'metrics breaker counters',
  );
});
