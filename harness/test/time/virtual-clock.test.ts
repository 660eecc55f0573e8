import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { Prng } from '../../../src/time/prng.js';

test('fires timers in (due time, insertion order) order and moves time to each', async () => {
  const clock = new VirtualClock();
  const fired: string[] = [];
  clock.setTimer(20, () => fired.push(`b@${clock.nowMs()}`));
  clock.setTimer(10, () => fired.push(`a@${clock.nowMs()}`));
  clock.setTimer(20, () => fired.push(`c@${clock.nowMs()}`));
  await clock.advanceBy(15);
  assert.deepEqual(fired, ['a@10']);
  assert.equal(clock.nowMs(), 15);
  await clock.advanceBy(5);
  assert.deepEqual(fired, ['a@10', 'b@20', 'c@20']);
});

test('a cancelled timer never fires and is not counted as pending', async () => {
  const clock = new VirtualClock();
  let fired = false;
  const handle = clock.setTimer(5, () => (fired = true));
  assert.equal(clock.pendingTimerCount, 1);
  handle.cancel();
  handle.cancel();
  assert.equal(clock.pendingTimerCount, 0);
  await clock.runUntilIdle();
  assert.equal(fired, false);
});

test('promise work triggered by one timer runs before the next timer fires', async () => {
  const clock = new VirtualClock();
  const order: string[] = [];
  clock.setTimer(1, () => {
    void Promise.resolve().then(() => order.push('microtask after first'));
    order.push('first');
  });
  clock.setTimer(1, () => order.push('second'));
  await clock.runUntilIdle();
  assert.deepEqual(order, ['first', 'microtask after first', 'second']);
});

test('autoAdvance lets an await on a long sleep finish at once in virtual time', async () => {
  const clock = new VirtualClock();
  const stop = clock.autoAdvance();
  const started = performance.now();
  await clock.sleep(3_600_000);
  stop();
  assert.equal(clock.nowMs(), 3_600_000);
  assert.ok(performance.now() - started < 1000);
});

test('sleep rejects with the abort reason when aborted first', async () => {
  const clock = new VirtualClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(100, controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(sleeping, /stop/);
  assert.equal(clock.pendingTimerCount, 0);
});

test('the PRNG gives the same sequence for the same seed and differs across seeds', () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const seqA = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(
    seqA,
    Array.from({ length: 5 }, () => b.nextUint32()),
  );
  assert.notDeepEqual(
    seqA,
    Array.from({ length: 5 }, () => c.nextUint32()),
  );
  const p = new Prng(7);
  for (let i = 0; i < 1000; i++) {
    const x = p.int(3, 5);
    assert.ok(x >= 3 && x <= 5);
  }
});
