// The original design's examples (../shared/seed/multifrost-js-architecture.md, "Common Patterns", "Parent
// with Options", "Error Handling", the factories and getMetrics()), run on the simulator: each name and call
// form works as the design describes, or is refused with an InvalidArgumentError naming its replacement.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitOpenError, InvalidArgumentError, RemoteCallError, TimeoutError } from '../../../src/errors.js';
import { createSimNetwork } from '../../../src/sim.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { ChildWorker } from '../../../src/worker/child/child-worker.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import type { ParentWorkerOptions } from '../../../src/worker/parent/parent-options.js';
import { SimLauncher, type SimProgram } from '../../../src/worker/sim/sim-launcher.js';
import { outcome } from './sim-support.js';

// "Singleton Service Pattern": the design's worker, as written there (async methods, recursion through this).
class MyWorker extends ChildWorker {
  async add(a: number, b: number): Promise<number> {
    return a + b;
  }

  async factorial(n: number): Promise<number> {
    if (n <= 1) return 1;
    return n * (await this.factorial(n - 1));
  }

  async sleep(ms: number): Promise<number> {
    await this.workerClock.sleep(ms);
    return ms;
  }

  fail(message: string): never {
    throw new Error(message);
  }
}

interface MyApi {
  add(a: number, b: number): number;
  factorial(n: number): number;
  sleep(ms: number): number;
  fail(message: string): never;
}

/** `node` runs MyWorker, constructed with a service id as in the design (spawn mode wins: the port is set). */
const node: SimProgram = async ({ transport, host, clock }) => {
  const worker = new MyWorker({ transport, host, clock });
  await worker.run();
};

function world(): { clock: VirtualClock; sim: ParentWorkerOptions } {
  const clock = new VirtualClock();
  clock.autoAdvance();
  const network = createSimNetwork({ clock });
  const launcher = new SimLauncher({ transportFor: (name) => network.transport(name), clock, programs: { node } });
  return { clock, sim: { launcher, transport: network.transport('parent'), clock, outputSink: () => undefined } };
}

test('design "Parent with Options": spawn(script, "node", {defaultTimeout, heartbeatInterval in s, ...}) works as described', async () => {
  const { clock, sim } = world();
  const worker = ParentWorker.spawn<MyApi>('./worker.js', 'node', {
    autoRestart: true,
    maxRestartAttempts: 5,
    defaultTimeout: 30000,
    heartbeatInterval: 5.0,
    heartbeatTimeout: 3.0,
    heartbeatMaxMisses: 3,
    ...sim,
  });
  assert.equal(worker.config.defaultTimeoutMs, 30_000);
  assert.equal(worker.config.heartbeatIntervalMs, 5_000);
  assert.equal(worker.config.heartbeatTimeoutMs, 3_000);
  assert.equal(worker.config.autoRestart, true);
  await worker.start();
  // "Call with options": on the worker itself, as the design writes it.
  const result = await worker.withOptions({ timeout: 5000, namespace: 'default' }).factorial(10);
  assert.equal(result, 3628800);
  // The intervals are seconds: one heartbeat every 5 s of virtual time.
  const answeredAt: number[] = [];
  worker.on((event) => void (event.type === 'heartbeat-rtt' && answeredAt.push(clock.nowMs())));
  await clock.sleep(60_000);
  assert.ok(answeredAt.length >= 11, String(answeredAt.length));
  assert.deepEqual(new Set(answeredAt.slice(1).map((at, i) => at - answeredAt[i]!)), new Set([5000]));
  await worker.stop();
});

test('design defaultTimeout (ms) is applied: a call over it times out at exactly that deadline', async () => {
  const { clock, sim } = world();
  const worker = ParentWorker.spawn<MyApi>('./worker.js', 'node', { defaultTimeout: 300, ...sim });
  await worker.start();
  const startedAt = clock.nowMs();
  const error = await outcome(worker.call.sleep(2000));
  assert.ok(error instanceof TimeoutError);
  assert.equal(clock.nowMs() - startedAt, 300);
  await worker.stop();
});

test('design forms that cannot mean what they say are refused with InvalidArgumentError naming the replacement', () => {
  const { sim } = world();
  const refused = (options: Record<string, unknown>, argument: string, replacement: RegExp): void => {
    assert.throws(
      () => ParentWorker.spawn('./worker.js', 'node', { ...sim, ...options } as ParentWorkerOptions),
      (error: unknown) =>
        error instanceof InvalidArgumentError && error.argument === argument && replacement.test(error.message),
    );
  };
  refused({ heartbeatInterval: 5000 }, 'heartbeatInterval', /heartbeatIntervalMs: 5000/); // ms given as seconds
  refused({ heartbeatTimeout: 3000 }, 'heartbeatTimeout', /heartbeatTimeoutMs/);
  refused({ defaultTimeout: 100, defaultTimeoutMs: 100 }, 'defaultTimeout', /defaultTimeoutMs/);
  refused({ heartbeatInterval: 5, heartbeatIntervalMs: 5000 }, 'heartbeatInterval', /heartbeatIntervalMs/);
  refused({ timeout: 5000 }, 'timeout', /defaultTimeoutMs/);
  refused({ heartbeatInterval: -1 }, 'heartbeatInterval', /seconds/);
});

