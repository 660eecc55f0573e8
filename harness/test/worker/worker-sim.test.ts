// ParentWorker + ChildWorker on the simulator: exact, virtual time, no real sockets or processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CircuitOpenError,
  InvalidArgumentError,
  RemoteCallError,
  TimeoutError,
  WorkerStoppedError,
} from '../../../src/errors.js';
import { drop } from '../../../src/sim.js';
import { ChildWorker } from '../../../src/worker/child/child-worker.js';
import type { SimProgram } from '../../../src/worker/sim/sim-launcher.js';
import { outcome, simWorld } from './sim-support.js';

test('serves calls: results, nil for void, remote errors with the stack', async () => {
  const { worker } = simWorld();
  await worker.start();
  assert.equal(await worker.call.add(2, 40), 42);
  assert.deepEqual(await worker.call.echo({ list: [1, 2.5, 'x', null, true], nested: { a: {} } }), {
    list: [1, 2.5, 'x', null, true],
    nested: { a: {} },
  });
  assert.equal(await worker.call.nothing(), null);
  const error = await outcome(worker.call.fail('nope'));
  assert.ok(error instanceof RemoteCallError);
  assert.equal(error.message, 'nope');
  assert.match(error.remoteStack ?? '', /Error: nope/);
  await worker.stop();
});

test('MF-PROF-2/3: the worker answers in the profile the parent speaks', async () => {
  for (const profile of ['v3', 'v4'] as const) {
    const { worker } = simWorld({ worker: { profile } });
    await worker.start();
    assert.equal(await worker.call.profile(), profile);
    await worker.stop();
  }
});

test('MF-CALL-13: a timeout rejects at exactly the deadline, says the call may have run, and a late reply is ignored', async () => {
  const { worker, clock } = simWorld();
  await worker.start();
  const startedAt = clock.nowMs();
  const error = await outcome(worker.call.withOptions({ timeoutMs: 500 }).sleep(2000));
  assert.ok(error instanceof TimeoutError);
  assert.equal(clock.nowMs() - startedAt, 500);
  assert.equal(error.mayHaveRun, true);
  await clock.sleep(2000); // the late reply arrives and is dropped silently
  assert.equal(worker.inFlight, 0);
  assert.equal(worker.metricsSnapshot().timeouts, 1);
  await worker.stop();
});

test('timeouts are validated: not a positive number of milliseconds is an InvalidArgumentError', async () => {
  const { worker } = simWorld();
  await worker.start();
  for (const timeoutMs of [0, -1, Number.NaN, Infinity]) {
    assert.ok((await outcome(worker.call.withOptions({ timeoutMs }).add(1, 1))) instanceof InvalidArgumentError);
  }
  await worker.stop();
});

test('MF-CALL-11: async handlers run concurrently', async () => {
  const { worker, clock } = simWorld();
  await worker.start();
  const startedAt = clock.nowMs();
  const results = await Promise.all([1000, 1000, 1000, 10].map((ms) => worker.call.sleep(ms)));
  assert.deepEqual(results, [1000, 1000, 1000, 10]);
  assert.equal(clock.nowMs() - startedAt, 1000);
  await worker.stop();
});

test('MF-CB-2..6: the breaker trips on timeouts, refuses while open, probes after the cooldown and closes', async () => {
  const { worker, clock, events } = simWorld({
    worker: { maxRestartAttempts: 3, breakerCooldownMs: 30_000, heartbeatIntervalMs: 0 },
  });
  await worker.start();
  const lost = worker.call.withOptions({ timeoutMs: 100, namespace: 'elsewhere' }); // ignored by the child: no reply
  for (let i = 0; i < 3; i++) assert.ok((await outcome(lost.add(1, 1))) instanceof TimeoutError);
  assert.equal(worker.breakerState, 'open');
  const refused = await outcome(worker.call.add(1, 1));
  assert.ok(refused instanceof CircuitOpenError);
  assert.equal(refused.mayHaveRun, false);
  await clock.sleep(29_999);
  assert.ok((await outcome(worker.call.add(1, 1))) instanceof CircuitOpenError);
  await clock.sleep(1);
  assert.equal(await worker.call.add(1, 1), 2); // the probe
  assert.equal(worker.breakerState, 'closed');
  const transitions = events
    .filter((e) => e.type === 'breaker-changed')
    .map((e) => (e.type === 'breaker-changed' ? `${e.from}->${e.to}` : ''));
  assert.deepEqual(transitions, ['closed->open', 'open->half-open', 'half-open->closed']);
  const metrics = worker.metricsSnapshot();
  assert.equal(metrics.breaker.trips, 1);
  assert.equal(metrics.breaker.resets, 1);
  assert.equal(metrics.requestsRefused, 2);
  await worker.stop();
});

