/**
 * @parent steps: the TypeScript ParentWorker under test, with the kit's scripted child
 * (features/support/kit-child.ts) on the other end. A foreign parent is checked through its driver
 * (spec section 14) in lifecycle.feature; these steps skip for a `parent-driver` target.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { MultifrostError } from '../../src/errors.js';
import { PROFILES } from '../../src/protocol/profile.js';
import { conform, conformEqual, settle, show, within } from '../support/expect.js';
import type { KitChildLauncher, ParentMessage } from '../support/kit-child.js';
import type { ConformanceWorld, ParentSession } from '../support/world.js';

type W = ConformanceWorld;

/** The parent session of the scenario. */
export function session(world: W): ParentSession {
  if (world.parent === undefined)
    throw new Error('no parent: the scenario needs a "Given a TypeScript parent ..." step');
  return world.parent;
}

export function kitChild(world: W): KitChildLauncher {
  const kit = session(world).kit;
  if (kit === undefined) throw new Error('the scenario has no kit child (it runs the reference worker)');
  return kit;
}

/** Skip reason when the target is a foreign parent's driver: these steps check the TypeScript parent in-process. */
function foreignParent(world: W): 'skipped' | undefined {
  if (world.params.target.kind === 'parent-driver')
    return world.skip(
      'this scenario checks the TypeScript ParentWorker in-process; a foreign parent is checked through its driver (MF-DRV-1)',
    );
  return undefined;
}

/** Waits, bounded by the step timeout, for a message the kit child received. */
export async function kitReceived(
  world: W,
  match: (m: ParentMessage) => boolean,
  clause: string,
  expected: string,
): Promise<ParentMessage> {
  const found = await within(world.clock, world.timeoutMs, kitChild(world).waitFor(match));
  conform(
    found !== undefined,
    clause,
    expected,
    `not received within ${world.timeoutMs} ms; received ${show(kitChild(world).received.map((m) => m.raw))}`,
  );
  return found;
}

/** Starts a call and remembers its settled outcome as the scenario's last call. */
export function startCall(world: W, fn: string, args: unknown[], options: Record<string, unknown> = {}): void {
  const worker = session(world).worker;
  const promise = settle(worker.callFunction(fn, args, options));
  world.saved.set('call', promise);
}

export async function lastCall(world: W): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  const call = world.saved.get('call') as
    Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> | undefined;
  if (call === undefined) throw new Error('no call was made in this scenario');
  const settled = await within(world.clock, world.timeoutMs * 4, call);
  conform(settled !== undefined, world.clause, 'the call settles', 'still pending');
  return settled;
}