test('design connect(serviceId, 5000): the number is the discovery timeout, in ms', async () => {
  const { clock, sim } = world();
  const asked: number[] = [];
  const discovery = {
    discover: async (_id: string, timeoutMs: number) => {
      asked.push(timeoutMs);
      throw new Error('not found');
    },
  };
  // The design's two-argument form cannot carry a discovery stub; the stub goes through the options form,
  // and the numeric form is checked to reach the same option.
  await assert.rejects(ParentWorker.connect('my-service', { discovery, discoverTimeoutMs: 5000, clock }));
  assert.deepEqual(asked, [5000]);
  // The numeric form on the file registry, in an empty temporary home: it gives up after the 50 ms it was given.
  const home = mkdtempSync(join(tmpdir(), 'mf-seed-'));
  const previous = process.env['MULTIFROST_HOME'];
  process.env['MULTIFROST_HOME'] = home;
  try {
    const startedAt = Date.now();
    await assert.rejects(ParentWorker.connect('my-service', 50), /my-service/);
    const took = Date.now() - startedAt;
    assert.ok(took >= 45 && took < 4000, `gave up after ${took} ms`); // not the 5 s default
  } finally {
    if (previous === undefined) delete process.env['MULTIFROST_HOME'];
    else process.env['MULTIFROST_HOME'] = previous;
    rmSync(home, { recursive: true, force: true });
  }
  void sim;
});

test('design callFunction(name, args, timeout, namespace, clientName) and the error classes of "Error Handling"', async () => {
  const { clock, sim } = world();
  const worker = ParentWorker.spawn<MyApi>('./worker.js', 'node', {
    ...sim,
    maxRestartAttempts: 4,
    countRemoteErrors: false,
    heartbeatIntervalMs: 0,
  });
  await worker.start();
  assert.equal(await worker.callFunction('add', [1, 2], 1000, 'default'), 3);
  const remote = await outcome(worker.call.fail('nope'));
  assert.ok(remote instanceof RemoteCallError, String(remote));
  assert.equal(await worker.call.factorial(3), 6);
  const startedAt = clock.nowMs();
  assert.ok((await outcome(worker.callFunction('sleep', [5000], 250))) instanceof TimeoutError);
  assert.equal(clock.nowMs() - startedAt, 250);
  // A namespace nobody serves: no reply, so the positional namespace was really sent.
  assert.ok((await outcome(worker.callFunction('add', [1, 2], 100, 'elsewhere'))) instanceof TimeoutError);
  // Four failures in a row (remote errors not counted here) trip the breaker: CircuitOpenError, as in the design.
  await outcome(worker.callFunction('sleep', [5000], 10));
  await outcome(worker.callFunction('sleep', [5000], 10));
  assert.ok((await outcome(worker.call.add(1, 1))) instanceof CircuitOpenError);
  assert.ok(
    (await outcome(worker.callFunction('add', [1], { timeoutMs: 5 }, 'default'))) instanceof InvalidArgumentError,
  );
  await worker.stop();
});

test('design getMetrics(): the same fields, mapped from metricsSnapshot()', async () => {
  const { sim } = world();
  const worker = ParentWorker.spawn<MyApi>('./worker.js', 'node', { ...sim, heartbeatIntervalMs: 1000 });
  await worker.start();
  await worker.call.add(1, 2);
  await worker.call.sleep(5000); // heartbeats are answered meanwhile
  const metrics = worker.getMetrics();
  assert.deepEqual(Object.keys(metrics).sort(), [
    'avgLatencyMs',
    'circuitBreakerResets',
    'circuitBreakerTrips',
    'heartbeatRtts',
    'lastHeartbeatRttMs',
    'lastLatencyMs',
    'requestsFailed',
    'requestsSuccess',
    'requestsTotal',
  ]);
  assert.equal(metrics.requestsTotal, 2);
  assert.equal(metrics.requestsSuccess, 2);
  assert.ok(metrics.heartbeatRtts.length >= 4);
  assert.equal(metrics.lastHeartbeatRttMs, metrics.heartbeatRtts.at(-1));
  await worker.stop();
});
