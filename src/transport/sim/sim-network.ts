import type { Clock } from '../../time/clock.js';
import { Prng } from '../../time/prng.js';
import type { Frames, Transport } from '../transport.js';
import { type Delivery, DeliveryScheduler } from './delivery-scheduler.js';
import { type AppliedFault, type FaultDecision, FaultEngine } from './fault-engine.js';
import { type FaultRule, type SimMessage, ruleToJson } from './faults.js';
import { type Describe, MessageView } from './message-view.js';
import { Pipe } from './pipe.js';
import { oversizedFrame } from './oversize.js';
import { SimEndpoints } from './sim-endpoints.js';
import { type SimPipe, SimSocket, type SimSocketHost } from './sim-socket.js';
import { SimTransport } from './sim-transport.js';
import { type TraceSink, TraceRecorder, framesToTrace } from './trace.js';
import { toHex, toTraceValue } from './trace-value.js';

export interface SimNetworkOptions {
  /** Drives every delivery; normally a `VirtualClock`, so runs are deterministic. */
  readonly clock: Clock;
  /** Seed of the one PRNG that draws every fault decision. Default 1. */
  readonly seed?: number;
  /** The fault plan, checked in order for every message (see faults.ts). Default none. */
  readonly faults?: readonly FaultRule[];
  /** Decodes a payload (the last frame) for predicates and the trace, e.g. the protocol codec's decodeValue. */
  readonly describe?: Describe;
  /** Base one-way latency in ms for every message. Default 0 (delivered at the next clock tick). */
  readonly latencyMs?: number;
  /** true (default) keeps trace lines in memory (`traceLines`); a function streams them; false records none. */
  readonly trace?: boolean | TraceSink;
}

/** Lifecycle events of simulated processes, for crash and restart hooks. */
export type SimNetworkEvent =
  | { readonly type: 'crash'; readonly process: string; readonly atMs: number }
  | { readonly type: 'restart'; readonly process: string; readonly atMs: number };

/** Messages held back by {@link SimNetwork.hold} until released. */
export interface Hold {
  /** Messages held and not yet released. */
  readonly count: number;
  /** Stops holding and delivers the held messages in send order (at the next clock tick). Idempotent. */
  release(): void;
}

interface HoldState extends Hold {
  readonly id: number;
  readonly where: (message: SimMessage) => boolean;
  readonly held: Delivery[];
  active: boolean;
}

/**
 * An in-process network of simulated ROUTER/DEALER sockets with libzmq semantics, driven by a Clock.
 * Several "processes" share it: `network.transport('parent')`, `network.transport('child')`. Every message
 * goes through the fault plan when sent and is delivered through the clock (never inside `send`), batched per
 * millisecond; the trace records everything in JSON lines. Same seed and same program: same trace.
 *
 * @example
 * const clock = new VirtualClock();
 * const network = new SimNetwork({ clock, seed: 7, faults: [drop({ p: 0.1 })] });
 * const child = network.transport('child').router();
 * const endpoint = await child.bind('tcp://127.0.0.1:0');
 */
export class SimNetwork {
  readonly clock: Clock;
  readonly seed: number;
  readonly latencyMs: number;
  private readonly describe: Describe | undefined;
  private readonly engine: FaultEngine;
  private readonly trace: TraceRecorder;
  private readonly scheduler: DeliveryScheduler;
  private readonly endpoints = new SimEndpoints();
  private readonly transports = new Map<string, SimTransport>();
  private readonly partitions = new Set<string>();
  private readonly holds: HoldState[] = [];
  private readonly listeners = new Set<(event: SimNetworkEvent) => void>();
  private sentCount = 0;
  private socketCount = 0;
  private pipeCount = 0;
  private generatedIds = 0;
  private unnamedCount = 0;
  private holdCount = 0;
  /** What sockets may call on their network; kept off the public surface of SimNetwork. */
  private readonly host: SimSocketHost = {
    bind: (socket, endpoint) => this.bind(socket, endpoint),
    connect: (socket, endpoint) => this.connect(socket, endpoint),
    transmit: (pipe, from, frames) => this.transmit(pipe, from, frames),
    unroutable: (from, routingId, reason) => this.unroutable(from, routingId, reason),
    consumed: (pipe, to) => this.consumed(pipe, to),
    detach: (socket, abrupt) => this.detach(socket, abrupt),
  };

