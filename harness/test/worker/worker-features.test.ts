// Library features of issues 15 and 16 on the simulator: callContext across awaits, metrics history and the
// Prometheus export, a hung child restarted, manual restart and breaker reset, configuration getters, the proxy
// coerced without remote calls, the in-flight cap, and user methods named like ChildWorker internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { InvalidArgumentError, TooManyCallsError, WorkerStoppedError } from '../../../src/errors.js';
import { drop } from '../../../src/sim.js';
import { ChildWorker } from '../../../src/worker/child/child-worker.js';
import { RTT_HISTORY } from '../../../src/worker/parent/metrics.js';
import { escapeLabelValue } from '../../../src/worker/parent/metrics-text.js';
import type { SimProgram } from '../../../src/worker/sim/sim-launcher.js';
import { outcome, simWorld } from './sim-support.js';

class ContextWorker extends ChildWorker {
  /** Reads the context, awaits twice (a timer and a microtask chain), reads it again. */
  async who(ms: number): Promise<unknown[]> {
    const before = this.callContext;
    await this.workerClock.sleep(ms);
    await Promise.resolve();
    const after = this.callContext;
    return [before?.clientName, before?.id, after?.clientName, after?.id, before?.id === after?.id];
  }

  outside(): unknown {
    return new Promise((resolve) => setImmediate(() => resolve(this.callContext?.clientName ?? null)));
  }

  /** Does not name the context itself: a helper reads it after an await. */
  async indirect(ms: number): Promise<unknown> {
    await this.workerClock.sleep(ms);
    return this.helper();
  }

  helper(): unknown {
    return this.callContext?.clientName ?? null;
  }
}

type Mode = 'auto' | 'always' | 'never';
const contextProgram =
  (mode: Mode): SimProgram =>
  async ({ transport, host, clock }) => {
    await new ContextWorker({ transport, host, clock, callContextAcrossAwaits: mode }).run();
  };

test('callContext survives awaits and is isolated between concurrent calls', async () => {
  const { worker } = simWorld({ programs: { ctx: contextProgram('auto') }, command: 'ctx' });
  await worker.start();
  const results = (await Promise.all([
    worker.callFunction('who', [300], { clientName: 'slow' }),
    worker.callFunction('who', [100], { clientName: 'fast' }),
    worker.callFunction('who', [200], { clientName: 'middle' }),
  ])) as unknown[][];
  assert.deepEqual(
    results.map((r) => [r[0], r[2], r[4]]),
    [
      ['slow', 'slow', true],
      ['fast', 'fast', true],
      ['middle', 'middle', true],
    ],
  );
  assert.equal(new Set(results.map((r) => r[1])).size, 3);
  assert.equal(await worker.callFunction('outside', [], { clientName: 'x' }), 'x'); // setImmediate keeps it too
  await worker.stop();
});

test('callContextAcrossAwaits: auto tracks the methods that name callContext, always every call, never none', async () => {
  const results: Record<Mode, unknown[]> = { auto: [], always: [], never: [] };
  for (const mode of ['auto', 'always', 'never'] as const) {
    const { worker } = simWorld({ programs: { ctx: contextProgram(mode) }, command: 'ctx' });
    await worker.start();
    const who = (await worker.callFunction('who', [10], { clientName: 'c' })) as unknown[];
    results[mode] = [who[0], who[2], await worker.callFunction('indirect', [10], { clientName: 'c' })];
    await worker.stop();
  }
  // [before the await, after it, read by a helper after an await in a method that does not name it]
  assert.deepEqual(results, {
    auto: ['c', 'c', null],
    always: ['c', 'c', 'c'],
    never: ['c', null, null], // undefined travels as nil
  });
});

test('metrics: a bounded heartbeat RTT history, oldest first', async () => {
  const { worker, clock } = simWorld({ worker: { heartbeatIntervalMs: 1000 } });
  await worker.start();
  await clock.sleep(200_000);
  const { heartbeat } = worker.metricsSnapshot();
  assert.equal(heartbeat.rttHistoryMs.length, RTT_HISTORY);
  assert.ok(heartbeat.sent > RTT_HISTORY * 2);
  assert.equal(heartbeat.rttHistoryMs.at(-1), heartbeat.lastRttMs);
  await worker.stop();
});

