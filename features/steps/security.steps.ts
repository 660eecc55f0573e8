/**
 * CURVE steps (MF-SEC-5 .. MF-SEC-8): what a parent driver under test handed the kit's child, read from the
 * child's observation log (`start` record: whether the key was in its environment or arguments; `curve`
 * record: the socket became a CURVE server). The key itself is never logged. A child target has no hello
 * line: the kit's own reference worker has CURVE, and a foreign child declares it through the kit's
 * environment, `MULTIFROST_CHILD_CAPABILITIES=curve` (a comma list).
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { ENV_CURVE_SECRET_KEY } from '../../src/worker/shared/curve-environment.js';
import { generateCurveKeyPair } from '../../src/worker/shared/curve-keys.js';
import { conform, show } from '../support/expect.js';
import type { DriverSession } from '../support/driver-session.js';
import { raw, sendCall } from './child-wire.steps.js';
import type { ConformanceWorld } from '../support/world.js';

type W = ConformanceWorld;

/** The driver the scenario started ("the parent driver runs the kit's child"). */
function driverOf(world: W): DriverSession {
  const driver = world.saved.get('driver') as DriverSession | undefined;
  if (driver === undefined) throw new Error('no driver: the scenario needs a "the parent driver runs ..." step');
  return driver;
}

Then("the kit's child was given a CURVE secret key in its environment, not in its arguments", async function (this: W) {
  const driver = driverOf(this);
  const start = await driver.waitForObservation((log) => log.find((o) => o.event === 'start'), this.timeoutMs);
  const curve = (start?.['curve'] ?? {}) as Record<string, unknown>;
  conform(
    curve['keyInEnvironment'] === true && curve['keyLength'] === 40,
    'MF-SEC-6',
    "MULTIFROST_CURVE_SECRET_KEY in the kit's child's environment, 40 characters of Z85",
    start === undefined ? "no start record from the kit's child" : show(curve),
  );
  conform(
    curve['keyInArguments'] === false,
    'MF-SEC-6',
    "the key nowhere in the kit's child's arguments (every local user can read /proc/<pid>/cmdline)",
    show(curve),
  );
});

Then("the kit's child made its socket a CURVE server with that key", async function (this: W) {
  const driver = driverOf(this);
  const secured = await driver.waitForObservation((log) => log.find((o) => o.event === 'curve'), this.timeoutMs);
  conform(
    secured?.['role'] === 'server',
    'MF-SEC-6',
    "the kit's child's ROUTER a CURVE server (so only a CURVE client of its public key can reach it)",
    show(driver.observations().slice(0, 4)),
  );
});

/** The environment variable through which the person running the kit declares a foreign child's capabilities. */
export const CHILD_CAPABILITIES_ENV = 'MULTIFROST_CHILD_CAPABILITIES';

Given('the worker declares the capability {string}', function (this: W, capability: string) {
  if (this.params.transport !== 'zmq')
    return this.skip('CURVE needs real ZeroMQ: the simulator has no handshake (profile zmq)');
  const target = this.params.target;
  if (target.kind === 'service')
    return this.skip('a running service is not started by the kit, so it cannot be handed a key');
  if (target.kind === 'parent-driver') return this.skip('a parent-driver target is a parent; this checks a child');
  const declared = [
    ...(process.env[CHILD_CAPABILITIES_ENV] ?? '').split(',').map((item) => item.trim()),
    ...(this.params.capabilities ?? []),
  ];
  if (target.kind !== 'reference' && !declared.includes(capability))
    return this.skip(
      `the child does not declare the capability "${capability}" (a child has no hello line: set ` +
        `${CHILD_CAPABILITIES_ENV}=${capability} in the kit's environment when it has it)`,
    );
  return undefined;
});

When(
  'the kit starts the worker with a CURVE secret key and connects as a CURVE client of its public key',
  async function (this: W) {
    const pair = generateCurveKeyPair();
    await this.startChild({ env: { [ENV_CURVE_SECRET_KEY]: pair.secretKey }, curveServerPublicKey: pair.publicKey });
  },
);

Then('the worker answers a call over that CURVE connection', async function (this: W) {
  // A child that took the key but kept a plaintext socket never completes the handshake: no answer comes.
  const id = await sendCall(this, 'add', [20, 22]);
  await raw(this).replyTo(id, 'MF-SEC-6');
});