  constructor(options: SimNetworkOptions) {
    this.clock = options.clock;
    this.seed = (options.seed ?? 1) >>> 0;
    this.latencyMs = options.latencyMs ?? 0;
    this.describe = options.describe;
    const faults = options.faults ?? [];
    this.engine = new FaultEngine(faults, new Prng(this.seed));
    this.trace = new TraceRecorder(this.clock, options.trace ?? true);
    this.scheduler = new DeliveryScheduler(this.clock, (delivery) => this.arrive(delivery));
    this.trace.write('plan', { seed: this.seed, latencyMs: this.latencyMs, faults: faults.map(ruleToJson) });
  }

  /**
   * The transport of the named simulated process (created on first use; default name `process-<n>`).
   * After the process crashed, this creates a fresh transport under the same name: that is the restart, and
   * it emits a `restart` event.
   */
  transport(name?: string): Transport {
    const processName = name ?? `process-${++this.unnamedCount}`;
    const existing = this.transports.get(processName);
    if (existing !== undefined && !existing.crashed) return existing;
    const transport = new SimTransport(
      processName,
      (role, options) => new SimSocket(this.host, role, processName, ++this.socketCount, options),
    );
    this.transports.set(processName, transport);
    if (existing !== undefined) {
      this.trace.write('restart', { process: processName });
      this.emit({ type: 'restart', process: processName, atMs: this.clock.nowMs() });
    }
    return transport;
  }

  /** Every trace line kept so far (with the default `trace: true`). */
  get traceLines(): readonly string[] {
    return this.trace.lines;
  }

  /** The last `count` trace lines joined by newlines: print it with the seed when a test fails. */
  traceTail(count = 20): string {
    return this.trace.lines.slice(-count).join('\n');
  }

  /** Messages sent and not yet delivered (or lost). */
  get inFlight(): number {
    return this.scheduler.pending;
  }

