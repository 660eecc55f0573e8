/** Steps of lifecycle.feature: spawn environment, exits, stop sequence, crashes, restarts, connect mode, driver. */
import { Given, Then, When } from '@cucumber/cucumber';
import { ConformanceWorker } from '../../src/conform/reference-worker.js';
import { MultifrostError, SpawnError } from '../../src/errors.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import { SimHost } from '../../src/worker/sim/sim-host.js';
import type { WorkerEvent } from '../../src/worker/parent/events.js';
import { conform, conformEqual, settle, show, within } from '../support/expect.js';
import type { ConformanceWorld, ServiceApi } from '../support/world.js';
import { raw, sendCall } from './child-wire.steps.js';
import { needsSimulator } from './internal.steps.js';
import { describeError, kitChild, lastCall, session, startCall } from './parent.steps.js';

type W = ConformanceWorld;

/** The process the kit started, or a skip when the target runs on its own (a service). */
function childProcess(world: W) {
  const launched = world.child?.process;
  if (launched === undefined) return undefined;
  return launched;
}

Given('the worker is started with COMLINK_ZMQ_PORT set to {string}', async function (this: W, value: string) {
  if (this.params.target.kind !== 'reference' && this.params.target.kind !== 'command')
    return this.skip('only a worker the kit starts can be given an environment');
  await this.startChild({ env: { COMLINK_ZMQ_PORT: value } });
  return undefined;
});

Given('the worker has answered a call', async function (this: W) {
  const id = await sendCall(this, 'echo', ['ready?']);
  await raw(this).replyTo(id, 'MF-LIFE-11');
});

When('the kit sends SHUTDOWN', async function (this: W) {
  await raw(this).send(raw(this).core('shutdown'));
});

When('the kit sends the worker {word}', function (this: W, signal: string) {
  const launched = childProcess(this);
  if (launched === undefined)
    return this.skip('the kit did not start this worker (service target): it cannot signal it');
  this.trace.note(`kit sends ${signal} to the worker`);
  if (signal === 'SIGTERM') launched.kill('SIGTERM');
  else if (this.virtual !== undefined) (launched as unknown as { host: SimHost }).host.signal('SIGINT');
  else process.kill(launched.pid!, 'SIGINT');
  return undefined;
});

Then('the worker exits with status {int}', async function (this: W, code: number) {
  const launched = childProcess(this);
  if (launched === undefined)
    return this.skip('the kit did not start this worker (service target): its exit status cannot be seen');
  const info = await within(this.clock, this.timeoutMs, launched.exit);
  conform(
    info !== undefined,
    this.clause,
    `the worker exits with status ${code} within ${this.timeoutMs} ms`,
    'still running',
  );
  conform(
    info.code === code,
    this.clause,
    `exit status ${code}`,
    `status ${String(info.code)}, signal ${String(info.signal)}`,
    `stderr: ${launched.stderrTail().slice(-300)}`,
  );
  return undefined;
});

Then('the worker wrote a line starting with {string} to its stderr', function (this: W, prefix: string) {
  const launched = childProcess(this)!;
  const lines = [
    ...(this.child?.rawOutput.filter((o) => o.stream === 'stderr').map((o) => o.line) ?? []),
    ...launched.stderrTail().split('\n'),
  ];
  conform(
    lines.some((line) => line.startsWith(prefix)),
    'MF-LIFE-2',
    `a stderr line starting with ${show(prefix)}`,
    show(lines.filter((l) => l !== '').slice(-5)),
  );
});

Then('the kit received no reply to the crash call', function (this: W) {
  const id = this.saved.get('last') as string;
  conformEqual(raw(this).repliesTo(id).length, 0, 'MF-SVC-1', 'crash exits without replying');
});

Then('the parent bound a free port on 127.0.0.1', function (this: W) {
  const started = session(this).events.find(
    (event): event is Extract<WorkerEvent, { type: 'started' }> => event.type === 'started',
  );
  const match = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(started?.endpoint ?? '');
  conform(
    match !== null && Number(match[1]) > 0,
    'MF-LIFE-1',
    'a bound endpoint tcp://127.0.0.1:<port>',
    show(started?.endpoint),
  );
  this.saved.set('port', match[1]);
});

