/**
 * After every command: the real system against the model. Each check has a name; a broken one throws a
 * {@link PostconditionFailure} carrying that name, so a shrunk counterexample says which rule broke.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ParentChildModel, Settlement, TimedEvent } from './parent-child-model.js';
import { coverage, eventKind } from './coverage.js';
import type { RealWorld } from './real-world.js';

/** The names of the postconditions, as carried by {@link PostconditionFailure.postcondition}. */
export const POSTCONDITIONS = [
  'virtual time',
  'breaker transitions',
  'events',
  'call settles as predicted',
  'call settles exactly once',
  'call still pending',
  'pending calls',
  'breaker state',
  'breaker counters',
  'call metrics',
  'restart budget',
  'heartbeat misses',
  'live child processes',
  'nothing survives stop',
] as const;
export type Postcondition = (typeof POSTCONDITIONS)[number];

export class PostconditionFailure extends Error {
  constructor(
    readonly postcondition: Postcondition,
    readonly command: string,
    readonly atMs: number,
    readonly expected: unknown,
    readonly actual: unknown,
    transcript: readonly string[],
  ) {
    super(
      `postcondition "${postcondition}" failed after ${command} at t=${atMs} ms\n  model expected: ${show(expected)}\n  real system:    ${show(actual)}` +
        `\n  commands run (virtual time after each):\n    ${transcript.join('\n    ')}`,
    );
    this.name = 'PostconditionFailure';
  }
}

function show(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v,
  );
}

/** Checks every postcondition; the first that fails throws. */
export function checkPostconditions(model: ParentChildModel, real: RealWorld, command: string): void {
  const expect = (name: Postcondition, expected: unknown, actual: unknown): void => {
    if (!isDeepStrictEqual(expected, actual))
      throw new PostconditionFailure(name, command, model.nowMs, expected, actual, real.transcript);
  };
  expect('virtual time', model.nowMs, real.clock.nowMs());
  const { events, settled } = model.take();
  const realEvents = real.takeEvents();
  const isBreaker = (event: TimedEvent): boolean => event.text.startsWith('breaker ');
  expect('breaker transitions', events.filter(isBreaker), realEvents.filter(isBreaker));
  expect('events', byMillisecond(events), byMillisecond(realEvents));
  for (const { text } of events) coverage.add(`event ${eventKind(text)}`);
  for (const { kind } of settled) coverage.add(`settled ${kind}`);
  checkSettlements(model, real, settled, expect);
  expect('pending calls', model.pending.size, real.worker.inFlight);
  const metrics = real.worker.metricsSnapshot();
  expect('breaker state', model.breaker.state, real.worker.breakerState);
  const { trips, resets, failures } = model.breaker;
  expect(
    'breaker counters',
    { trips, resets, consecutiveFailures: failures },
    {
      trips: metrics.breaker.trips,
      resets: metrics.breaker.resets,
      consecutiveFailures: metrics.breaker.consecutiveFailures,
    },
  );
  const { total, success, failed, refused, timeouts } = model.metrics;
  expect(
    'call metrics',
    { requestsTotal: total, requestsSuccess: success, requestsFailed: failed, requestsRefused: refused, timeouts },
    {
      requestsTotal: metrics.requestsTotal,
      requestsSuccess: metrics.requestsSuccess,
      requestsFailed: metrics.requestsFailed,
      requestsRefused: metrics.requestsRefused,
      timeouts: metrics.timeouts,
    },
  );
  expect('restart budget', model.relaunches, metrics.restarts);
  expect('heartbeat misses', model.totalHeartbeatMisses, metrics.heartbeat.misses);
  expect('live child processes', model.childAlive ? 1 : 0, real.launcher.liveProcesses.length);
  if (model.worker === 'stopped') {
    expect(
      'nothing survives stop',
      { inFlight: 0, timers: 0 },
      { inFlight: real.worker.inFlight, timers: real.workerClock.liveTimers },
    );
  }
}

/**
 * Events grouped by the millisecond they happened in, each group sorted: within one virtual millisecond the
 * order of independent async chains (a ready probe's echo and a reply behind it) is not the spec's business.
 */
function byMillisecond(events: TimedEvent[]): string[] {
  const groups = new Map<number, string[]>();
  for (const { atMs, text } of events) groups.set(atMs, [...(groups.get(atMs) ?? []), text]);
  return [...groups].map(([atMs, texts]) => `t=${atMs}: ${texts.sort().join(' | ')}`);
}

type Expect = (name: Postcondition, expected: unknown, actual: unknown) => void;

/** Every call the model settled did so once, at that time, with that kind; every pending one is pending. */
function checkSettlements(model: ParentChildModel, real: RealWorld, settled: Settlement[], expect: Expect): void {
  for (const { n, kind, atMs, mayHaveRun } of settled) {
    const call = real.calls[n]!;
    expect('call settles exactly once', { call: n, settlements: 1 }, { call: n, settlements: call.settlements.length });
    const got = call.settlements[0]!;
    const answered = kind === 'ok' ? call.answer : undefined;
    expect(
      'call settles as predicted',
      { call: n, kind, atMs, mayHaveRun, value: answered },
      {
        call: n,
        kind: got.kind,
        atMs: got.atMs,
        mayHaveRun: got.mayHaveRun,
        value: got.kind === 'ok' ? got.value : undefined,
      },
    );
  }
  for (const n of model.pending.keys()) {
    expect(
      'call still pending',
      { call: n, settlements: 0 },
      { call: n, settlements: real.calls[n]!.settlements.length },
    );
  }
  // A settled call never settles again (a second settlement would show here on a later command).
  for (const call of real.calls) {
    if (call !== undefined && call.settlements.length > 1)
      expect(
        'call settles exactly once',
        { call: call.n, settlements: 1 },
        { call: call.n, settlements: call.settlements.length },
      );
  }
}
