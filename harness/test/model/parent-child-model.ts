/**
 * The model of a ParentWorker (autoRestart on) and its child over the simulator: a small discrete-event
 * program with no network, sockets, codec or ids. It knows only what the spec says the parent must do:
 * which calls are pending and how each one settles (MF-CALL-12/13), the breaker (MF-CB-*), heartbeat misses
 * (MF-HB-7), the child's exits and the restart budget (MF-LIFE-8/9), and stop() (MF-LIFE-4/5). The link is
 * one boolean (partitioned or not) plus a queue of faults for the next heartbeat echoes; messages from the
 * child keep their order, so a reply sent behind a delayed echo arrives with it.
 */
import * as config from './model-config.js';
import type { CallSpec, EchoFault } from './model-config.js';
import { ModelBreaker, Timeline } from './model-breaker.js';

/** How a call ends, as the postconditions compare it. */
export type SettleKind = 'ok' | 'remote' | 'timeout' | 'stopped' | 'circuit-open';

/** A worker event, as text, with the virtual time it happened at. */
export interface TimedEvent {
  atMs: number;
  text: string;
}

export interface Settlement {
  n: number;
  kind: SettleKind;
  atMs: number;
  mayHaveRun: boolean;
}

/** up: ready and served; starting: launched, ready probe unanswered; down: waiting out the restart backoff. */
export type ChildPhase = 'up' | 'starting' | 'down' | 'none';

interface ModelCall {
  n: number;
  spec: CallSpec;
  probe: boolean;
}

const noCalls = () => ({ total: 0, success: 0, failed: 0, refused: 0, timeouts: 0 });

export class ParentChildModel {
  nowMs = 0;
  worker: 'running' | 'failed' | 'stopped' = 'running';
  link = true;
  readonly echoFaults: EchoFault[] = [];
  phase: ChildPhase = 'up';
  breaker!: ModelBreaker;
  restartAttempts = 0;
  relaunches = 0;
  heartbeatMisses = 0;
  totalHeartbeatMisses = 0;
  /** The worker's call counters (every admitted call ends as exactly one success or failure). */
  metrics = noCalls();
  /** Replies the network will deliver twice (no effect on the model: a second copy has no pending call). */
  duplicateReplies = 0;
  readonly pending = new Map<number, ModelCall>();
  nextCall = 0;
  private generation = 0;
  /** Latest arrival time of the current child's messages to the parent (they keep their order). */
  private pipeDueMs = 0;
  private queued: ModelCall[] = [];
  private heartbeatToken = 0;
  private events: TimedEvent[] = [];
  private settled: Settlement[] = [];
  private readonly timeline = new Timeline();

  constructor() {
    this.freshWorker();
  }

  /** A new worker, started and ready at the current time (setup and the Restart command). */
  freshWorker(): void {
    this.worker = 'running';
    this.breaker = new ModelBreaker(config.THRESHOLD, config.COOLDOWN_MS, (text) => this.emit(text));
    this.restartAttempts = 0;
    this.relaunches = 0;
    this.totalHeartbeatMisses = 0;
    this.metrics = noCalls();
    this.echoFaults.length = 0;
    this.duplicateReplies = 0;
    this.newChild('up');
    this.startHeartbeats();
  }

  /** Events and settlements since the last call, in order. */
  take(): { events: TimedEvent[]; settled: Settlement[] } {
    const taken = { events: this.events, settled: this.settled };
    this.events = [];
    this.settled = [];
    return taken;
  }

  get childAlive(): boolean {
    return this.phase === 'up' || this.phase === 'starting';
  }

  advance(deltaMs: number): void {
    const target = this.nowMs + deltaMs;
    this.timeline.runUntil(target, (ms) => (this.nowMs = ms));
    this.nowMs = target;
  }

  /** A call at the current time; returns its number. */
  call(spec: CallSpec): number {
    const n = this.nextCall++;
    if (this.worker !== 'running') {
      this.settle(n, 'stopped', false);
      return n;
    }
    const admission = this.breaker.admit(this.nowMs);
    if (admission === 'refused') {
      this.metrics.refused++;
      this.settle(n, 'circuit-open', false);
      return n;
    }
    this.metrics.total++;
    const call: ModelCall = { n, spec, probe: admission === 'probe' };
    this.pending.set(n, call);
    if (spec.timeoutMs !== undefined) this.timeline.at(this.nowMs + spec.timeoutMs, () => this.expire(call));
    if (this.phase === 'down')
      this.queued.push(call); // the DEALER keeps it until the next child attaches
    else if (this.link) this.serve(call, this.generation);
    return n;
  }

  /** The child dies now (SIGKILL by the test). */
  crash(): void {
    this.childExited();
  }
  /** stop(): returns how long it takes (the grace period when SHUTDOWN cannot reach a live child). */
  stop(): number {
    const alive = this.childAlive;
    this.rejectPending();
    this.timeline.clear();
    this.heartbeatToken++;
    this.worker = 'stopped';
    this.phase = 'none';
    const tookMs = alive && !this.link ? config.STOP_GRACE_MS : 0;
    this.nowMs += tookMs;
    this.emit('stopped');
    return tookMs;
  }

  // ---- the child ------------------------------------------------------------------------------------

  private newChild(phase: ChildPhase): number {
    this.generation++;
    this.phase = phase;
    this.pipeDueMs = 0;
    return this.generation;
  }

  private serve(call: ModelCall, generation: number): void {
    const { spec } = call;
    switch (spec.kind) {
      case 'add':
      case 'echo':
        return this.reply(call, 'ok', generation);
      case 'fail':
        return this.reply(call, 'remote', generation);
      case 'sleep':
      case 'sleepFail':
        this.timeline.at(this.nowMs + spec.durationMs, () => {
          if (this.generation === generation) this.reply(call, spec.kind === 'sleep' ? 'ok' : 'remote', generation);
        });
        return;
      case 'exit':
        return this.childExited();
    }
  }