Then(
  'the child was launched with COMLINK_ZMQ_PORT set to that port and COMLINK_WORKER_MODE set to {string}',
  function (this: W, mode: string) {
    const spec = kitChild(this).launches[0]!;
    conformEqual(
      spec.env['COMLINK_ZMQ_PORT'],
      this.saved.get('port'),
      'MF-LIFE-1',
      'COMLINK_ZMQ_PORT in the child environment',
    );
    conformEqual(spec.env['COMLINK_WORKER_MODE'], mode, 'MF-LIFE-1', 'COMLINK_WORKER_MODE in the child environment');
  },
);

Then('the child was launched from an argv, not through a shell', function (this: W) {
  const spec = kitChild(this).launches[0]!;
  const shell = /(^|\/)(sh|bash|dash|zsh|cmd(\.exe)?)$/.test(spec.command) || spec.args.includes('-c');
  conform(
    spec.command === 'kit-child' && !shell,
    'MF-LIFE-1',
    'the command itself (kit-child), no shell',
    show([spec.command, ...spec.args]),
  );
});

Given(
  "a TypeScript parent with a stop grace of {int} ms and a SIGTERM wait of {int} ms runs the kit's child",
  async function (this: W, graceMs: number, termMs: number) {
    if (this.params.target.kind === 'parent-driver') return this.skip('checks the TypeScript ParentWorker in-process');
    await this.startParent({ stopGraceMs: graceMs, stopTermMs: termMs });
    return undefined;
  },
);

Given("a TypeScript parent with default stop options runs the kit's child on the simulator", async function (this: W) {
  if (this.virtual === undefined) return this.skip('needs the virtual clock of the simulator (transport memory)');
  await this.startParent();
  return undefined;
});

Given("the kit's child ignores SHUTDOWN and SIGTERM", function (this: W) {
  kitChild(this).behaviour.obeyShutdown = false;
  kitChild(this).behaviour.obeySigterm = false;
});

Given("the kit's child never answers calls", function (this: W) {
  kitChild(this).behaviour.calls = 'never';
});

When('the parent stops', async function (this: W) {
  const stopped = await within(
    this.clock,
    this.timeoutMs * 2,
    session(this)
      .worker.stop()
      .then(() => true),
  );
  conform(stopped === true, this.clause, 'stop() completes', 'still stopping');
});

Then(
  "the kit's child received SHUTDOWN, then SIGTERM {int} ms later, then SIGKILL {int} ms after that",
  function (this: W, graceMs: number, termMs: number) {
    const kit = kitChild(this);
    const shutdown = kit.ofType('shutdown')[0];
    conform(shutdown !== undefined, 'MF-LIFE-4', 'a SHUTDOWN message first', 'none');
    const [term, kill] = kit.signals;
    conform(
      term?.signal === 'SIGTERM' && kill?.signal === 'SIGKILL',
      'MF-LIFE-4',
      'SIGTERM then SIGKILL',
      show(kit.signals),
    );
    // Exact on virtual time; real timers fire late, never early.
    const slack = this.virtual === undefined ? 1000 : 0;
    const near = (actual: number, expected: number): boolean => actual >= expected - 1 && actual <= expected + slack;
    conform(
      near(term.atMs - shutdown.atMs, graceMs),
      'MF-LIFE-4',
      `SIGTERM ${graceMs} ms after SHUTDOWN`,
      `${term.atMs - shutdown.atMs} ms`,
    );
    conform(
      near(kill.atMs - term.atMs, termMs),
      'MF-LIFE-4',
      `SIGKILL ${termMs} ms after SIGTERM`,
      `${kill.atMs - term.atMs} ms`,
    );
  },
);

When('the parent makes {int} calls', function (this: W, count: number) {
  const calls = Array.from({ length: count }, (_, i) => {
    let settlements = 0;
    const promise = session(this).worker.callFunction('echo', [i]);
    const outcome = settle(promise).then((result) => {
      settlements++;
      return result;
    });
    return { outcome, settlements: () => settlements };
  });
  this.saved.set('calls', calls);
});

