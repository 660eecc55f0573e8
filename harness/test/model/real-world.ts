/**
 * The real system the model is checked against: a ParentWorker and the model's child over a SimNetwork, on a
 * VirtualClock that only moves when a command moves it. Faults come in through the simulator's own seams:
 * fault rules whose predicates read the test's switches (the next heartbeat echoes, the next replies), and
 * partitions set on every child the launcher starts while the link is cut. The library is used as published.
 * MF_MODEL_TRACE=1 prints the network's trace lines (for a replay).
 */
import { ErrorCode, MultifrostError, ParentWorker, type Transport, type WorkerEvent } from '../../../src/index.js';
import {
  type FaultRule,
  type SimMessage,
  type SimNetwork,
  SimLauncher,
  VirtualClock,
  createSimNetwork,
  delay,
  drop,
  duplicate,
} from '../../../src/sim.js';
import { CountingClock } from '../../reliability/counting-clock.js';
import { type CallSpec, type EchoFault, WORKER_OPTIONS, modelChildProgram, wireCall } from './model-config.js';
import type { SettleKind, TimedEvent } from './parent-child-model.js';

/** One settlement of a real call, as observed through its promise. */
export interface RealSettlement {
  atMs: number;
  kind: SettleKind | `other ${string}`;
  mayHaveRun: boolean;
  value?: unknown;
  error?: unknown;
}

export interface RealCall {
  n: number;
  answer: unknown;
  settlements: RealSettlement[];
}

/** Steps of virtual time while waiting for start() or stop(). */
const DRIVE_STEP_MS = 10;

export class RealWorld {
  readonly clock = new VirtualClock();
  readonly network: SimNetwork;
  readonly launcher: SimLauncher;
  readonly calls: RealCall[] = [];
  /** What happens to the next heartbeat echoes a child sends (shared with the fault rules). */
  readonly echoFaults: EchoFault[] = [];
  /** How many of the next replies (RESPONSE or ERROR) the network delivers twice. */
  duplicateReplies = 0;
  /** The commands run so far, each with the virtual time after it (printed with a failure). */
  readonly transcript: string[] = [];
  worker!: ParentWorker;
  /** The worker's view of the clock: counts its live timers (none may survive stop(), MF-LIFE-5). */
  workerClock!: CountingClock;
  private readonly parentTransport: Transport;
  private readonly childNames: string[] = [];
  private readonly echoDecisions = new Map<number, EchoFault | 'none'>();
  private events: TimedEvent[] = [];
  private partitioned = false;
  private workers = 0;

  constructor(private readonly seed: number) {
    this.network = createSimNetwork({ clock: this.clock, seed, faults: this.echoRules(), trace: traceSink() });
    this.parentTransport = this.network.transport('parent');
    this.launcher = new SimLauncher({
      clock: this.clock,
      programs: { 'model-child': modelChildProgram },
      transportFor: (name) => {
        this.childNames.push(name);
        if (this.partitioned) this.network.partition('parent', name); // a cut link cuts every new child too
        return this.network.transport(name);
      },
    });
  }

  /** Starts a new ParentWorker (setup and Restart); resolves once its child is ready. */
  async startWorker(): Promise<void> {
    this.workers++;
    this.workerClock = new CountingClock(this.clock);
    this.worker = ParentWorker.spawnCommand(['model-child'], {
      ...WORKER_OPTIONS,
      transport: this.parentTransport,
      launcher: this.launcher,
      clock: this.workerClock,
      idPrefix: `p${this.workers}`,
      // Pinned, so readiness is one heartbeat probe (an unpinned worker probes both profiles); drawn from the seed.
      profile: this.seed % 2 === 0 ? 'v3' : 'v4',
      outputSink: () => undefined,
    });
    this.worker.on((event) => {
      const text = eventText(event);
      if (text !== undefined) this.events.push({ atMs: this.clock.nowMs(), text });
    });
    this.echoFaults.length = 0;
    this.duplicateReplies = 0;
    await this.drive(this.worker.start());
  }

  /** The events the model tracks, since the last call. */
  takeEvents(): TimedEvent[] {
    const taken = this.events;
    this.events = [];
    return taken;
  }

  async call(n: number, spec: CallSpec): Promise<void> {
    const { fn, args, answer } = wireCall(n, spec);
    const record: RealCall = { n, answer, settlements: [] };
    this.calls[n] = record;
    const settled = (settlement: Omit<RealSettlement, 'atMs'>): void =>
      void record.settlements.push({ atMs: this.clock.nowMs(), ...settlement });
    this.worker.callFunction(fn, args, spec.timeoutMs === undefined ? undefined : { timeoutMs: spec.timeoutMs }).then(
      (value) => settled({ kind: 'ok', mayHaveRun: true, value }),
      (error: unknown) =>
        settled({ kind: kindOf(error), mayHaveRun: error instanceof MultifrostError && error.mayHaveRun, error }),
    );
    await this.clock.advanceBy(0);
  }

