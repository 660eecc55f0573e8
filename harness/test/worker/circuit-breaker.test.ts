import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, type Transition } from '../../../src/worker/parent/circuit-breaker.js';

function breaker(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}) {
  const transitions: string[] = [];
  const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, ...options });
  const on = (t: Transition): void => void transitions.push(`${t.from}->${t.to}`);
  return { b, on, transitions };
}

test('MF-CB-1/2: starts closed and trips after exactly failureThreshold consecutive failures', () => {
  const { b, on, transitions } = breaker();
  assert.equal(b.state, 'closed');
  b.recordFailure('timeout', 0, on);
  b.recordFailure('transport', 0, on);
  assert.equal(b.state, 'closed');
  b.recordFailure('child-exit', 10, on);
  assert.equal(b.state, 'open');
  assert.deepEqual(transitions, ['closed->open']);
  assert.equal(b.trips, 1);
});

test('MF-CB-7: a success while closed resets the consecutive count', () => {
  const { b, on } = breaker();
  b.recordFailure('timeout', 0, on);
  b.recordFailure('timeout', 0, on);
  b.recordSuccess(on);
  b.recordFailure('timeout', 0, on);
  b.recordFailure('timeout', 0, on);
  assert.equal(b.state, 'closed');
  assert.equal(b.consecutiveFailures, 2);
});

test('MF-CB-4: open refuses calls until the cooldown has passed, with the remaining time', () => {
  const { b, on } = breaker();
  for (let i = 0; i < 3; i++) b.recordFailure('heartbeat', 100, on);
  assert.deepEqual(b.admit(100, on), { allowed: false, retryInMs: 1000 });
  assert.deepEqual(b.admit(1099, on), { allowed: false, retryInMs: 1 });
});

test('MF-CB-5: after the cooldown exactly one probe goes through (half-open); others are refused', () => {
  const { b, on, transitions } = breaker();
  for (let i = 0; i < 3; i++) b.recordFailure('timeout', 0, on);
  assert.deepEqual(b.admit(1000, on), { allowed: true, probe: true });
  assert.equal(b.state, 'half-open');
  assert.equal(b.admit(1000, on).allowed, false);
  assert.equal(b.admit(5000, on).allowed, false);
  assert.deepEqual(transitions, ['closed->open', 'open->half-open']);
});

test('MF-CB-6: a successful probe closes the breaker (the seed erratum is fixed)', () => {
  const { b, on, transitions } = breaker();
  for (let i = 0; i < 3; i++) b.recordFailure('timeout', 0, on);
  b.admit(1000, on);
  b.recordSuccess(on);
  assert.equal(b.state, 'closed');
  assert.equal(b.consecutiveFailures, 0);
  assert.equal(b.resets, 1);
  assert.deepEqual(b.admit(1000, on), { allowed: true, probe: false });
  assert.deepEqual(transitions, ['closed->open', 'open->half-open', 'half-open->closed']);
});

test('MF-CB-6: a failed probe re-opens the breaker for another full cooldown', () => {
  const { b, on } = breaker();
  for (let i = 0; i < 3; i++) b.recordFailure('timeout', 0, on);
  b.admit(1000, on);
  b.recordFailure('timeout', 1500, on);
  assert.equal(b.state, 'open');
  assert.equal(b.trips, 2);
  assert.equal(b.admit(2499, on).allowed, false);
  assert.equal(b.admit(2500, on).allowed, true);
});

test('MF-CB-3: remote errors count by default and not when countRemoteErrors is false', () => {
  const counting = breaker();
  for (let i = 0; i < 3; i++) counting.b.recordFailure('remote', 0, counting.on);
  assert.equal(counting.b.state, 'open');
  const ignoring = breaker({ countRemoteErrors: false });
  for (let i = 0; i < 10; i++) assert.equal(ignoring.b.recordFailure('remote', 0, ignoring.on), false);
  assert.equal(ignoring.b.state, 'closed');
});

test('a released probe lets the next call probe instead', () => {
  const { b, on } = breaker();
  for (let i = 0; i < 3; i++) b.recordFailure('timeout', 0, on);
  assert.equal(b.admit(1000, on).allowed, true);
  b.releaseProbe();
  assert.deepEqual(b.admit(1000, on), { allowed: true, probe: true });
});
