/**
 * The simulated chaos soak, one seed at a time: a ParentWorker (autoRestart on, every call with a timeout)
 * drives the reference worker over a SimNetwork whose fault plan, partitions, crashes and workload are all
 * drawn from the seed. Everything runs on a VirtualClock, so a seed replays exactly
 * (`MF_CHAOS_SEED=<seed> node --import tsx harness/reliability/chaos-sim.ts`).
 *
 * Invariants checked on every seed (a broken one is a `violation` naming the call or transition):
 * - every call settles, exactly once, within its timeout of virtual time (MF-CALL-13);
 * - a call resolves only with its own result: `echo` with a payload unique to the call, `fail` with a message
 *   unique to the call (no cross-talk between ids, duplicates or restarted children, MF-CALL-12);
 * - every rejection is a MultifrostError with a code the situation allows;
 * - the breaker only moves closed->open, open->half-open, half-open->closed|open, each from the state it is in,
 *   and its trip/reset counters match the events (MF-CB-1..8);
 * - the metrics account for every sent call once (total = success + failed);
 * - calls without a timeout settle at the latest when stop() is called, which a third of the seeds do in the
 *   middle of the workload (calls pending, restarts and partitions under way);
 * - while running, the worker never holds more timers than one per pending call plus its fixed few;
 * - after stop(): no pending call (worker.inFlight), no timer (VirtualClock.pendingTimerCount), no live
 *   simulated process, no message in flight (MF-LIFE-5).
 */
import { isDeepStrictEqual } from 'node:util';
import { ErrorCode, MultifrostError } from '../../src/errors.js';
import { referenceProgram } from '../../src/conform/reference-worker.js';
import {
  type FaultRule,
  type SimMessage,
  type SimNetwork,
  createSimNetwork,
  crash,
  delay,
  drop,
  duplicate,
  reorder,
} from '../../src/sim.js';
import type { TimerHandle } from '../../src/time/clock.js';
import { Prng } from '../../src/time/prng.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import type { BreakerState } from '../../src/worker/parent/circuit-breaker.js';
import type { WorkerEvent } from '../../src/worker/parent/events.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import { SimLauncher, type SimProgram } from '../../src/worker/sim/sim-launcher.js';
import { CountingClock } from './counting-clock.js';

/** Faults injected in one seed, by kind. */
export interface FaultCounts {
  drop: number;
  delay: number;
  duplicate: number;
  reorder: number;
  partition: number;
  crashRule: number;
  crashKill: number;
}

export interface SeedResult {
  seed: number;
  calls: number;
  /** Calls that resolved with their own result (echo) or were refused with their own message (fail). */
  succeeded: number;
  /** Rejections by error code. */
  rejected: Record<string, number>;
  faults: FaultCounts;
  breakerTransitions: number;
  restarts: number;
  /** True when stop() came in the middle of the workload. */
  stoppedEarly: boolean;
  virtualMs: number;
  violations: string[];
  /** The command that replays this seed. */
  replay: string;
}

/** Knobs of one run; the defaults are what the test run and the full-size run use. */
export interface ChaosOptions {
  /** Calls per seed (drawn in [min, max]). Default 20..60. */
  minCalls?: number;
  maxCalls?: number;
  /** Keep the network trace (slower; used to print the tail of a failing seed). */
  trace?: boolean;
  /** Receives each trace line when `trace` is on. */
  onTrace?: (line: string) => void;
  /** The child program (default the reference worker); the soak's own test swaps in a broken one. */
  program?: SimProgram;
}

/** The shell command that replays one seed. */
export function replayCommand(seed: number): string {
  return `MF_CHAOS_SEED=${seed} node --import tsx harness/reliability/chaos-sim.ts`;
}

const LEGAL_TRANSITIONS = new Set(['closed->open', 'open->half-open', 'half-open->closed', 'half-open->open']);

/** Error codes a call may legitimately end with under chaos (REMOTE only for `fail`, checked apart). */
const ALLOWED_CODES = new Set<string>([
  ErrorCode.TIMEOUT,
  ErrorCode.WORKER_STOPPED,
  ErrorCode.CIRCUIT_OPEN,
  ErrorCode.REMOTE,
]);

interface PlannedCall {
  index: number;
  atMs: number;
  fn: 'echo' | 'fail' | 'sleep';
  payload: unknown;
  /** Undefined for the calls that wait until answered or until stop() (which must then reject them). */
  timeoutMs: number | undefined;
}

interface Settlement {
  settledAtMs: number;
  value?: unknown;
  error?: unknown;
}

