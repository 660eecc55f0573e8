/**
 * A parent told to find out its child's profile (`MULTIFROST_PROFILE=probe`, the driver capability `probe`):
 * what the kit's child received first, and the profile of every CALL after. The kit's child accepts the
 * profiles in `MULTIFROST_KIT_PROFILES`, set through the driver's environment (the driver passes it on).
 * @see MF-PROF-6
 */
import { Then } from '@cucumber/cucumber';
import { isProfileName, PROFILES } from '../../src/protocol/profile.js';
import { conform, show } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { driverOf } from './driver.steps.js';

type W = ConformanceWorld;

const typeAndApp = (message: Record<string, unknown> | null): string =>
  message === null ? 'an undecodable payload' : `${String(message['type'])} in ${String(message['app'])}`;

Then("the kit's child received a readiness HEARTBEAT in v3 first, then one in v4", async function (this: W) {
  const driver = driverOf(this);
  await driver.waitForObservation(
    (log) => (log.filter((o) => o.event === 'recv').length >= 2 ? true : undefined),
    this.timeoutMs,
  );
  const firstTwo = driver
    .received()
    .slice(0, 2)
    .map((entry) => entry.message);
  conform(
    firstTwo.map(typeAndApp).join(', ') === `heartbeat in ${PROFILES.v3.app}, heartbeat in ${PROFILES.v4.app}`,
    this.clauseOr('MF-PROF-6'),
    `the parent's first two messages: a HEARTBEAT in ${PROFILES.v3.app}, then one in ${PROFILES.v4.app}`,
    firstTwo.length === 0 ? 'no message' : firstTwo.map(typeAndApp).join(', '),
    show(firstTwo),
  );
});

Then("every CALL the kit's child received was in {word}", function (this: W, profile: string) {
  if (!isProfileName(profile)) throw new Error(`unknown profile ${profile} in the scenario`);
  const calls = driverOf(this)
    .received()
    .map((entry) => entry.message)
    .filter((message) => message?.['type'] === 'call');
  conform(calls.length > 0, this.clauseOr('MF-PROF-6'), 'CALLs from the parent', 'none');
  const others = calls.filter((message) => message?.['app'] !== PROFILES[profile].app);
  conform(
    others.length === 0,
    this.clauseOr('MF-PROF-6'),
    `every CALL in ${profile} (${PROFILES[profile].app}): the profile of the first echo`,
    `${others.length} of ${calls.length} CALLs in another: ${others.map(typeAndApp).join(', ')}`,
  );
});