Then('each call was rejected exactly once with code {string}', async function (this: W, code: string) {
  const calls = this.saved.get('calls') as Array<{
    outcome: Promise<{ ok: boolean; error?: unknown }>;
    settlements: () => number;
  }>;
  for (const call of calls) {
    const outcome = await call.outcome;
    conform(
      !outcome.ok && outcome.error instanceof MultifrostError && outcome.error.code === code,
      'MF-LIFE-5',
      `rejected with ${code}`,
      outcome.ok ? 'resolved' : describeError(outcome.error),
    );
    conformEqual(call.settlements(), 1, 'MF-LIFE-5', 'settled exactly once');
  }
});

Then("the kit's child was told to SHUTDOWN and exited", function (this: W) {
  const kit = kitChild(this);
  conform(kit.ofType('shutdown').length === 1, 'MF-LIFE-4', 'one SHUTDOWN', `${kit.ofType('shutdown').length}`);
  conform(kit.current?.exited !== undefined, 'MF-LIFE-4', 'the child exited', 'still running');
});

When('the child crashes with status {int}', async function (this: W, code: number) {
  this.saved.set('crashedAtMs', this.clock.nowMs());
  this.saved.set('pidBefore', session(this).worker.pid);
  void session(this)
    .worker.callFunction('crash', [code])
    .catch(() => undefined);
  const { events } = session(this);
  await within(
    this.clock,
    this.timeoutMs,
    (async () => {
      while (!events.some((event) => event.type === 'child-exited')) await this.clock.sleep(1);
    })(),
  );
});

Then(
  'the parent reported that the child exited with status {int} within {int} ms of virtual time',
  function (this: W, code: number, ms: number) {
    const { events, eventTimes } = session(this);
    const index = events.findIndex((event) => event.type === 'child-exited');
    const event = events[index];
    conform(
      event?.type === 'child-exited' && event.code === code,
      'MF-LIFE-8',
      `a child-exited event with status ${code}`,
      show(event),
    );
    const after = eventTimes[index]! - (this.saved.get('crashedAtMs') as number);
    conform(after <= ms, 'MF-LIFE-8', `detected within ${ms} ms (the exit event, not the next message)`, `${after} ms`);
  },
);

Given('a TypeScript parent with autoRestart and the reference worker on the simulator', async function (this: W) {
  const skipped = needsSimulator(this);
  if (skipped !== undefined) return skipped;
  await this.startInternal({ autoRestart: true, restartBackoffMs: 100 });
  return undefined;
});

Then('the parent reports that the child was restarted', async function (this: W) {
  const { events } = session(this);
  const found = await within(
    this.clock,
    this.timeoutMs,
    (async () => {
      while (!events.some((event) => event.type === 'restarted')) await this.clock.sleep(10);
      return true;
    })(),
  );
  conform(found === true, 'MF-LIFE-9', 'a restarted event', show(events.map((e) => e.type)));
});

Then('the child has a new process id', function (this: W) {
  const before = this.saved.get('pidBefore');
  const now = session(this).worker.pid;
  conform(now !== undefined && now !== before, 'MF-LIFE-9', `a new pid (was ${String(before)})`, String(now));
});

Given('a TypeScript parent of the simulated program {string}', async function (this: W, program: string) {
  const skipped = needsSimulator(this);
  if (skipped !== undefined) return skipped;
  await this.startInternal({}, program, false);
  return undefined;
});

When('the parent starts', function (this: W) {
  this.saved.set('start', settle(session(this).worker.start()));
});

Then(
  'the start fails with code {string}, exit status {int} and {string} from stderr',
  async function (this: W, code: string, status: number, text: string) {
    const outcome = await (this.saved.get('start') as ReturnType<typeof settle>);
    const error = outcome.ok ? undefined : outcome.error;
    conform(
      error instanceof SpawnError && error.code === code,
      'MF-LIFE-10',
      `a ${code} error`,
      outcome.ok ? 'start succeeded' : describeError(error),
    );
    conformEqual(error.exitCode, status, 'MF-LIFE-10', 'the exit status carried by the error');
    conform(
      error.stderrTail.includes(text),
      'MF-LIFE-10',
      `the stderr tail containing ${show(text)}`,
      show(error.stderrTail),
    );
  },
);

