/** Steps of heartbeat.feature. */
import { Given, Then, When } from '@cucumber/cucumber';
import { PROFILES, type ProfileName } from '../../src/protocol/profile.js';
import { conform, conformEqual, sameValue, show, within } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { raw, sendCall } from './child-wire.steps.js';
import { kitChild, session } from './parent.steps.js';

type W = ConformanceWorld;

interface SentHeartbeat {
  id: string;
  profile: ProfileName;
  message: Record<string, unknown>;
}

async function sendHeartbeat(world: W, profile: ProfileName): Promise<void> {
  const kit = raw(world);
  const message = kit.core('heartbeat', undefined, profile);
  Object.assign(message, PROFILES[profile].heartbeat.request(world.clock.epochMs()));
  world.saved.set('heartbeat', { id: message['id'] as string, profile, message } satisfies SentHeartbeat);
  await kit.send(message);
}

function sentHeartbeat(world: W): SentHeartbeat {
  return world.saved.get('heartbeat') as SentHeartbeat;
}

async function echoOf(world: W): Promise<Record<string, unknown>> {
  const { id } = sentHeartbeat(world);
  const echo = await raw(world).waitFor((inbound) => inbound.message?.['id'] === id);
  conform(
    echo !== undefined,
    'MF-HB-1',
    `a HEARTBEAT echo with id ${show(id)} within ${world.timeoutMs} ms`,
    'none',
    raw(world).lastSeen(),
  );
  return echo.message!;
}

Given('the worker accepts profile {profile}', async function (this: W, profile: ProfileName) {
  if (profile === this.params.profile) return undefined;
  // A strict worker ignores the other profile: call in both, the run's profile last. In-order delivery means
  // the answer to the other profile, if any, comes first.
  const kit = raw(this);
  const other = await kit.call('echo', ['accepts?'], {}, profile);
  const mine = await kit.call('echo', ['accepts?']);
  await kit.replyTo(mine, 'MF-PROF-4');
  if (kit.repliesTo(other).length === 0)
    return this.skip(
      `the worker does not answer profile ${profile} (strict to ${this.params.profile}, allowed by MF-PROF-4)`,
    );
  return undefined;
});

When("the kit sends a HEARTBEAT in the run's profile", async function (this: W) {
  await sendHeartbeat(this, this.params.profile);
});

When('the kit sends a HEARTBEAT in profile {profile}', async function (this: W, profile: ProfileName) {
  await sendHeartbeat(this, profile);
});

Then('the worker echoes it with the same id in the same profile', async function (this: W) {
  const echo = await echoOf(this);
  const { profile } = sentHeartbeat(this);
  conform(echo['type'] === 'heartbeat', 'MF-HB-1', 'type "heartbeat"', show(echo['type']));
  conform(echo['app'] === PROFILES[profile].app, 'MF-PROF-3', `app ${show(PROFILES[profile].app)}`, show(echo['app']));
});

Then("the echo carries the request's args unchanged", async function (this: W) {
  const echo = await echoOf(this);
  conformEqual(echo['args'], sentHeartbeat(this).message['args'], 'MF-HB-2', 'the echo of a v3 HEARTBEAT');
});

Then("the echo carries the request's hb_timestamp and hb_response true", async function (this: W) {
  const echo = await echoOf(this);
  const metadata = echo['metadata'] as Record<string, unknown> | undefined;
  const sent = (sentHeartbeat(this).message['metadata'] as Record<string, unknown>)['hb_timestamp'];
  conform(typeof metadata === 'object' && metadata !== null, 'MF-HB-3', 'a metadata map', show(metadata));
  conform(
    sameValue(metadata['hb_timestamp'], sent),
    'MF-HB-3',
    `metadata.hb_timestamp ${show(sent)}`,
    show(metadata['hb_timestamp']),
  );
  conform(metadata['hb_response'] === true, 'MF-HB-3', 'metadata.hb_response true', show(metadata['hb_response']));
});

Then('the echo arrives before the reply to {string}', async function (this: W, fn: string) {
  const echo = await echoOf(this);
  const kit = raw(this);
  const callId = this.saved.get('last') as string;
  const early = kit.repliesTo(callId);
  conform(
    early.length === 0,
    'MF-HB-4',
    `the HEARTBEAT echo before the reply to ${fn}`,
    `the ${fn} reply came first: ${show(early.map((e) => e.message))}`,
  );
  conform(echo['type'] === 'heartbeat', 'MF-HB-4', 'a HEARTBEAT echo', show(echo));
  await kit.replyTo(callId, 'MF-CALL-10');
});

Then("each heartbeat carries the send time in the profile's encoding", function (this: W) {
  const nowMs = this.clock.epochMs();
  const beats = kitChild(this).ofType('heartbeat');
  for (const beat of beats) {
    const message = beat.raw!;
    if (this.params.profile === 'v3') {
      const args = message['args'];
      conform(Array.isArray(args) && typeof args[0] === 'number', 'MF-HB-2', 'args: [sentAtEpochMs]', show(args));
      conform(
        Math.abs((args as number[])[0]! - nowMs) < 60_000,
        'MF-HB-2',
        `a send time in epoch MILLISECONDS near ${nowMs}`,
        show(args),
      );
    } else {
      const metadata = message['metadata'] as Record<string, unknown> | undefined;
      const seconds = metadata?.['hb_timestamp'];
      conform(typeof seconds === 'number', 'MF-HB-3', 'metadata.hb_timestamp (a number)', show(metadata));
      conform(
        Math.abs((seconds as number) - nowMs / 1000) < 60,
        'MF-HB-3',
        `a send time in epoch SECONDS near ${(nowMs / 1000).toFixed(0)}`,
        show(seconds),
      );
    }
  }
});