/**
 * A probabilistic filter counted when it hits: the rule itself has p = 1 and this predicate draws from the
 * seed's own PRNG, so the count is the exact number of messages the rule was applied to.
 */
function hits(
  armed: Armed,
  prng: Prng,
  p: number,
  counts: FaultCounts,
  kind: keyof FaultCounts,
  filter: (m: SimMessage) => boolean = () => true,
) {
  return (m: SimMessage): boolean => {
    if (!armed.on || !filter(m) || !prng.chance(p)) return false;
    counts[kind]++;
    return true;
  };
}

/** Faults start once the worker is running: start-up under faults is the worker tests' subject, not this soak's. */
interface Armed {
  on: boolean;
}

/** The fault plan of a seed: each fault kind is on or off, with its own probability. */
function drawPlan(prng: Prng, counts: FaultCounts, armed: Armed): FaultRule[] {
  const faults = prng.fork();
  const rules: FaultRule[] = [];
  // Drop first: a dropped message is not shown to later rules, so every count is of faults really applied.
  if (prng.chance(0.7)) rules.push(drop({ where: hits(armed, faults, prng.next() * 0.15, counts, 'drop') }));
  if (prng.chance(0.7))
    rules.push(
      delay({
        ms: prng.int(1, 40),
        jitterMs: prng.int(0, 20),
        where: hits(armed, faults, prng.next() * 0.5, counts, 'delay'),
      }),
    );
  if (prng.chance(0.5))
    rules.push(
      reorder({ windowMs: prng.int(1, 30), where: hits(armed, faults, prng.next() * 0.2, counts, 'reorder') }),
    );
  if (prng.chance(0.5))
    rules.push(
      duplicate({ copies: prng.int(1, 2), where: hits(armed, faults, prng.next() * 0.15, counts, 'duplicate') }),
    );
  if (prng.chance(0.4)) {
    const isCall = (m: SimMessage): boolean => m.direction === 'parent->child' && m.type === 'call';
    rules.push(crash({ where: hits(armed, faults, prng.next() * 0.05, counts, 'crashRule', isCall) }));
  }
  return rules;
}

function drawWorkload(prng: Prng, seed: number, options: ChaosOptions): PlannedCall[] {
  const count = prng.int(options.minCalls ?? 20, options.maxCalls ?? 60);
  const calls: PlannedCall[] = [];
  let atMs = 0;
  for (let index = 0; index < count; index++) {
    // Bursts (several calls in the same millisecond) and gaps (long enough for restarts and cooldowns).
    atMs += prng.chance(0.3) ? 0 : prng.int(1, prng.chance(0.1) ? 2_000 : 150);
    const tag = `s${seed}-c${index}-${prng.nextUint32().toString(36)}`;
    const draw = prng.next();
    const fn = draw < 0.15 ? 'fail' : draw < 0.25 ? 'sleep' : 'echo';
    // sleep(ms) answers ms: unique per call too, and it keeps calls running on the child across crashes.
    const payload =
      fn === 'fail'
        ? tag
        : fn === 'sleep'
          ? index + 1
          : { tag, n: index, list: [index, `${tag}!`, prng.next()], bin: Buffer.from(tag) };
    calls.push({ index, atMs, fn, payload, timeoutMs: prng.chance(0.1) ? undefined : prng.int(50, 800) });
  }
  return calls;
}

/** One seed's world: virtual clock, simulated network and processes, the worker under test, and what it saw. */
class Soak {
  readonly faults: FaultCounts = {
    drop: 0,
    delay: 0,
    duplicate: 0,
    reorder: 0,
    partition: 0,
    crashRule: 0,
    crashKill: 0,
  };
  readonly violations: string[] = [];
  readonly events: WorkerEvent[] = [];
  readonly clock = new VirtualClock();
  /** The worker's view of the clock: counts the worker's own live timers. */
  readonly workerClock = new CountingClock(this.clock);
  readonly network: SimNetwork;
  readonly launcher: SimLauncher;
  readonly worker: ParentWorker;
  /** Timers the worker may hold besides one per pending call (see the constructor). */
  readonly timerBudget: number;
  timerExcess = 0;
  stoppedEarly = false;
  /** The soak's own timers (crashes, partitions, the early stop): cancelled before the final stop(). */
  readonly ownTimers: TimerHandle[] = [];
  private readonly armed: Armed = { on: false };
  private readonly stopAdvancing: () => void;