interface ServiceState {
  entries: Map<string, { port: number; pid: number }>;
  host: SimHost;
  running: Promise<void>;
  exitCode: number | undefined;
}

Given('the reference worker runs as service {string} on the simulator', async function (this: W, serviceId: string) {
  const skipped = needsSimulator(this);
  if (skipped !== undefined) return skipped;
  const entries = new Map<string, { port: number; pid: number }>();
  const state: Partial<ServiceState> = { entries, exitCode: undefined };
  const host = new SimHost(4242, {}, (code) => (state.exitCode = code));
  const registration = {
    register: async (id: string, port: number, pid: number) => void entries.set(id, { port, pid }),
    unregister: async (id: string) => void entries.delete(id),
  };
  const service = new ConformanceWorker({
    serviceId,
    registration,
    transport: await this.transport('service'),
    host,
    clock: this.clock,
  });
  state.host = host;
  state.running = service.run();
  this.defer(() => service.stop());
  this.saved.set('service', state);
  return undefined;
});

When('a TypeScript parent connects to service {string}', async function (this: W, serviceId: string) {
  await connectParent(this, serviceId, 0);
});

When(
  'a TypeScript parent with heartbeats every {int} ms connects to service {string}',
  async function (this: W, intervalMs: number, serviceId: string) {
    await connectParent(this, serviceId, intervalMs);
  },
);

When('{int} ms of virtual time pass', async function (this: W, ms: number) {
  await this.clock.sleep(ms);
});

Then(
  'the parent sent {int} heartbeats besides the start-up probe and measured their round trip',
  function (this: W, count: number) {
    const { heartbeat } = session(this).worker.metricsSnapshot();
    conformEqual(heartbeat.sent - 1, count, 'MF-HB-8', 'periodic heartbeats sent in connect mode');
    conform(heartbeat.lastRttMs !== undefined, 'MF-HB-8', 'a measured round trip', show(heartbeat));
  },
);

async function connectParent(world: W, serviceId: string, heartbeatIntervalMs: number): Promise<void> {
  const { entries } = world.saved.get('service') as ServiceState;
  const discovery = {
    discover: async (id: string, timeoutMs: number) => {
      const deadline = world.clock.nowMs() + timeoutMs;
      while (!entries.has(id)) {
        if (world.clock.nowMs() >= deadline) throw new Error(`service ${id} not found`);
        await world.clock.sleep(100);
      }
      return { port: entries.get(id)!.port };
    },
  };
  const worker = await ParentWorker.connect<ServiceApi>(serviceId, {
    profile: world.params.profile,
    discovery,
    transport: await world.transport('client'),
    clock: world.clock,
    heartbeatIntervalMs,
  });
  world.parent = { worker, events: [], eventTimes: [], output: [], kit: undefined, sim: undefined };
  world.defer(() => worker.stop());
  await worker.start();
}

Then('service {string} is still registered', function (this: W, serviceId: string) {
  const { entries } = this.saved.get('service') as ServiceState;
  conform(
    entries.has(serviceId),
    'MF-LIFE-12',
    'a connect-mode parent leaves the shared service running and registered',
    'unregistered',
  );
});

When('the service receives SIGTERM', function (this: W) {
  (this.saved.get('service') as ServiceState).host.signal('SIGTERM');
});

Then('the service exits with status 0 and is no longer registered', async function (this: W) {
  const state = this.saved.get('service') as ServiceState;
  await within(this.clock, this.timeoutMs, state.running);
  conformEqual(state.exitCode, 0, 'MF-LIFE-7', 'exit status after SIGTERM');
  conform(
    state.entries.size === 0,
    'MF-LIFE-7',
    'the service unregistered before exiting',
    show([...state.entries.keys()]),
  );
});

export { lastCall, startCall };
