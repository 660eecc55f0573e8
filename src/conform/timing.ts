/**
 * Timing (MF-SVC-3): the round-trip latency and throughput of the conformance service's `add` on the
 * target, and on the kit's reference worker in the same run, reported side by side with their ratio. A
 * worker that polls its socket on a timer, or sleeps between polls, answers far slower than one that
 * waits on the socket: its median round trip shows it. Every run of a child's whole catalogue measures it;
 * `--timing` asks for it in a filtered run, `--no-timing` leaves it out (the report says so).
 *
 * Latency: `add(1, 2)` called one at a time (after a warm-up), from sending the CALL to reading its
 * RESPONSE. Throughput: the same call with a window of calls in flight, replies per second. The bound is
 * deliberately generous (loopback, a shared machine): a median above {@link LATENCY_BOUND_MS} is reported,
 * and fails the run only under `--strict`.
 */
import { EMPTY_FRAME } from '../protocol/framing.js';
import { PROFILES, type ProfileName } from '../protocol/profile.js';
import type { Clock } from '../time/clock.js';
import type { Transport } from '../transport/transport.js';
import type { ConformOptions } from './conform-options.js';
import type { ExtraSection } from './results.js';
import { referenceArgv, type Target } from './target.js';
import { readWire } from './wire-read.js';
import { wire, wireField } from './wire-value.js';
import { writeWire } from './wire-write.js';
import { WorkerSession } from './worker-session.js';

/** The median round trip of `add` above which a worker is told it is slow (loopback), in ms (MF-SVC-3). */
export const LATENCY_BOUND_MS = 5;

/** The clause the timing section checks. */
export const TIMING_CLAUSE = 'MF-SVC-3';

/** Whether a run measures timing, and if not, why (the report says it). */
export type TimingRequest = { measure: true } | { measure: false; reason: string };

/** `--timing` measures, `--no-timing` does not, and by default a run of the whole catalogue does. */
export function timingRequest(options: Pick<ConformOptions, 'timing' | 'tags' | 'names'>): TimingRequest {
  if (options.timing === true) return { measure: true };
  if (options.timing === false) return { measure: false, reason: 'not measured: --no-timing' };
  const filters = [
    ...(options.tags === undefined ? [] : ['--tags']),
    ...(options.names === undefined || options.names.length === 0 ? [] : ['--name']),
  ];
  if (filters.length === 0) return { measure: true };
  return {
    measure: false,
    reason: `not measured: the run is filtered (${filters.join(', ')}); add --timing to measure it in a filtered run`,
  };
}

export interface TimingOptions {
  transport: Transport;
  clock: Clock;
  profile: ProfileName;
  /** Sequential calls measured for latency (after 20 warm-up calls). Default 300. */
  calls?: number;
  /** Calls sent for throughput, `window` at a time in flight. Defaults 1000 and 16. */
  throughputCalls?: number;
  window?: number;
  /** The wire name of `add` (`--names` may spell it otherwise). */
  addName?: string;
}

/** What was measured on one worker. */
export interface Timing {
  p50Ms: number;
  p99Ms: number;
  callsPerSecond: number;
}

/** A fresh id per call: one session may measure thousands. */
let nextCall = 0;

/** Sends `add(1, 2)` (not awaited: a DEALER whose worker died would wait forever; {@link drain} times out). */
function addOnce(session: WorkerSession, options: TimingOptions, pending: Set<string>): void {
  const id = `timing-${++nextCall}`;
  pending.add(id);
  const call = writeWire(
    wire.map([
      ['app', wire.str(PROFILES[options.profile].app)],
      ['id', wire.str(id)],
      ['type', wire.str('call')],
      ['timestamp', wire.float(options.clock.epochMs() / 1000)],
      ['function', wire.str(options.addName ?? 'add')],
      ['args', wire.array([wire.int(1), wire.int(2)])],
    ]),
  );
  session.send([EMPTY_FRAME, call]).catch(() => undefined);
}

/** Reads replies until at most `until` of the ids in `pending` are unanswered. @throws Error after 5 s of silence. */
async function drain(session: WorkerSession, pending: Set<string>, until: number): Promise<void> {
  while (pending.size > until) {
    const frames = await session.next(5000);
    if (frames === undefined) throw new Error(`no reply to add within 5000 ms (${pending.size} call(s) unanswered)`);
    try {
      const id = wireField(readWire(frames[frames.length - 1]!), 'id');
      if (id?.type === 'str') pending.delete(id.value);
    } catch {
      // not a reply the kit can read: not one of ours
    }
  }
}