test('MF-HB-1/5/7: heartbeats measure RTT; dropped echoes count misses and record one failure per max misses', async () => {
  const { worker, clock, events } = simWorld({
    // Pinned, so start-up sends one probe (no v4 one) and the fault's count starts right after its echo.
    worker: { profile: 'v3', heartbeatIntervalMs: 5000, heartbeatTimeoutMs: 3000, heartbeatMaxMisses: 3 },
    faults: [drop({ direction: 'child->parent', where: (m) => m.type === 'heartbeat' && m.seq > 2 })], // the ready probe's echo passes
  });
  await worker.start();
  await clock.sleep(5 * 60_000);
  const misses = events.filter((e) => e.type === 'heartbeat-missed');
  assert.ok(misses.length >= 50, `misses: ${misses.length}`);
  assert.ok(worker.metricsSnapshot().heartbeat.misses >= 50);
  assert.equal(worker.breakerState, 'open');
  await worker.stop();
});

test('MF-HB-4: heartbeats are answered while a long call runs, so no miss is counted', async () => {
  const { worker, events } = simWorld({ worker: { heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 500 } });
  await worker.start();
  assert.equal(await worker.call.sleep(60_000), 60_000);
  const rtts = events.filter((e) => e.type === 'heartbeat-rtt');
  assert.ok(rtts.length >= 59, `rtts: ${rtts.length}`);
  assert.equal(events.filter((e) => e.type === 'heartbeat-missed').length, 0);
  assert.ok(worker.metricsSnapshot().heartbeat.lastRttMs !== undefined);
  await worker.stop();
});

test('MF-LIFE-8/9: a crash rejects pending calls at once; autoRestart respawns and the new child serves', async () => {
  const { worker, launcher, events, clock } = simWorld({ worker: { autoRestart: true, restartBackoffMs: 100 } });
  await worker.start();
  const firstPid = await worker.call.pid();
  const pending = outcome(worker.call.sleep(10_000));
  launcher.crash(firstPid);
  const error = await pending;
  assert.ok(error instanceof WorkerStoppedError);
  assert.equal(error.mayHaveRun, true);
  const secondPid = await worker.call.pid();
  assert.notEqual(secondPid, firstPid);
  await clock.sleep(1); // the ready probe's echo may come after the queued call's reply
  assert.deepEqual(
    events.filter((e) => ['child-exited', 'restarting', 'restarted'].includes(e.type)).map((e) => e.type),
    ['child-exited', 'restarting', 'restarted'],
  );
  await worker.stop();
});

test('MF-LIFE-9: a child that keeps crashing exhausts the restart budget and later calls fail fast', async () => {
  const crashing: SimProgram = async ({ host }) => {
    host.writeRaw('stderr', 'dying\n');
    host.exit(3);
  };
  const { worker, events, launcher } = simWorld({
    programs: {
      crashing,
      reference: (ctx) => (ctx.host.env('FIRST') === undefined ? crashing(ctx) : Promise.resolve()),
    },
    worker: { autoRestart: true, maxRestartAttempts: 3, restartBackoffMs: 10 },
  });
  await worker.start().catch(() => undefined); // the reference program crashes at once: start fails
  assert.equal(launcher.liveProcesses.length, 0);
  assert.ok(events.every((e) => e.type !== 'restarted'));
});