/** Describes an error for expected/actual lines. */
export function describeError(error: unknown): string {
  if (error instanceof MultifrostError)
    return `${error.name} ${error.code}${error.mayHaveRun === undefined ? '' : ` (mayHaveRun ${String(error.mayHaveRun)})`}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

Given("a TypeScript parent runs the kit's child", async function (this: W) {
  const skipped = foreignParent(this);
  if (skipped !== undefined) return skipped;
  await this.startParent();
  return undefined;
});

Given(
  "a TypeScript parent with heartbeats every {int} ms runs the kit's child",
  async function (this: W, intervalMs: number) {
    const skipped = foreignParent(this);
    if (skipped !== undefined) return skipped;
    await this.startParent({ heartbeatIntervalMs: intervalMs, heartbeatTimeoutMs: Math.max(intervalMs * 10, 1000) });
    return undefined;
  },
);

When(
  'the parent calls {string} with {args} and gets {json}',
  async function (this: W, fn: string, args: unknown[], expected: unknown) {
    startCall(this, fn, args);
    const outcome = await lastCall(this);
    conform(
      outcome.ok,
      this.clause,
      `the call resolves with ${show(expected)}`,
      outcome.ok ? '' : describeError(outcome.error),
    );
    conformEqual(outcome.value, expected, this.clause);
  },
);

When(
  'the parent calls {string} with {args} as client {string} and gets {json}',
  async function (this: W, fn: string, args: unknown[], client: string, expected: unknown) {
    startCall(this, fn, args, { clientName: client });
    const outcome = await lastCall(this);
    conform(
      outcome.ok,
      this.clause,
      `the call resolves with ${show(expected)}`,
      outcome.ok ? '' : describeError(outcome.error),
    );
    conformEqual(outcome.value, expected, this.clause);
  },
);

When('the parent calls {string} with {args}', function (this: W, fn: string, args: unknown[]) {
  startCall(this, fn, args);
});

When(
  'the parent calls {string} with {args} and a timeout of {int} ms',
  function (this: W, fn: string, args: unknown[], timeoutMs: number) {
    startCall(this, fn, args, { timeoutMs });
  },
);

When("the kit's child has received {int} heartbeats", async function (this: W, count: number) {
  await kitReceived(
    this,
    () => kitChild(this).ofType('heartbeat').length >= count,
    'MF-HB-8',
    `${count} heartbeats from the parent`,
  );
});

Then("every message the kit's child received had 3 frames with an empty delimiter", function (this: W) {
  const received = kitChild(this).received;
  conform(received.length > 0, 'MF-FRAME-1', 'messages from the parent', 'none');
  for (const message of received) {
    conform(
      message.frames === 3 && message.delimiterEmpty,
      'MF-FRAME-1',
      'the ROUTER sees [routing id, empty, payload] (the parent sent [empty, payload])',
      `${message.frames} frames, delimiter empty: ${String(message.delimiterEmpty)}`,
    );
  }
});

Then("every message the kit's child received carries the app id of the parent's profile", function (this: W) {
  const app = PROFILES[this.params.profile].app;
  for (const message of kitChild(this).received) {
    conform(message.raw?.['app'] === app, 'MF-PROF-2', `app ${show(app)} on every message`, show(message.raw));
  }
});

Then("the kit's child received a CALL with {string} = {string}", async function (this: W, key: string, value: string) {
  await kitReceived(
    this,
    (m) => m.raw?.['type'] === 'call' && m.raw[key] === value,
    this.clauseOr('MF-MSG-7'),
    `a CALL carrying ${key} = ${show(value)}`,
  );
});

Then("the kit's child received a CALL to {string} whose args is an empty array", async function (this: W, fn: string) {
  const call = await kitReceived(
    this,
    (m) => m.raw?.['type'] === 'call' && m.raw['function'] === fn,
    'MF-CALL-1',
    `a CALL to ${fn}`,
  );
  const args = call.raw?.['args'];
  conform(
    Array.isArray(args) && args.length === 0,
    'MF-CALL-1',
    '"args": [] (an array, empty when there are none)',
    show(args),
  );
});

Then('the call resolves with {json}', async function (this: W, expected: unknown) {
  const outcome = await lastCall(this);
  conform(outcome.ok, this.clause, `resolves with ${show(expected)}`, outcome.ok ? '' : describeError(outcome.error));
  conformEqual(outcome.value, expected, this.clause);
});

Then('the call fails with code {string}', async function (this: W, code: string) {
  const outcome = await lastCall(this);
  conform(
    !outcome.ok && outcome.error instanceof MultifrostError && outcome.error.code === code,
    this.clause,
    `rejected with code ${code}`,
    outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(outcome.error),
  );
});

Then('the call fails with code {string} saying it may have run', async function (this: W, code: string) {
  const outcome = await lastCall(this);
  conform(
    !outcome.ok &&
      outcome.error instanceof MultifrostError &&
      outcome.error.code === code &&
      outcome.error.mayHaveRun === true,
    this.clause,
    `rejected with code ${code} and mayHaveRun true`,
    outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(outcome.error),
  );
});

Then('the call fails with code {string} saying it was not sent', async function (this: W, code: string) {
  const outcome = await lastCall(this);
  conform(
    !outcome.ok &&
      outcome.error instanceof MultifrostError &&
      outcome.error.code === code &&
      outcome.error.mayHaveRun === false,
    this.clause,
    `rejected with code ${code} and mayHaveRun false`,
    outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(outcome.error),
  );
});

Then(
  'the parent still serves: {string} with {args} gives {json}',
  async function (this: W, fn: string, args: unknown[], expected: unknown) {
    const outcome = await settle(session(this).worker.callFunction(fn, args));
    conform(
      outcome.ok,
      this.clause,
      `the parent keeps working: ${fn} gives ${show(expected)}`,
      outcome.ok ? '' : describeError(outcome.error),
    );
    conformEqual(outcome.value, expected, this.clause);
  },
);