test('metricsText: Prometheus text format: HELP and TYPE before samples, counters end in _total, labels escaped', async () => {
  const { worker } = simWorld({ worker: { name: 'math "v2"\\a\nb', heartbeatIntervalMs: 1000 } });
  await worker.start();
  await worker.call.add(1, 2);
  await outcome(worker.call.fail('x'));
  await worker.call.sleep(3000);
  const text = worker.metricsText();
  assert.ok(text.endsWith('\n'));
  const lines = text.trimEnd().split('\n');
  const declared = new Map<string, string>();
  const label = `worker="${escapeLabelValue('math "v2"\\a\nb')}"`;
  assert.equal(label, 'worker="math \\"v2\\"\\\\a\\nb"');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const help = /^# HELP (\w+) .+$/.exec(line);
    if (help !== null) {
      const type = /^# TYPE (\w+) (counter|gauge)$/.exec(lines[i + 1] ?? '');
      assert.ok(type !== null && type[1] === help[1], `no TYPE after ${line}`);
      declared.set(help[1]!, type[2]!);
      i++;
      continue;
    }
    const sample = /^(\w+)\{(.*)\} (-?[\d.e+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(sample !== null, `not a sample line: ${line}`);
    const type = declared.get(sample[1]!);
    assert.ok(type !== undefined, `sample before its HELP/TYPE: ${line}`);
    assert.equal(type === 'counter', sample[1]!.endsWith('_total'), line);
    assert.ok(sample[2]!.startsWith(label), line);
  }
  assert.match(text, /^multifrost_requests_total\{[^}]*\} 3$/m);
  assert.match(text, /^multifrost_requests_failed_total\{[^}]*\} 1$/m);
  assert.match(text, /^multifrost_breaker_state\{[^}]*,state="closed"\} 1$/m);
  assert.match(text, /^multifrost_call_latency_seconds\{[^}]*,quantile="0.99"\} 3$/m);
  await worker.stop();
});

test('a hung child (alive, echoes lost) is killed after the configured misses and restarted, at exact times', async () => {
  const { worker, clock, events } = simWorld({
    worker: {
      profile: 'v3',
      autoRestart: true,
      restartBackoffMs: 100,
      heartbeatIntervalMs: 1000,
      heartbeatTimeoutMs: 500,
      heartbeatMaxMisses: 3,
    },
    faults: [drop({ from: 'reference#1000', where: (m) => m.type === 'heartbeat' && m.seq > 2 })],
  });
  const at = new Map<string, number>();
  worker.on((event) => void (at.has(event.type) || at.set(event.type, clock.nowMs())));
  await worker.start();
  const readyAt = clock.nowMs();
  const firstPid = worker.pid;
  await clock.sleep(10_000);
  // Heartbeats at ready+1000, +2000, +3000, each lost 500 ms later: the third miss at ready+3500.
  assert.equal(at.get('child-hung')! - readyAt, 3500);
  assert.equal(at.get('child-exited')! - readyAt, 3500);
  assert.equal(at.get('restarting')! - readyAt, 3500);
  const hung = events.find((e) => e.type === 'child-hung');
  assert.deepEqual(hung, { type: 'child-hung', misses: 3, pid: firstPid, restarting: true });
  assert.ok(events.some((e) => e.type === 'restarted'));
  assert.notEqual(worker.pid, firstPid);
  assert.equal(await worker.call.add(2, 3), 5);
  assert.equal(worker.metricsSnapshot().restarts, 1);
  await worker.stop();
});

test('without autoRestart a hung child is reported, not killed', async () => {
  const { worker, clock, events } = simWorld({
    worker: { profile: 'v3', heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 500, heartbeatMaxMisses: 2 },
    faults: [drop({ from: 'reference#1000', where: (m) => m.type === 'heartbeat' && m.seq > 2 })],
  });
  await worker.start();
  const pid = worker.pid;
  await clock.sleep(5000);
  assert.ok(events.some((e) => e.type === 'child-hung' && !e.restarting));
  assert.ok(!events.some((e) => e.type === 'child-exited'));
  assert.equal(worker.pid, pid);
  await worker.stop();
});