  /** Subscribes to crash and restart events; returns the unsubscribe function. */
  onEvent(listener: (event: SimNetworkEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Crashes a process: every socket it owns closes at once (pending receives reject with ClosedError,
   * messages it sent that are still in flight are lost, its bound endpoints become free). Restart it by
   * calling `transport(name)` again and re-creating its sockets. No-op for an unknown or crashed process.
   */
  crash(process: string): void {
    const transport = this.transports.get(process);
    if (transport === undefined || transport.crashed) return;
    transport.crashed = true;
    this.trace.write('crash', { process });
    for (const socket of transport.sockets) socket.crash();
    transport.sockets.clear();
    this.emit({ type: 'crash', process, atMs: this.clock.nowMs() });
  }

  /** Cuts two processes apart: messages between them, either way, are dropped until {@link heal}. */
  partition(a: string, b: string): void {
    this.partitions.add(pairKey(a, b));
    this.trace.write('partition', { between: [a, b].sort() });
  }

  /** Heals the cut between two processes, or every cut when called without arguments. */
  heal(a?: string, b?: string): void {
    if (a === undefined || b === undefined) this.partitions.clear();
    else this.partitions.delete(pairKey(a, b));
    this.trace.write('heal', a === undefined || b === undefined ? {} : { between: [a, b].sort() });
  }

  /** Holds back every message matching `where` (default: all) until the returned hold is released. */
  hold(where: (message: SimMessage) => boolean = () => true): Hold {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the hold's release closure outlives this call
    const network = this;
    const state: HoldState = {
      id: ++this.holdCount,
      where,
      held: [],
      active: true,
      get count() {
        return state.held.length;
      },
      release() {
        network.release(state);
      },
    };
    this.holds.push(state);
    this.trace.write('hold', { hold: state.id });
    return state;
  }

  /** SimSocketHost: see sim-socket.ts. */
  private bind(socket: SimSocket, endpoint: string): string {
    const bound = this.endpoints.bind(socket, endpoint);
    this.trace.write('bind', { socket: socket.name, endpoint: bound });
    for (const connector of this.endpoints.connectorsOf(bound)) this.attach(connector, socket, bound);
    return bound;
  }

  /** SimSocketHost: see sim-socket.ts. */
  private connect(socket: SimSocket, endpoint: string): void {
    const binder = this.endpoints.connect(socket, endpoint);
    this.trace.write('connect', { socket: socket.name, endpoint });
    if (binder !== undefined) this.attach(socket, binder, endpoint);
  }

  /** SimSocketHost: see sim-socket.ts. */
  private unroutable(from: SimSocket, routingId: Uint8Array, reason: string): void {
    this.trace.write('unroutable', { socket: from.name, routingId: toHex(routingId), reason });
  }

  /** SimSocketHost: see sim-socket.ts. */
  private consumed(pipe: SimPipe, to: SimSocket): void {
    const direction = pipe.directionTo(to);
    const wasFull = pipe.full(direction);
    pipe.queued[direction]--;
    if (wasFull && pipe.open) pipe.sender(direction).unblock();
  }

  /** SimSocketHost: see sim-socket.ts. */
  private detach(socket: SimSocket, abrupt: boolean): void {
    this.trace.write(abrupt ? 'kill' : 'close', { socket: socket.name });
    this.transports.get(socket.process)?.sockets.delete(socket);
    this.endpoints.remove(socket);
    for (const pipe of socket.connections) {
      if (!abrupt && socket.options.lingerMs > 0) pipe.lingering = socket;
      detachPipe(pipe);
    }
  }

  /** SimSocketHost: see sim-socket.ts. */
  private transmit(pipe: SimPipe, from: SimSocket, frames: Frames): void {
    const seq = ++this.sentCount;
    const direction = pipe.directionFrom(from);
    if (this.engine.empty && !this.trace.enabled && this.partitions.size === 0 && this.holds.length === 0) {
      pipe.queued[direction]++;
      this.schedule({ seq, pipe, direction, frames, copy: 0, crash: undefined }, 0, 0);
      return;
    }
    const message = new MessageView(seq, pipe, direction, frames, this.describe);
    const decision = this.decide(message);
    const held = decision.drop ? undefined : this.holds.find((hold) => hold.active && hold.where(message));
    if (held !== undefined) decision.applied.push({ fault: 'hold', hold: held.id });
    this.traceSend(message, decision);
    if (decision.drop) return;
    if (held !== undefined) {
      pipe.queued[direction]++;
      held.held.push({ seq, pipe, direction, frames: decision.frames ?? frames, copy: 0, crash: decision.crash });
      return;
    }
    pipe.queued[direction] += decision.copies;
    for (let copy = 0; copy < decision.copies; copy++) {
      const delivery = { seq, pipe, direction, frames: decision.frames ?? frames, copy, crash: decision.crash };
      this.schedule(delivery, decision.delayMs, decision.unorderedDelayMs);
    }
  }

  private decide(message: MessageView): FaultDecision {
    const decision = this.engine.decide(message, this.clock.nowMs());
    if (!decision.drop && this.partitions.has(pairKey(message.from, message.to))) {
      decision.drop = true;
      decision.applied.push({ fault: 'partition' });
    }
    return decision;
  }

  private traceSend(message: MessageView, decision: FaultDecision): void {
    if (!this.trace.enabled) return;
    const fields: Record<string, unknown> = {
      msg: message.seq,
      dir: message.direction,
      from: `${message.from}/${message.fromRole}`,
      to: `${message.to}/${message.toRole}`,
      endpoint: message.endpoint,
      frames: framesToTrace(message.frames),
    };
    if (this.describe !== undefined) fields['message'] = toTraceValue(message.message);
    if (decision.applied.length > 0) fields['faults'] = decision.applied satisfies AppliedFault[];
    if (decision.frames !== undefined) fields['corrupted'] = framesToTrace(decision.frames);
    this.trace.write('send', fields);
  }

  private schedule(delivery: Delivery, delayMs: number, unorderedDelayMs: number): void {
    const lastDue = delivery.pipe.lastDueMs;
    const due = Math.max(this.clock.nowMs() + this.latencyMs + delayMs, lastDue[delivery.direction]);
    lastDue[delivery.direction] = due;
    this.scheduler.schedule(due + unorderedDelayMs, delivery);
  }

  /** A delivery whose time has come: hand it over, or record why it is lost. */
  private arrive(delivery: Delivery): void {
    const { pipe, direction, seq } = delivery;
    // A delivered message keeps its place under the high-water mark until it is read (`consumed`).
    if (delivery.crash !== undefined) {
      pipe.queued[direction]--;
      this.trace.write('lost', { msg: seq, reason: `crash ${delivery.crash}` });
      this.crash(delivery.crash);
      return;
    }
    const receiver = pipe.receiver(direction);
    const stillSending = pipe.open || pipe.lingering === pipe.sender(direction);
    if (receiver.closed || !stillSending) {
      pipe.queued[direction]--;
      this.trace.write('lost', { msg: seq, reason: receiver.closed ? 'receiver closed' : 'sender closed' });
      return;
    }
    const tooLarge = oversizedFrame(delivery.frames, receiver.options.maxMessageBytes);
    if (tooLarge !== undefined) return this.dropOversized(delivery, tooLarge);
    receiver.deliver(pipe, delivery.frames);
    if (this.trace.enabled)
      this.trace.write('deliver', delivery.copy === 0 ? { msg: seq } : { msg: seq, copy: delivery.copy });
  }

  /** MAXMSGSIZE: the connection drops with what it had in flight; made again at once, with new routing ids. */
  private dropOversized({ pipe, direction, seq }: Delivery, frameBytes: number): void {
    pipe.queued[direction]--;
    this.trace.write('lost', { msg: seq, reason: `frame of ${frameBytes} bytes over the receiver's limit` });
    detachPipe(pipe);
    if (!pipe.connector.closed && !pipe.binder.closed) this.attach(pipe.connector, pipe.binder, pipe.endpoint);
  }

  private attach(connector: SimSocket, binder: SimSocket, endpoint: string): void {
    const connectorId = connector.options.routingId ?? this.generateId();
    const binderId = binder.options.routingId ?? this.generateId();
    // libzmq (without ROUTER_HANDOVER) refuses a second peer that claims a routing id already in use.
    if (
      (binder.role === 'router' && binder.hasPeer(connectorId)) ||
      (connector.role === 'router' && connector.hasPeer(binderId))
    ) {
      this.trace.write('refused', { connector: connector.name, binder: binder.name, reason: 'duplicate routing id' });
      return;
    }
    const pipe = new Pipe(++this.pipeCount, endpoint, connector, binder, connectorId, binderId);
    this.trace.write('attach', { pipe: pipe.id, connector: connector.name, binder: binder.name, endpoint });
    binder.attachPipe(pipe);
    connector.attachPipe(pipe);
  }

  /** libzmq's generated routing ids: five bytes, a zero then a 32-bit counter. */
  private generateId(): Uint8Array {
    const id = new Uint8Array(5);
    new DataView(id.buffer).setUint32(1, ++this.generatedIds);
    return id;
  }

  private release(hold: HoldState): void {
    if (!hold.active) return;
    hold.active = false;
    this.holds.splice(this.holds.indexOf(hold), 1);
    this.trace.write('release', { hold: hold.id, count: hold.held.length });
    for (const delivery of hold.held.splice(0)) this.schedule(delivery, 0, 0);
  }

  private emit(event: SimNetworkEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function detachPipe(pipe: SimPipe): void {
  pipe.open = false;
  pipe.connector.detachPipe(pipe);
  pipe.binder.detachPipe(pipe);
}