  async crash(): Promise<void> {
    const pid = this.worker.pid;
    if (pid === undefined || !this.launcher.crash(pid)) throw new Error(`no live child to crash (pid ${pid})`);
    await this.clock.advanceBy(0);
  }

  async partition(): Promise<void> {
    this.partitioned = true;
    for (const name of this.childNames) this.network.partition('parent', name);
    await this.clock.advanceBy(0);
  }

  async heal(): Promise<void> {
    this.partitioned = false;
    this.network.heal();
    await this.clock.advanceBy(0);
  }

  async advance(deltaMs: number): Promise<void> {
    await this.clock.advanceBy(deltaMs);
  }

  async stop(): Promise<void> {
    await this.drive(this.worker.stop());
  }

  /** Releases the run's world, whatever state the commands left it in. */
  async dispose(): Promise<void> {
    await this.drive(this.worker.stop());
  }

  /** Moves virtual time in small steps until `promise` settles (start() and stop() wait on timers). */
  private async drive<T>(promise: Promise<T>, limitMs = 60_000): Promise<T> {
    let done = false;
    const mark = (): void => void (done = true);
    promise.then(mark, mark);
    await this.clock.advanceBy(0);
    for (let waitedMs = 0; !done; waitedMs += DRIVE_STEP_MS) {
      if (waitedMs > limitMs) throw new Error(`still waiting after ${limitMs} ms of virtual time`);
      await this.clock.advanceBy(DRIVE_STEP_MS);
    }
    return promise;
  }

  /**
   * Heartbeat echoes (child to parent) take the next fault of `echoFaults`, decided once per message. Ready
   * probes are heartbeats too, so a fault queued before a restart hits the new child's probe first. Replies
   * take one of `duplicateReplies` (also one sent into a partition, which then drops both copies).
   */
  private echoRules(): FaultRule[] {
    const decide = (m: SimMessage): EchoFault | 'none' => {
      if (m.direction !== 'child->parent') return 'none';
      let decision = this.echoDecisions.get(m.seq);
      if (decision === undefined) {
        decision = m.type === 'heartbeat' ? (this.echoFaults.shift() ?? 'none') : 'none';
        this.echoDecisions.set(m.seq, decision);
      }
      return decision;
    };
    const duplicated = new Set<number>();
    const duplicateReply = (m: SimMessage): boolean => {
      if (duplicated.has(m.seq)) return true;
      if (
        this.duplicateReplies === 0 ||
        m.direction !== 'child->parent' ||
        (m.type !== 'response' && m.type !== 'error')
      )
        return false;
      this.duplicateReplies--;
      duplicated.add(m.seq);
      return true;
    };
    return [
      drop({ where: (m) => decide(m) === 'drop' }),
      delay({ ms: 15, where: (m) => decide(m) === 15 }),
      delay({ ms: 55, where: (m) => decide(m) === 55 }),
      duplicate({ copies: 1, where: duplicateReply }),
    ];
  }
}

function traceSink(): ((line: string) => void) | false {
  return process.env['MF_MODEL_TRACE'] === '1' ? (line) => console.log(line) : false;
}

function kindOf(error: unknown): RealSettlement['kind'] {
  if (!(error instanceof MultifrostError)) return `other ${String(error)}`;
  switch (error.code) {
    case ErrorCode.REMOTE:
      return 'remote';
    case ErrorCode.TIMEOUT:
      return 'timeout';
    case ErrorCode.WORKER_STOPPED:
      return 'stopped';
    case ErrorCode.CIRCUIT_OPEN:
      return 'circuit-open';
    default:
      return `other ${error.code}`;
  }
}

/** A worker event as the model writes it, or undefined for events the model does not track. */
export function eventText(event: WorkerEvent): string | undefined {
  switch (event.type) {
    case 'breaker-changed':
      return `breaker ${event.from}->${event.to} (${event.failures} failures)`;
    case 'heartbeat-missed':
      return `heartbeat-missed ${event.misses}`;
    case 'heartbeat-rtt':
      return `heartbeat-rtt ${event.rttMs} ms`;
    case 'child-exited':
      return 'child-exited';
    case 'restarting':
      return `restarting #${event.attempt} in ${event.delayMs} ms`;
    case 'restarted':
      return `restarted #${event.attempt}`;
    case 'restart-gave-up':
      return `restart-gave-up after ${event.attempts}`;
    case 'message-dropped':
      return `message-dropped ${event.reason}: ${event.detail}`; // never expected: the model has none
    case 'stopped':
      return 'stopped';
    default:
      return undefined; // started, ready: start-up is not the model's subject
  }
}