test('restart(): pending calls rejected, a new child, the breaker reset; it also revives a failed worker', async () => {
  const { worker, events, launcher, clock } = simWorld({ worker: { maxRestartAttempts: 2, heartbeatIntervalMs: 0 } });
  await worker.start();
  const first = worker.pid;
  const pending = outcome(worker.call.sleep(60_000));
  const lost = worker.call.withOptions({ timeoutMs: 10, namespace: 'nobody' });
  await outcome(lost.add(1, 1));
  await outcome(lost.add(1, 1));
  assert.equal(worker.breakerState, 'open');
  await worker.restart();
  const error = await pending;
  assert.ok(error instanceof WorkerStoppedError && /restarted/.test(error.message), String(error));
  assert.notEqual(worker.pid, first);
  assert.equal(worker.breakerState, 'closed');
  assert.equal(await worker.call.add(1, 1), 2);
  assert.deepEqual(
    events.filter((e) => e.type === 'restarting' || e.type === 'restarted').map((e) => [e.type, e.attempt]),
    [
      ['restarting', 0],
      ['restarted', 0],
    ],
  );
  launcher.crash(worker.pid!); // autoRestart off: the worker fails
  await clock.sleep(1); // the exit is reported on the next tick
  assert.equal(worker.state, 'failed');
  await worker.restart();
  assert.equal(worker.state, 'running');
  assert.equal(await worker.call.add(2, 2), 4);
  await worker.stop();
  assert.ok((await outcome(worker.restart())) instanceof InvalidArgumentError);
});

test('resetBreaker(): an open breaker closes at once and calls go out again', async () => {
  const { worker, events } = simWorld({ worker: { maxRestartAttempts: 1, heartbeatIntervalMs: 0 } });
  await worker.start();
  await outcome(worker.call.withOptions({ timeoutMs: 10, namespace: 'nobody' }).add(1, 1));
  assert.equal(worker.breakerState, 'open');
  worker.resetBreaker();
  assert.equal(worker.breakerState, 'closed');
  assert.equal(await worker.call.add(1, 1), 2);
  assert.deepEqual(events.filter((e) => e.type === 'breaker-changed').at(-1), {
    type: 'breaker-changed',
    from: 'open',
    to: 'closed',
    failures: 0,
  });
  assert.equal(worker.metricsSnapshot().breaker.resets, 1);
  await worker.stop();
});

test('config: the resolved options, read-only', () => {
  const { worker } = simWorld({ worker: { heartbeatIntervalMs: 1234, defaultTimeoutMs: 99, maxInFlight: 3 } });
  assert.equal(worker.config.heartbeatIntervalMs, 1234);
  assert.equal(worker.config.defaultTimeoutMs, 99);
  assert.equal(worker.config.maxInFlight, 3);
  assert.throws(() => {
    (worker.config as { heartbeatIntervalMs: number }).heartbeatIntervalMs = 1;
  }, TypeError);
  assert.equal(worker.state, 'new');
});

test('String(), template literals, inspect, JSON and await on the proxy make no remote call', async () => {
  const { worker, network } = simWorld();
  await worker.start();
  const before = network.traceLines.length;
  const proxy = worker.call as unknown as Record<string, unknown>;
  assert.equal(String(worker.call), '[multifrost CallProxy]');
  assert.equal(`${worker.call}`, '[multifrost CallProxy]');
  assert.equal(typeof inspect(worker.call), 'string');
  assert.equal(JSON.stringify(worker.call), '{}');
  assert.equal(proxy['then'], undefined);
  assert.equal(await (worker.call as unknown as Promise<unknown>), worker.call); // not a thenable
  assert.equal(String(worker.call.withOptions({ timeoutMs: 5 })), '[multifrost CallProxy]');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(worker.metricsSnapshot().requestsTotal, 0);
  assert.equal(network.traceLines.slice(before).filter((l) => l.includes('"call"')).length, 0);
  assert.equal(
    await worker.callFunction('echo', ['toString is still callable by name']),
    'toString is still callable by name',
  );
  await worker.stop();
});

