/**
 * @internal steps of profile-probe.feature: the TypeScript ParentWorker with no `profile` pinned probes for
 * its profile (MF-PROF-6, MF-PROF-7), against the reference worker made strict with MULTIFROST_PROFILE, on
 * the simulator. What the parent sent is read from the simulator's trace of the scenario.
 */
import { Given, Then, When } from '@cucumber/cucumber';
import { ProfileProbeError } from '../../src/errors.js';
import { PROFILES, type ProfileName, isProfileName } from '../../src/protocol/profile.js';
import { ConformanceWorker } from '../../src/conform/reference-worker.js';
import { SimHost } from '../../src/worker/sim/sim-host.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import type { ParentWorkerOptions } from '../../src/worker/parent/parent-options.js';
import type { WorkerEvent } from '../../src/worker/parent/events.js';
import { conform, conformEqual, settle, show } from '../support/expect.js';
import type { TraceEntry } from '../support/wire-trace.js';
import type { ConformanceWorld, ServiceApi } from '../support/world.js';
import { needsSimulator } from './internal.steps.js';
import { describeError, session } from './parent.steps.js';

type W = ConformanceWorld;

/** No profile pinned: the world pins the run's profile unless told otherwise. */
const PROBING: ParentWorkerOptions = { profile: undefined };

/** `v3` or `v4` makes the reference worker strict to it (MF-PROF-4); `both` leaves it accepting both. */
function strictEnv(accepts: string): Record<string, string> {
  if (accepts === 'both') return {};
  if (!isProfileName(accepts)) throw new Error(`expected v3, v4 or both, got ${accepts}`);
  return { MULTIFROST_PROFILE: accepts };
}

/** Everything the parent sent, in order, from the simulator's trace. */
function parentSent(world: W): TraceEntry[] {
  return world.trace.entries.filter((entry) => entry.dir === 'parent->worker');
}

function appOf(entry: TraceEntry | undefined): unknown {
  return (entry?.message as Record<string, unknown> | undefined)?.['app'];
}

/** Checks that `entries` are HEARTBEATs in exactly the `profiles`, in that order. */
function conformProbes(entries: readonly TraceEntry[], profiles: readonly ProfileName[], clause: string): void {
  const expected = profiles.map((name) => `HEARTBEAT ${PROFILES[name].app}`);
  const actual = entries.map((entry) => `${entry.type?.toUpperCase() ?? '?'} ${String(appOf(entry))}`);
  conformEqual(actual, expected, clause, 'the readiness probes, in the order sent');
}

function chosen(events: readonly WorkerEvent[]): Array<Extract<WorkerEvent, { type: 'profile-chosen' }>> {
  return events.filter(
    (event): event is Extract<WorkerEvent, { type: 'profile-chosen' }> => event.type === 'profile-chosen',
  );
}

Given(
  'a TypeScript parent with no profile pinned and heartbeats every {int} ms runs the reference worker accepting {word}',
  async function (this: W, intervalMs: number, accepts: string) {
    const skipped = needsSimulator(this);
    if (skipped !== undefined) return skipped;
    await this.startInternal({
      ...PROBING,
      heartbeatIntervalMs: intervalMs,
      heartbeatTimeoutMs: 10 * intervalMs,
      env: strictEnv(accepts),
    });
    return undefined;
  },
);

Given(
  'a TypeScript parent pinned to {word} runs the reference worker accepting {word}',
  async function (this: W, pinned: string, accepts: string) {
    const skipped = needsSimulator(this);
    if (skipped !== undefined) return skipped;
    if (!isProfileName(pinned)) throw new Error(`expected v3 or v4, got ${pinned}`);
    await this.startInternal({ profile: pinned, env: strictEnv(accepts) });
    return undefined;
  },
);