When('the parent reports a heartbeat round trip', async function (this: W) {
  const { events } = session(this);
  const found = await within(
    this.clock,
    this.timeoutMs,
    (async () => {
      for (;;) {
        const rtt = events.find((event) => event.type === 'heartbeat-rtt');
        if (rtt !== undefined) return rtt;
        await this.clock.sleep(10);
      }
    })(),
  );
  conform(found !== undefined, 'MF-HB-5', 'a heartbeat-rtt event', 'none');
  this.saved.set('rtt', found.type === 'heartbeat-rtt' ? found.rttMs : undefined);
});

Then('the round trip is about {int} ms', function (this: W, expectedMs: number) {
  const rtt = this.saved.get('rtt') as number;
  // Exact on virtual time. On real time timers fire late on a loaded machine: 1 s of slack still catches a
  // seconds/milliseconds mix-up (a factor of 1000).
  const slack = this.virtual === undefined ? 1000 : 0;
  conform(
    rtt >= expectedMs - 1 && rtt <= expectedMs + slack,
    'MF-HB-5',
    `an RTT of ${expectedMs} ms (+${slack} ms on real time)`,
    `${rtt} ms`,
    'a seconds/milliseconds mix-up gives a factor of 1000',
  );
});

function simulatorOnly(world: W): 'skipped' | undefined {
  if (world.virtual === undefined) return world.skip('needs the virtual clock of the simulator (transport memory)');
  return undefined;
}

Given(
  "a TypeScript parent with default heartbeat options runs the kit's child on the simulator",
  async function (this: W) {
    const skipped = simulatorOnly(this);
    if (skipped !== undefined) return skipped;
    await this.startParent({}, true, true);
    this.saved.set('startedMs', this.clock.nowMs());
    return undefined;
  },
);

Given(
  "a TypeScript parent with heartbeats every {int} ms, timeout {int} ms and {int} misses runs the kit's child on the simulator",
  async function (this: W, intervalMs: number, timeoutMs: number, misses: number) {
    const skipped = simulatorOnly(this);
    if (skipped !== undefined) return skipped;
    await this.startParent({
      heartbeatIntervalMs: intervalMs,
      heartbeatTimeoutMs: timeoutMs,
      heartbeatMaxMisses: misses,
    });
    this.saved.set('startedMs', this.clock.nowMs());
    return undefined;
  },
);

Given(
  "a TypeScript parent with heartbeats every {int} ms runs the kit's child on the simulator",
  async function (this: W, intervalMs: number) {
    const skipped = simulatorOnly(this);
    if (skipped !== undefined) return skipped;
    await this.startParent({ heartbeatIntervalMs: intervalMs });
    this.saved.set('startedMs', this.clock.nowMs());
    return undefined;
  },
);

When('{int} s of virtual time pass', async function (this: W, seconds: number) {
  await this.clock.sleep(seconds * 1000);
});

Given("the kit's child stops echoing heartbeats", function (this: W) {
  kitChild(this).behaviour.echoHeartbeats = false;
});

When("the kit's child echoes heartbeats again", function (this: W) {
  kitChild(this).behaviour.echoHeartbeats = true;
  this.saved.set('eventsAtResume', session(this).events.length);
});

Then(
  "the kit's child received heartbeats at {int}, {int} and {int} ms after start",
  function (this: W, a: number, b: number, c: number) {
    const started = this.saved.get('startedMs') as number;
    // The first heartbeat is the start-up probe (readiness, MF-LIFE-11); the periodic ones follow.
    const times = kitChild(this)
      .ofType('heartbeat')
      .slice(1)
      .map((m) => m.atMs - started);
    conformEqual(
      times,
      [a, b, c],
      'MF-HB-6',
      'virtual ms after start of each periodic HEARTBEAT (default interval 5000 ms)',
    );
  },
);

Then('the parent reported misses {int}, {int} and {int}', function (this: W, a: number, b: number, c: number) {
  const misses = session(this).events.flatMap((event) => (event.type === 'heartbeat-missed' ? [event.misses] : []));
  conformEqual(misses.slice(0, 3), [a, b, c], 'MF-HB-7', 'heartbeat-missed events');
});

Then('the breaker counted {int} consecutive failure(s)', function (this: W, failures: number) {
  conformEqual(
    session(this).worker.metricsSnapshot().breaker.consecutiveFailures,
    failures,
    'MF-HB-7',
    'consecutive breaker failures',
  );
});

Then('the misses reported after the echoes came back start again from {int}', function (this: W, expected: number) {
  const all = session(this).events;
  const misses = all
    .slice(this.saved.get('eventsAtResume') as number)
    .flatMap((event) => (event.type === 'heartbeat-missed' ? [event.misses] : []));
  conform(misses.length > 0, 'MF-HB-7', 'misses reported after the echoes stopped again', 'none');
  conformEqual(
    misses[0],
    expected,
    'MF-HB-7',
    `an echo resets the miss count (misses after the echoes came back: ${show(misses)})`,
  );
});

Then("the kit's child received no heartbeat after the start-up probe", function (this: W) {
  conformEqual(
    kitChild(this).ofType('heartbeat').length,
    1,
    'MF-HB-8',
    'only the start-up probe (interval 0 disables heartbeats)',
  );
});

export { sendCall };