test('MF-LIFE-4/5: stop() rejects every pending call exactly once and leaves no timer or process', async () => {
  const { worker, clock, launcher } = simWorld({ worker: { heartbeatIntervalMs: 1000, defaultTimeoutMs: 60_000 } });
  await worker.start();
  const rejections: unknown[] = [];
  const calls = [1, 2, 3].map((i) =>
    worker.call.sleep(10_000 * i).then(
      () => assert.fail('resolved'),
      (e: unknown) => rejections.push(e),
    ),
  );
  await clock.sleep(1);
  await worker.stop();
  await Promise.all(calls);
  assert.equal(rejections.length, 3);
  assert.ok(rejections.every((e) => e instanceof WorkerStoppedError && e.mayHaveRun));
  assert.equal(worker.inFlight, 0);
  assert.equal(launcher.liveProcesses.length, 0);
  await clock.sleep(1); // let the simulated exit settle
  assert.equal(clock.pendingTimerCount, 0);
  await worker.stop(); // idempotent
});

test('MF-LIFE-4: the stop sequence escalates at exactly the grace and term deadlines', async () => {
  class Stubborn extends ChildWorker {
    ping(): string {
      return 'pong';
    }
  }
  const stubborn: SimProgram = async ({ transport, host, clock }) => {
    const worker = new Stubborn({ transport, host, clock });
    await worker.start();
    host.onStopSignal(() => undefined); // ignores SIGTERM; SHUTDOWN only closes its socket
    await new Promise<never>(() => undefined); // like a process kept alive by its own handles
  };
  const { worker, clock, launcher } = simWorld({
    programs: { stubborn },
    command: 'stubborn',
    worker: { stopGraceMs: 2000, stopTermMs: 1500 },
  });
  await worker.start();
  assert.equal(await worker.callFunction('ping', []), 'pong');
  const startedAt = clock.nowMs();
  await worker.stop();
  assert.equal(clock.nowMs() - startedAt, 3500);
  assert.equal(launcher.liveProcesses.length, 0);
});

test('MF-OUT-1: output written by the child reaches the sink with its stream', async () => {
  const { worker, output } = simWorld();
  await worker.start();
  await worker.call.write_stdout('to stdout');
  await worker.call.write_stderr('to stderr');
  await worker.call.add(0, 0); // output and replies share one pipe, so both lines have arrived
  assert.deepEqual(
    output.filter(([, text]) => text.startsWith('to ')),
    [
      ['stdout', 'to stdout'],
      ['stderr', 'to stderr'],
    ],
  );
  await worker.stop();
});

test('metrics: counters and latency percentiles over the window', async () => {
  const { worker } = simWorld();
  await worker.start();
  for (let i = 0; i < 20; i++) await worker.call.sleep(i < 10 ? 10 : 100);
  await outcome(worker.call.fail('x'));
  const metrics = worker.metricsSnapshot();
  assert.equal(metrics.requestsTotal, 21);
  assert.equal(metrics.requestsSuccess, 20);
  assert.equal(metrics.requestsFailed, 1);
  assert.equal(metrics.inFlight, 0);
  assert.equal(metrics.latencyMs.samples, 21);
  assert.ok(metrics.latencyMs.p50 >= 10 && metrics.latencyMs.p99 >= 100, JSON.stringify(metrics.latencyMs));
  await worker.stop();
});