Given(
  'a TypeScript parent with no profile pinned and autoRestart runs the reference worker accepting {word}',
  async function (this: W, accepts: string) {
    const skipped = needsSimulator(this);
    if (skipped !== undefined) return skipped;
    await this.startInternal({ ...PROBING, autoRestart: true, restartBackoffMs: 100, env: strictEnv(accepts) });
    return undefined;
  },
);

Given(
  'a TypeScript parent with no profile pinned and a ready timeout of {int} ms, of the simulated program {string}',
  async function (this: W, readyTimeoutMs: number, program: string) {
    const skipped = needsSimulator(this);
    if (skipped !== undefined) return skipped;
    await this.startInternal({ ...PROBING, readyTimeoutMs }, program, false);
    return undefined;
  },
);

Then("the parent's first messages were a readiness HEARTBEAT in v3, then one in v4", function (this: W) {
  if (this.parent?.sim === undefined) {
    // Connect mode: the client's sends are not in the scenario's trace; the metrics count them.
    conformEqual(
      session(this).worker.metricsSnapshot().heartbeat.sent,
      2,
      'MF-PROF-6',
      'HEARTBEATs sent before the first call: one probe per profile',
    );
    return;
  }
  conformProbes(parentSent(this).slice(0, 2), ['v3', 'v4'], 'MF-PROF-6');
});

Then("the parent's first message was a readiness HEARTBEAT in v4, and no HEARTBEAT in v3 followed", function (this: W) {
  const sent = parentSent(this);
  conformProbes(sent.slice(0, 1), ['v4'], 'MF-PROF-7');
  const v3 = sent.filter((entry) => appOf(entry) === PROFILES.v3.app);
  conform(
    v3.length === 0,
    'MF-PROF-7',
    'nothing in v3 from a parent pinned to v4',
    show(v3.map((entry) => entry.message)),
  );
});

Then('the parent reports profile {word} as chosen by the probe', function (this: W, profile: string) {
  conformReported(this, profile, true);
});

Then('the parent reports profile {word} as pinned', function (this: W, profile: string) {
  conformReported(this, profile, false);
});

/** One profile-chosen event (before ready), `worker.profile` and the metrics snapshot all name `profile`. */
function conformReported(world: W, profile: string, probed: boolean): void {
  const { worker, events } = session(world);
  conformEqual(
    chosen(events).map((event) => ({ profile: event.profile, probed: event.probed })),
    [{ profile, probed }],
    'MF-PROF-7',
    'one profile-chosen event',
  );
  conformEqual(worker.profile, profile, 'MF-PROF-7', 'worker.profile');
  conformEqual(worker.metricsSnapshot().profile, profile, 'MF-PROF-7', 'metricsSnapshot().profile');
  const ready = events.findIndex((event) => event.type === 'ready');
  conform(
    ready > events.findIndex((event) => event.type === 'profile-chosen'),
    'MF-PROF-7',
    'profile-chosen before ready',
    show(events.map((event) => event.type)),
  );
}

Then('the parent reports profile {word} as chosen by the probe, twice', function (this: W, profile: string) {
  const { worker, events } = session(this);
  conformEqual(
    chosen(events).map((event) => ({ profile: event.profile, probed: event.probed })),
    [
      { profile, probed: true },
      { profile, probed: true },
    ],
    'MF-PROF-7',
    'a profile-chosen event at start-up and after the restart',
  );
  conformEqual(worker.profile, profile, 'MF-PROF-7', 'worker.profile');
});

Then(
  'every message the parent sent after the probes carries the app id of {word}',
  function (this: W, profile: string) {
    const app = PROFILES[profile as ProfileName].app;
    const after = parentSent(this).slice(2);
    conform(
      after.some((entry) => entry.type === 'call') && after.some((entry) => entry.type === 'heartbeat'),
      'MF-PROF-2',
      'a CALL and periodic HEARTBEATs after the probes',
      show(after.map((entry) => entry.type)),
    );
    for (const entry of after)
      conform(
        appOf(entry) === app,
        'MF-PROF-2',
        `app ${show(app)} on every message after the probes`,
        show(entry.message),
      );
  },
);