test('maxInFlight: one call over the cap is refused with TooManyCallsError (never sent); the cap is validated', async () => {
  const { worker } = simWorld({ worker: { maxInFlight: 2 } });
  await worker.start();
  const a = worker.call.sleep(1000);
  const b = worker.call.sleep(1000);
  const refused = await outcome(worker.call.add(1, 1));
  assert.ok(refused instanceof TooManyCallsError);
  assert.equal(refused.mayHaveRun, false);
  assert.equal(refused.limit, 2);
  assert.equal(worker.metricsSnapshot().requestsTotal, 2);
  assert.deepEqual(await Promise.all([a, b]), [1000, 1000]);
  assert.equal(await worker.call.add(1, 1), 2);
  await worker.stop();
  for (const maxInFlight of [0, -1, 1.5])
    assert.throws(() => simWorld({ worker: { maxInFlight } }), InvalidArgumentError);
});

/**
 * Every own and inherited internal member name of ChildWorker before its internals became #private, as
 * enumerated from an instance and the prototype chain (Object.getOwnPropertyNames) on commit 5dd89b7, plus
 * `reply` named in issue 15 and Object.prototype's callable names. `constructor` and `__*` names cannot be
 * worker methods (the language, and MF-CALL-4: names starting with `_` are private).
 */
const INTERNAL_NAMES = [
  // instance fields
  'childOptions',
  'state',
  'channel',
  'forwarder',
  'releasers',
  'loopDone',
  'stopped',
  'registered',
  'inFlightCalls',
  'currentCall',
  'currentProfile',
  // private methods of ChildWorker.prototype
  'shutdown',
  'stopAndExit',
  'host',
  'clock',
  'installForwarding',
  'dispatch',
  'serveCall',
  'log',
  // issue 15
  'reply',
  // inherited from Object.prototype
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toString',
  'valueOf',
  'toLocaleString',
];
/** ChildWorker's public API: reserved names (docs/worker.md). */
const PUBLIC_API = [
  'constructor',
  'callContext',
  'workerClock',
  'workerHost',
  'writeStdout',
  'writeStderr',
  'namespace',
  'activeCalls',
  'listFunctions',
  'run',
  'start',
  'stop',
];

test('user methods named like any ChildWorker internal are served, and the worker keeps working', async () => {
  class Plain extends ChildWorker {}
  assert.deepEqual(Object.getOwnPropertyNames(new Plain({})), []); // no internal on the instance
  assert.deepEqual(Object.getOwnPropertyNames(ChildWorker.prototype).sort(), [...PUBLIC_API].sort());
  class Named extends ChildWorker {
    add(a: number, b: number): number {
      return a + b;
    }
  }
  for (const name of INTERNAL_NAMES) {
    Object.defineProperty(Named.prototype, name, {
      value: function (this: Named, ...args: unknown[]) {
        return { name, args, active: this.activeCalls };
      },
      writable: true,
      configurable: true,
    });
  }
  const named: SimProgram = async ({ transport, host, clock }) => {
    await new Named({ transport, host, clock }).run();
  };
  const { worker, events, clock } = simWorld({
    programs: { named },
    command: 'named',
    worker: { heartbeatIntervalMs: 500 },
  });
  await worker.start();
  for (const name of INTERNAL_NAMES) {
    assert.deepEqual(await worker.callFunction(name, [1, 'x']), { name, args: [1, 'x'], active: 1 }, name);
  }
  assert.deepEqual((await worker.callFunction('listFunctions', [])) as string[], [
    'add',
    ...INTERNAL_NAMES,
    'listFunctions',
  ]);
  assert.equal(await worker.callFunction('add', [2, 3]), 5);
  await worker.callFunction('sleep', []).catch(() => undefined); // unknown name: refused, worker unharmed
  await clock.sleep(2000);
  assert.ok(events.some((e) => e.type === 'heartbeat-rtt')); // heartbeats were echoed all along
  await worker.stop();
  assert.ok(events.some((e) => e.type === 'stopped'));
});