test('MF-LIFE-12: connect mode binds, registers, is discovered and called, and unregisters on stop', async () => {
  const { VirtualClock } = await import('../../../src/time/virtual-clock.js');
  const { createSimNetwork } = await import('../../../src/sim.js');
  const { ConformanceWorker } = await import('../../../src/conform/reference-worker.js');
  const { ParentWorker } = await import('../../../src/worker/parent/parent-worker.js');
  const { SimHost } = await import('../../../src/worker/sim/sim-host.js');
  const clock = new VirtualClock();
  clock.autoAdvance();
  const network = createSimNetwork({ clock });
  const entries = new Map<string, { port: number; pid: number }>();
  const registration = {
    register: async (serviceId: string, port: number, pid: number) => void entries.set(serviceId, { port, pid }),
    unregister: async (serviceId: string) => void entries.delete(serviceId),
  };
  const discovery = {
    discover: async (serviceId: string, timeoutMs: number) => {
      const deadline = clock.nowMs() + timeoutMs;
      while (!entries.has(serviceId)) {
        if (clock.nowMs() >= deadline) throw new Error(`not found: ${serviceId}`);
        await clock.sleep(100);
      }
      return { port: entries.get(serviceId)!.port };
    },
  };
  let exitCode: number | undefined;
  const host = new SimHost(4242, {}, (code) => (exitCode = code));
  const service = new ConformanceWorker({
    serviceId: 'math',
    registration,
    transport: network.transport('service'),
    host,
    clock,
  });
  const running = service.run();
  const worker = await ParentWorker.connect('math', {
    discovery,
    transport: network.transport('client'),
    clock,
    heartbeatIntervalMs: 0,
  });
  await worker.start();
  assert.equal(await worker.callFunction('add', [20, 22]), 42);
  assert.equal(entries.get('math')?.pid, 4242);
  await worker.stop(); // a connect-mode parent never shuts the shared service down
  assert.ok(entries.has('math'));
  host.signal('SIGTERM');
  await running;
  assert.equal(exitCode, 0);
  assert.equal(entries.has('math'), false);
});

test('MF-CALL-7: odd results settle each call exactly once: a throwing then getter, a thenable that calls back twice, a rejecting thenable', async () => {
  class Odd extends ChildWorker {
    throwingThen(): object {
      return Object.defineProperty({}, 'then', {
        get() {
          throw new Error('then getter failed');
        },
      });
    }
    twice(): PromiseLike<number> {
      return { then: (resolve: (v: number) => void) => (resolve(1), resolve(2)) } as PromiseLike<number>;
    }
    rejecting(): PromiseLike<never> {
      return {
        then: (_: unknown, reject: (e: Error) => void) => reject(new Error('thenable rejected')),
      } as PromiseLike<never>;
    }
    throwingThenCall(): PromiseLike<never> {
      return {
        then: () => {
          throw new Error('then() threw');
        },
      } as unknown as PromiseLike<never>;
    }
    active(): number {
      return this.activeCalls;
    }
  }
  const odd: SimProgram = async ({ transport, host, clock }) => {
    const worker = new Odd({ transport, host, clock });
    await worker.start();
    await new Promise<never>(() => undefined);
  };
  const { worker, network } = simWorld({ programs: { odd }, command: 'odd' });
  await worker.start();
  const first = await outcome(worker.callFunction('throwingThen', []));
  assert.ok(first instanceof RemoteCallError);
  assert.equal(first.message, 'then getter failed');
  assert.equal(await worker.callFunction('twice', []), 1);
  const rejected = await outcome(worker.callFunction('rejecting', []));
  assert.ok(rejected instanceof RemoteCallError && rejected.message === 'thenable rejected');
  const thrown = await outcome(worker.callFunction('throwingThenCall', []));
  assert.ok(thrown instanceof RemoteCallError && thrown.message === 'then() threw');
  // Every call above counted down exactly once: only this call is running now.
  assert.equal(await worker.callFunction('active', []), 1);
  // Exactly one reply per call on the wire: no second RESPONSE for `twice`.
  const replies = network.traceLines
    .map((line) => JSON.parse(line) as { ev: string; dir?: string; message?: { id?: string; type?: string } })
    .filter(
      (entry) =>
        entry.ev === 'send' &&
        entry.dir === 'child->parent' &&
        (entry.message?.type === 'response' || entry.message?.type === 'error'),
    );
  const ids = replies.map((entry) => entry.message?.id);
  assert.equal(ids.length, 5);
  assert.equal(new Set(ids).size, 5);
  await worker.stop();
});