Then('the parent reported no dropped message', function (this: W) {
  const dropped = session(this).events.filter((event) => event.type === 'message-dropped');
  conform(
    dropped.length === 0,
    'MF-PROF-6',
    'the echo of the probe that lost is ignored without a report',
    show(dropped),
  );
});

Then('the parent probed the new child with a readiness HEARTBEAT in v3, then one in v4', function (this: W) {
  // Periodic heartbeats are off: every HEARTBEAT the parent sent is a probe, two per child.
  conformProbes(
    parentSent(this)
      .filter((entry) => entry.type === 'heartbeat')
      .slice(2),
    ['v3', 'v4'],
    'MF-PROF-6',
  );
});

Then(
  'the start fails with a ProfileProbeError naming the probes v3 and v4 and the profile option',
  async function (this: W) {
    const outcome = await (this.saved.get('start') as ReturnType<typeof settle>);
    const error = outcome.ok ? undefined : outcome.error;
    conform(
      error instanceof ProfileProbeError && error.code === 'MF_SPAWN',
      'MF-PROF-7',
      'a ProfileProbeError, code MF_SPAWN',
      outcome.ok ? 'start succeeded' : describeError(error),
    );
    conformEqual(error.probes, ['v3', 'v4'], 'MF-PROF-6', 'the probes named by the error');
    for (const text of [PROFILES.v3.app, PROFILES.v4.app, 'profile option']) {
      conform(error.message.includes(text), 'MF-PROF-6', `an error message naming ${show(text)}`, error.message);
    }
    this.saved.set('probeError', error);
  },
);

Then('the error carries exit status {word} and {string} from stderr', function (this: W, status: string, text: string) {
  const error = this.saved.get('probeError') as ProfileProbeError;
  conformEqual(
    error.exitCode,
    status === 'none' ? null : Number(status),
    'MF-PROF-6',
    'the exit status carried by the error',
  );
  conform(
    error.stderrTail.includes(text),
    'MF-PROF-6',
    `the stderr tail containing ${show(text)}`,
    show(error.stderrTail),
  );
});

Given(
  'the reference worker accepting {word} runs as service {string} on the simulator',
  async function (this: W, accepts: string, serviceId: string) {
    const skipped = needsSimulator(this);
    if (skipped !== undefined) return skipped;
    const profiles = accepts === 'both' ? {} : { profiles: [accepts as ProfileName] };
    const ports = new Map<string, number>();
    const registration = {
      register: async (id: string, port: number) => void ports.set(id, port),
      unregister: async (id: string) => void ports.delete(id),
    };
    const service = new ConformanceWorker({
      ...profiles,
      serviceId,
      registration,
      transport: await this.transport('service'),
      host: new SimHost(4243, {}, () => undefined),
      clock: this.clock,
    });
    void service.run();
    this.defer(() => service.stop());
    this.saved.set('servicePorts', ports);
    return undefined;
  },
);

When(
  'a TypeScript parent with no profile pinned connects to service {string}',
  async function (this: W, serviceId: string) {
    const ports = this.saved.get('servicePorts') as Map<string, number>;
    const discovery = {
      discover: async (id: string) => {
        while (!ports.has(id)) await this.clock.sleep(10);
        return { port: ports.get(id)! };
      },
    };
    const worker = await ParentWorker.connect<ServiceApi>(serviceId, {
      discovery,
      transport: await this.transport('client'),
      clock: this.clock,
      heartbeatIntervalMs: 0,
    });
    const events: WorkerEvent[] = [];
    worker.on((event) => void events.push(event));
    this.parent = { worker, events, eventTimes: [], output: [], kit: undefined, sim: undefined };
    this.defer(() => worker.stop());
    await worker.start();
  },
);