/** Measures latency and throughput of `add` on `target`. */
export async function measureTiming(target: Target, options: TimingOptions): Promise<Timing> {
  const session = await WorkerSession.open(target, { transport: options.transport, clock: options.clock });
  const pending = new Set<string>();
  try {
    for (let i = 0; i < 20; i++) {
      addOnce(session, options, pending);
      await drain(session, pending, 0);
    }
    const roundTrips: number[] = [];
    for (let i = 0; i < (options.calls ?? 300); i++) {
      const startMs = options.clock.nowMs();
      addOnce(session, options, pending);
      await drain(session, pending, 0);
      roundTrips.push(options.clock.nowMs() - startMs);
    }
    roundTrips.sort((a, b) => a - b);
    const total = options.throughputCalls ?? 1000;
    const window = options.window ?? 16;
    const startMs = options.clock.nowMs();
    for (let i = 0; i < total; i++) {
      addOnce(session, options, pending);
      await drain(session, pending, window - 1);
    }
    await drain(session, pending, 0);
    const elapsedMs = Math.max(options.clock.nowMs() - startMs, 1e-3);
    return {
      p50Ms: quantile(roundTrips, 0.5),
      p99Ms: quantile(roundTrips, 0.99),
      callsPerSecond: (total * 1000) / elapsedMs,
    };
  } finally {
    await session.close();
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const describe = (t: Timing): string =>
  `add round trip p50 ${t.p50Ms.toFixed(2)} ms, p99 ${t.p99Ms.toFixed(2)} ms; ${Math.round(t.callsPerSecond)} calls/s with 16 in flight`;

/**
 * The timing section: the target's numbers, the reference worker's, the ratio, and whether the median is
 * within {@link LATENCY_BOUND_MS} (a SHOULD: the section fails only when `strict`).
 */
export async function timingSection(
  target: Target,
  options: TimingOptions & { strict: boolean },
  request: TimingRequest = { measure: true },
): Promise<ExtraSection> {
  const title = `Timing (add on loopback; target and reference worker in the same run)`;
  const clauses = [TIMING_CLAUSE];
  if (target.kind === 'parent-driver')
    return {
      title,
      ok: true,
      checked: false,
      clauses,
      lines: ['not run: timing measures a child; the target is a parent driver'],
    };
  if (!request.measure) return { title, ok: true, checked: false, clauses, lines: [request.reason] };
  let measured: Timing;
  let reference: Timing;
  try {
    measured = await measureTiming(target, options);
    reference = await measureTiming(
      { kind: 'reference', argv: referenceArgv(), label: 'reference worker' },
      { ...options, addName: 'add' },
    );
  } catch (error) {
    return { title, ok: false, checked: true, violated: true, clauses, lines: [`FAILED: ${(error as Error).message}`] };
  }
  const slow = measured.p50Ms > LATENCY_BOUND_MS;
  const verdict = slow
    ? `the median round trip of add is ${measured.p50Ms.toFixed(2)} ms, above the ${LATENCY_BOUND_MS} ms a worker should keep on loopback (${options.strict ? 'blocking under --strict' : 'not blocking without --strict'}): does it poll or sleep between reads?`
    : `the median round trip of add is within ${LATENCY_BOUND_MS} ms`;
  const lines = [
    `target:    ${describe(measured)}`,
    `reference: ${describe(reference)}`,
    `ratio target/reference: p50 ${(measured.p50Ms / Math.max(reference.p50Ms, 1e-3)).toFixed(2)}x, p99 ${(measured.p99Ms / Math.max(reference.p99Ms, 1e-3)).toFixed(2)}x, throughput ${(measured.callsPerSecond / Math.max(reference.callsPerSecond, 1e-3)).toFixed(2)}x`,
  ];
  return {
    title,
    ok: !(slow && options.strict),
    checked: true,
    violated: slow,
    clauses,
    lines: slow ? [verdict, ...lines] : [...lines, verdict],
    figures: {
      target_p50_ms: measured.p50Ms,
      target_p99_ms: measured.p99Ms,
      target_calls_per_second: measured.callsPerSecond,
      reference_p50_ms: reference.p50Ms,
      reference_p99_ms: reference.p99Ms,
      reference_calls_per_second: reference.callsPerSecond,
      bound_p50_ms: LATENCY_BOUND_MS,
    },
  };
}
