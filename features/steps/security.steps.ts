/**
 * CURVE steps (MF-SEC-5 .. MF-SEC-8): what a parent driver under test handed the kit's child, read from the
 * child's observation log (`start` record: whether the key was in its environment or arguments; `curve`
 * record: the socket became a CURVE server). The key itself is never logged.
 */
import { Then } from '@cucumber/cucumber';
import { conform, show } from '../support/expect.js';
import type { DriverSession } from '../support/driver-session.js';
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