  constructor(
    readonly prng: Prng,
    seed: number,
    options: ChaosOptions,
  ) {
    this.stopAdvancing = this.clock.autoAdvance();
    this.network = createSimNetwork({
      clock: this.clock,
      seed,
      faults: drawPlan(prng, this.faults, this.armed),
      latencyMs: prng.int(0, 3),
      trace: options.trace === true ? (options.onTrace ?? true) : false,
    });
    this.launcher = new SimLauncher({
      transportFor: (name) => this.network.transport(name),
      clock: this.clock,
      programs: { reference: options.program ?? referenceProgram },
    });
    const heartbeatIntervalMs = prng.chance(0.8) ? prng.int(50, 500) : 0;
    const heartbeatTimeoutMs = prng.int(20, 300);
    // Besides one timer per pending call: the heartbeat interval and its outstanding echo timeouts, a restart
    // backoff, a ready probe's deadline. More than that means timers pile up.
    this.timerBudget = (heartbeatIntervalMs > 0 ? 2 + Math.ceil(heartbeatTimeoutMs / heartbeatIntervalMs) : 0) + 2;
    this.worker = ParentWorker.spawnCommand(['reference'], {
      transport: this.network.transport('parent'),
      launcher: this.launcher,
      clock: this.workerClock,
      idPrefix: 'p',
      autoRestart: true,
      profile: prng.chance(0.5) ? 'v3' : 'v4',
      countRemoteErrors: prng.chance(0.5),
      maxRestartAttempts: prng.int(2, 6),
      restartBackoffMs: prng.int(5, 100),
      breakerCooldownMs: prng.int(50, 1_500),
      heartbeatIntervalMs,
      heartbeatTimeoutMs,
      heartbeatMaxMisses: prng.int(1, 4),
      readyTimeoutMs: 2_000,
      stopGraceMs: 200,
      stopTermMs: 200,
      outputSink: () => undefined,
    });
    this.worker.on((event) => void this.events.push(event));
    // A replay (trace on) also says where surviving timers were scheduled.
    this.workerClock.captureStacks = options.trace === true;
  }

  /** Starts the worker; faults are armed only once it runs. False (and a violation) when it could not start. */
  async start(): Promise<boolean> {
    try {
      await this.worker.start();
      this.armed.on = true;
      return true;
    } catch (error) {
      this.violations.push(`start() failed without faults: ${String(error)}`);
      return false;
    }
  }

  /** Crashes, partitions and (for a third of the seeds) an early stop() at random moments within `spanMs`. */
  scheduleChaos(chaos: Prng, spanMs: number): void {
    const { clock, worker } = this;
    for (let i = chaos.int(0, 3); i > 0; i--) {
      this.ownTimers.push(
        clock.setTimer(chaos.int(0, spanMs), () => {
          const pid = worker.pid;
          if (pid !== undefined && this.launcher.crash(pid)) this.faults.crashKill++;
        }),
      );
    }
    for (let i = chaos.int(0, 2); i > 0; i--) {
      const fromMs = chaos.int(0, spanMs);
      const forMs = chaos.int(10, 1_500);
      this.ownTimers.push(
        clock.setTimer(fromMs, () => {
          if (worker.pid === undefined) return;
          const child = `reference#${worker.pid}`;
          this.network.partition('parent', child);
          this.faults.partition++;
          this.ownTimers.push(clock.setTimer(forMs, () => this.network.heal('parent', child)));
        }),
      );
    }
    // stop() in the middle of it all (calls pending, a restart under way, a partition on) must settle
    // everything at once and leave nothing behind; later calls are refused.
    if (chaos.chance(0.33)) {
      this.ownTimers.push(
        clock.setTimer(chaos.int(0, spanMs), () => {
          this.stoppedEarly = true;
          void worker.stop();
        }),
      );
    }
  }