  /** The child sends a reply now; it is lost in a partition, else arrives in order behind earlier messages. */
  private reply(call: ModelCall, kind: 'ok' | 'remote', generation: number): void {
    if (!this.link) return;
    this.fromChild(0, generation, () => {
      if (!this.pending.delete(call.n)) return; // settled already (timeout): a late reply is ignored (MF-CALL-12)
      this.settle(call.n, kind, true);
      if (kind === 'ok') {
        this.metrics.success++;
        this.breaker.success();
      } else {
        this.metrics.failed++;
        this.breaker.failure(this.nowMs);
      }
    });
  }

  private fromChild(delayMs: number, generation: number, arrive: () => void): void {
    const dueMs = Math.max(this.nowMs + delayMs, this.pipeDueMs);
    this.pipeDueMs = dueMs;
    this.timeline.at(dueMs, () => {
      if (this.generation === generation) arrive(); // a dead child's messages in flight are lost
    });
  }

  /** MF-LIFE-8/9: pending calls rejected at once, one breaker failure, then a restart or giving up. */
  private childExited(): void {
    if (this.worker !== 'running' || !this.childAlive) return;
    this.newChild('down');
    this.emit('child-exited');
    this.heartbeatToken++;
    this.rejectPending();
    this.breaker.failure(this.nowMs);
    if (this.restartAttempts >= config.THRESHOLD) {
      this.emit(`restart-gave-up after ${config.THRESHOLD}`);
      this.worker = 'failed';
      this.phase = 'none';
      return;
    }
    const attempt = ++this.restartAttempts;
    const delayMs = Math.min(config.RESTART_BACKOFF_CAP_MS, config.RESTART_BACKOFF_MS * 2 ** (attempt - 1));
    this.emit(`restarting #${attempt} in ${delayMs} ms`);
    this.timeline.at(this.nowMs + delayMs, () => this.relaunch(attempt));
  }

  private relaunch(attempt: number): void {
    if (this.worker !== 'running') return;
    this.relaunches++;
    const generation = this.newChild('starting');
    for (const call of this.queued.splice(0)) {
      if (this.link && this.generation === generation) this.serve(call, generation);
    }
    if (this.generation !== generation) return; // a queued `exit` ended it already
    this.timeline.at(this.nowMs + config.READY_TIMEOUT_MS, () => {
      if (this.generation === generation && this.phase === 'starting') this.childExited(); // killed, silent
    });
    this.echo(generation, () => {
      if (this.phase !== 'starting' || this.worker !== 'running') return;
      this.phase = 'up';
      this.restartAttempts = 0;
      this.emit(`restarted #${attempt}`);
      this.startHeartbeats();
    });
  }

  /** A heartbeat (or ready probe) reaches the child now and its echo comes back, unless lost or delayed. */
  private echo(generation: number, arrive: () => void): void {
    if (!this.link) return;
    const fault = this.echoFaults.shift();
    if (fault === 'drop') return;
    this.fromChild(fault ?? 0, generation, arrive);
  }

  // ---- heartbeats (MF-HB-7) -----------------------------------------------------------------------------

  private startHeartbeats(): void {
    const token = ++this.heartbeatToken;
    this.heartbeatMisses = 0;
    this.timeline.at(this.nowMs + config.HEARTBEAT_INTERVAL_MS, () => this.beat(token));
  }

  private beat(token: number): void {
    if (token !== this.heartbeatToken) return;
    const beat = { done: false };
    const sentAtMs = this.nowMs;
    this.timeline.at(this.nowMs + config.HEARTBEAT_TIMEOUT_MS, () => this.missed(token, beat));
    this.echo(this.generation, () => {
      if (token !== this.heartbeatToken || beat.done) return; // late: ignored
      beat.done = true;
      this.heartbeatMisses = 0;
      this.emit(`heartbeat-rtt ${this.nowMs - sentAtMs} ms`);
    });
    this.timeline.at(this.nowMs + config.HEARTBEAT_INTERVAL_MS, () => this.beat(token));
  }

  private missed(token: number, beat: { done: boolean }): void {
    if (token !== this.heartbeatToken || beat.done) return;
    beat.done = true;
    this.heartbeatMisses++;
    this.totalHeartbeatMisses++;
    this.emit(`heartbeat-missed ${this.heartbeatMisses}`);
    if (this.heartbeatMisses < config.HEARTBEAT_MAX_MISSES) return;
    this.heartbeatMisses = 0;
    this.breaker.failure(this.nowMs);
    // A live child that misses the configured heartbeats is hung: with autoRestart it is killed at once, and
    // its exit is a crash (issue 16: child-hung).
    this.childExited();
  }

  // ---- settling calls ------------------------------------------------------------------------------------

  private expire(call: ModelCall): void {
    if (!this.pending.delete(call.n)) return;
    this.metrics.timeouts++;
    this.metrics.failed++;
    this.settle(call.n, 'timeout', true);
    this.breaker.failure(this.nowMs);
  }

  /** Every pending call is rejected once, saying it may have run (MF-LIFE-5, MF-LIFE-8). */
  private rejectPending(): void {
    for (const call of this.pending.values()) {
      if (call.probe) this.breaker.releaseProbe();
      this.metrics.failed++;
      this.settle(call.n, 'stopped', true);
    }
    this.pending.clear();
    this.queued = [];
  }

  private emit(text: string): void {
    this.events.push({ atMs: this.nowMs, text });
  }

  private settle(n: number, kind: SettleKind, mayHaveRun: boolean): void {
    this.settled.push({ n, kind, atMs: this.nowMs, mayHaveRun });
  }
}
