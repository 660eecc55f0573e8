import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { PendingCalls } from '../../../src/worker/parent/pending-calls.js';
import { HeartbeatMonitor } from '../../../src/worker/parent/heartbeat-monitor.js';
import { Metrics, percentile } from '../../../src/worker/parent/metrics.js';
import { RestartPolicy } from '../../../src/worker/parent/restart-policy.js';
import { TimeoutError, WorkerStoppedError } from '../../../src/errors.js';

test('pending calls: a reply settles the call once and a late timeout does nothing', async () => {
  const clock = new VirtualClock();
  let timeouts = 0;
  const table = new PendingCalls(clock, (call, ms) => (timeouts++, new TimeoutError(call.functionName, ms)));
  const promise = table.add('a', 'f', 100, false);
  table.take('a')?.resolve(42);
  await clock.advanceBy(1000);
  assert.equal(await promise, 42);
  assert.equal(timeouts, 0);
  assert.equal(table.size, 0);
  assert.equal(clock.pendingTimerCount, 0);
});

test('pending calls: the timeout rejects exactly at the deadline and a later reply is ignored (MF-CALL-13)', async () => {
  const clock = new VirtualClock();
  const table = new PendingCalls(clock, (call, ms) => new TimeoutError(call.functionName, ms));
  const promise = table.add('a', 'f', 100, false);
  const outcome = promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );
  await clock.advanceBy(99);
  assert.equal(table.has('a'), true);
  await clock.advanceBy(1);
  const error = await outcome;
  assert.ok(error instanceof TimeoutError);
  assert.equal(error.mayHaveRun, true);
  assert.equal(table.take('a'), undefined);
});

test('pending calls: rejectAll rejects every call exactly once and leaves no timer (MF-LIFE-5)', async () => {
  const clock = new VirtualClock();
  const table = new PendingCalls(clock, (call, ms) => new TimeoutError(call.functionName, ms));
  const settled: string[] = [];
  const promises = ['a', 'b', 'c'].map((id) =>
    table.add(id, id, 50, false).catch((e: Error) => settled.push(`${id}:${e.name}`)),
  );
  assert.equal(table.rejectAll((call) => new WorkerStoppedError(call.functionName, true)).length, 3);
  await Promise.all(promises);
  await clock.advanceBy(100);
  assert.deepEqual(settled.sort(), ['a:WorkerStoppedError', 'b:WorkerStoppedError', 'c:WorkerStoppedError']);
  assert.equal(clock.pendingTimerCount, 0);
});

function monitor(clock: VirtualClock, options: { answer: (id: string) => number | undefined }) {
  const log: string[] = [];
  let n = 0;
  const hb: HeartbeatMonitor = new HeartbeatMonitor({
    clock,
    intervalMs: 5000,
    timeoutMs: 3000,
    maxMisses: 3,
    newId: () => `hb${n++}`,
    send: (id) => {
      const delay = options.answer(id);
      if (delay !== undefined) clock.setTimer(delay, () => hb.handleEcho(id));
    },
    onRtt: (rtt) => log.push(`rtt ${rtt}`),
    onMiss: (misses) => log.push(`miss ${misses}`),
    onMaxMisses: (misses) => log.push(`max ${misses}`),
  });
  return { hb, log };
}

test('heartbeat: one beat per interval, RTT in milliseconds on the monotonic clock (MF-HB-5/6)', async () => {
  const clock = new VirtualClock();
  const { hb, log } = monitor(clock, { answer: () => 12 });
  hb.start();
  await clock.advanceBy(15_011);
  assert.deepEqual(log, ['rtt 12', 'rtt 12']);
  await clock.advanceBy(1);
  hb.stop();
  assert.deepEqual(log, ['rtt 12', 'rtt 12', 'rtt 12']);
  assert.equal(clock.pendingTimerCount, 0);
});

test('heartbeat: three misses report max misses once, an echo resets the count (MF-HB-7)', async () => {
  const clock = new VirtualClock();
  let silent = true;
  const { hb, log } = monitor(clock, { answer: () => (silent ? undefined : 1) });
  hb.start();
  await clock.advanceBy(5000 * 3 + 3000);
  assert.deepEqual(log, ['miss 1', 'miss 2', 'miss 3', 'max 3']);
  silent = false;
  await clock.advanceBy(5000);
  assert.equal(hb.consecutiveMisses, 0);
  assert.equal(log.at(-1), 'rtt 1');
  hb.stop();
  assert.equal(hb.outstandingCount, 0);
});

test('heartbeat: interval 0 disables the monitor', async () => {
  const clock = new VirtualClock();
  const hb = new HeartbeatMonitor({
    clock,
    intervalMs: 0,
    timeoutMs: 1,
    maxMisses: 1,
    newId: () => 'x',
    send: () => assert.fail('sent'),
    onRtt: () => undefined,
    onMiss: () => undefined,
    onMaxMisses: () => undefined,
  });
  hb.start();
  assert.equal(clock.pendingTimerCount, 0);
});

test('metrics: nearest-rank percentiles over a bounded window', () => {
  assert.equal(percentile([], 0.5), 0);
  assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
  assert.equal(percentile([1, 2, 3, 4], 0.99), 4);
  const metrics = new Metrics(10);
  for (let i = 1; i <= 100; i++) metrics.recordLatency(i);
  const snapshot = metrics.snapshot(0, { state: 'closed', trips: 0, resets: 0, consecutiveFailures: 0 });
  assert.equal(snapshot.latencyMs.samples, 10);
  assert.equal(snapshot.latencyMs.p50, 95);
  assert.equal(snapshot.latencyMs.p99, 100);
  assert.equal(snapshot.latencyMs.last, 100);
});

test('restart policy: bounded attempts with capped exponential backoff, reset by a healthy child', () => {
  const policy = new RestartPolicy({ maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 });
  assert.deepEqual(
    [policy.next(), policy.next(), policy.next(), policy.next(), policy.next()],
    [
      { attempt: 1, delayMs: 100 },
      { attempt: 2, delayMs: 200 },
      { attempt: 3, delayMs: 300 },
      { attempt: 4, delayMs: 300 },
      undefined,
    ],
  );
  policy.reset();
  assert.deepEqual(policy.next(), { attempt: 1, delayMs: 100 });
});