  /**
   * Issues every call at its moment. The promise of a call with a timeout settles with it; one without a
   * timeout only waits until it is issued (it may wait for stop()).
   */
  issue(calls: readonly PlannedCall[], settlements: Settlement[][]): Array<Promise<unknown>> {
    const { clock, worker } = this;
    const startedAtMs = clock.nowMs();
    return calls.map((call) =>
      clock.sleep(call.atMs - (clock.nowMs() - startedAtMs)).then(() => {
        const issuedAtMs = clock.nowMs();
        this.timerExcess = Math.max(this.timerExcess, this.workerClock.liveTimers - worker.inFlight - this.timerBudget);
        const promise = worker.callFunction(
          call.fn,
          [call.payload],
          call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs },
        );
        const settled = promise.then(
          (value) => void settlements[call.index]!.push({ settledAtMs: clock.nowMs() - issuedAtMs, value }),
          (error: unknown) => void settlements[call.index]!.push({ settledAtMs: clock.nowMs() - issuedAtMs, error }),
        );
        return call.timeoutMs === undefined ? undefined : settled;
      }),
    );
  }

  /** Waits for `running`, at most `limitMs` of virtual time: a hang becomes a violation, not a stuck test. */
  async settle(running: Array<Promise<unknown>>, limitMs: number): Promise<void> {
    const deadline = new AbortController();
    const expired = this.clock.sleep(limitMs, deadline.signal).then(
      () => 'deadline' as const,
      () => 'cancelled' as const,
    );
    const outcome = await Promise.race([Promise.all(running).then(() => 'settled' as const), expired]);
    deadline.abort();
    if (outcome === 'deadline') this.violations.push('calls still unsettled at the virtual deadline (a hang)');
  }

  /** Stops the worker and checks that nothing of it, then nothing at all, is left. */
  async stopAndCheck(): Promise<void> {
    const { clock, network, worker, violations } = this;
    for (const timer of this.ownTimers) timer.cancel();
    network.heal();
    await worker.stop();
    // The worker's own timers, right after stop(): exact, whatever the network still has in flight.
    if (this.workerClock.liveTimers !== 0) {
      const where = this.workerClock.liveTimerStacks().map((stack) =>
        stack
          .split('\n')
          .slice(2, 6)
          .map((l) => l.trim())
          .join(' < '),
      );
      violations.push(
        `${this.workerClock.liveTimers} timer(s) of the worker survive stop()${where.some((w) => w !== '') ? `: ${where.join(' | ')}` : ''}`,
      );
    }
    if (this.timerExcess > 0)
      violations.push(
        `the worker held ${this.timerExcess} timer(s) beyond one per pending call plus ${this.timerBudget} (timers pile up)`,
      );
    // Then the whole world: simulated exits are reported on the next tick, and messages sent before the
    // sockets closed (delayed up to ~100 ms by the plan) are delivered or lost; after that nothing may be left.
    for (let waitedMs = 0; waitedMs < 1_000 && (waitedMs === 0 || network.inFlight > 0); waitedMs++)
      await clock.sleep(1);
    this.stopAdvancing();
    checkBreaker(this.events, worker.metricsSnapshot().breaker, violations);
    const metrics = worker.metricsSnapshot();
    if (metrics.requestsTotal !== metrics.requestsSuccess + metrics.requestsFailed) {
      violations.push(
        `metrics: total ${metrics.requestsTotal} != success ${metrics.requestsSuccess} + failed ${metrics.requestsFailed}`,
      );
    }
    if (worker.inFlight !== 0) violations.push(`worker.inFlight is ${worker.inFlight} after stop()`);
    if (clock.pendingTimerCount !== 0)
      violations.push(`${clock.pendingTimerCount} timer(s) on the clock after stop() and the network drained`);
    if (this.launcher.liveProcesses.length !== 0)
      violations.push(`${this.launcher.liveProcesses.length} simulated process(es) alive after stop()`);
    if (network.inFlight !== 0) violations.push(`${network.inFlight} message(s) still in flight after stop()`);
  }
}

/** Runs one seed to the end and checks every invariant. Never throws for a broken invariant: it reports it. */
export async function runChaosSeed(seed: number, options: ChaosOptions = {}): Promise<SeedResult> {
  const prng = new Prng(seed);
  const soak = new Soak(prng, seed, options);
  const calls = drawWorkload(prng, seed, options);
  const chaos = prng.fork();
  const settlements: Settlement[][] = calls.map(() => []);
  const started = await soak.start();
  if (started) {
    const spanMs = (calls.at(-1)?.atMs ?? 0) + 1_000;
    soak.scheduleChaos(chaos, spanMs);
    await soak.settle(soak.issue(calls, settlements), spanMs + 10_000);
  }
  await soak.stopAndCheck();
  if (started) checkCalls(calls, settlements, soak.violations);
  return {
    seed,
    calls: calls.length,
    ...tally(calls, settlements),
    faults: soak.faults,
    breakerTransitions: soak.events.filter((e) => e.type === 'breaker-changed').length,
    restarts: soak.worker.metricsSnapshot().restarts,
    stoppedEarly: soak.stoppedEarly,
    virtualMs: soak.clock.nowMs(),
    violations: soak.violations,
    replay: replayCommand(seed),
  };
}

/** Calls answered as they should be (echo/sleep resolved, fail refused with its own message), and the rest by code. */
function tally(
  calls: readonly PlannedCall[],
  settlements: Settlement[][],
): { succeeded: number; rejected: Record<string, number> } {
  const rejected: Record<string, number> = {};
  let succeeded = 0;
  for (const [index, list] of settlements.entries()) {
    const first = list[0];
    if (first === undefined) continue;
    if (first.error instanceof MultifrostError) {
      if (calls[index]!.fn === 'fail' && first.error.code === ErrorCode.REMOTE) succeeded++;
      else rejected[first.error.code] = (rejected[first.error.code] ?? 0) + 1;
    } else if (first.error === undefined) succeeded++;
  }
  return { succeeded, rejected };
}

function checkCalls(calls: PlannedCall[], settlements: Array<Settlement[]>, violations: string[]): void {
  for (const call of calls) {
    const list = settlements[call.index]!;
    const name = `call #${call.index} (${call.fn})`;
    if (list.length === 0) {
      violations.push(`${name} never settled`);
      continue;
    }
    if (list.length > 1) violations.push(`${name} settled ${list.length} times`);
    const { settledAtMs, value, error } = list[0]!;
    if (call.timeoutMs !== undefined && settledAtMs > call.timeoutMs)
      violations.push(`${name} settled after ${settledAtMs} ms, past its ${call.timeoutMs} ms timeout`);
    if (error === undefined) {
      if (call.fn === 'fail')
        violations.push(`${name} resolved (with ${JSON.stringify(value)}) but fail() always throws`);
      else if (!isDeepStrictEqual(value, call.payload))
        violations.push(`${name} resolved with a result that is not its own: ${JSON.stringify(value)}`);
      continue;
    }
    if (!(error instanceof MultifrostError)) {
      violations.push(`${name} rejected with a non-MultifrostError: ${String(error)}`);
      continue;
    }
    if (!ALLOWED_CODES.has(error.code))
      violations.push(`${name} rejected with unexpected code ${error.code}: ${error.message}`);
    if (error.code === ErrorCode.REMOTE && (call.fn !== 'fail' || error.message !== call.payload)) {
      violations.push(`${name} got a remote error that is not its own: ${error.message}`);
    }
  }
}

function checkBreaker(
  events: WorkerEvent[],
  counters: { trips: number; resets: number; state: BreakerState },
  violations: string[],
): void {
  let state: BreakerState = 'closed';
  let trips = 0;
  let resets = 0;
  for (const event of events) {
    if (event.type !== 'breaker-changed') continue;
    const step = `${event.from}->${event.to}`;
    if (!LEGAL_TRANSITIONS.has(step)) violations.push(`illegal breaker transition ${step}`);
    if (event.from !== state) violations.push(`breaker transition ${step} while the breaker was ${state}`);
    state = event.to;
    if (event.to === 'open') trips++;
    if (step === 'half-open->closed') resets++;
  }
  if (state !== counters.state) violations.push(`breaker events end in ${state} but the breaker is ${counters.state}`);
  if (trips !== counters.trips || resets !== counters.resets) {
    violations.push(
      `breaker counters trips=${counters.trips} resets=${counters.resets}, events say trips=${trips} resets=${resets}`,
    );
  }
}

/** Totals over many seeds, for the CLI and the report. */
export interface ChaosSummary {
  seeds: number;
  calls: number;
  succeeded: number;
  rejected: Record<string, number>;
  faults: FaultCounts;
  faultsTotal: number;
  breakerTransitions: number;
  restarts: number;
  stoppedEarly: number;
  virtualMs: number;
  failedSeeds: SeedResult[];
}

export function summarize(results: readonly SeedResult[]): ChaosSummary {
  const faults: FaultCounts = { drop: 0, delay: 0, duplicate: 0, reorder: 0, partition: 0, crashRule: 0, crashKill: 0 };
  const rejected: Record<string, number> = {};
  const summary: ChaosSummary = {
    seeds: results.length,
    calls: 0,
    succeeded: 0,
    rejected,
    faults,
    faultsTotal: 0,
    breakerTransitions: 0,
    restarts: 0,
    stoppedEarly: 0,
    virtualMs: 0,
    failedSeeds: [],
  };
  for (const result of results) {
    summary.calls += result.calls;
    summary.succeeded += result.succeeded;
    summary.breakerTransitions += result.breakerTransitions;
    summary.restarts += result.restarts;
    if (result.stoppedEarly) summary.stoppedEarly++;
    summary.virtualMs += result.virtualMs;
    for (const [code, n] of Object.entries(result.rejected)) rejected[code] = (rejected[code] ?? 0) + n;
    for (const key of Object.keys(faults) as Array<keyof FaultCounts>) faults[key] += result.faults[key];
    if (result.violations.length > 0) summary.failedSeeds.push(result);
  }
  summary.faultsTotal = Object.values(faults).reduce((a, b) => a + b, 0);
  return summary;
}
