/**
 * The kit playing the PARENT with raw frames: a DEALER that sends exactly the frames a step builds (valid or
 * not) and keeps every inbound message, so a step can wait for one or assert that none came. It uses no
 * protocol logic of the implementation under test: this is what runs against foreign workers.
 * @see MF-FRAME-1, MF-FRAME-2
 */
import { defaultCodec } from '../../src/protocol/codec.js';
import { EMPTY_FRAME } from '../../src/protocol/framing.js';
import { PROFILES, type ProfileName } from '../../src/protocol/profile.js';
import type { Clock } from '../../src/time/clock.js';
import type { Frames } from '../../src/transport/transport.js';
import { SERVICE_METHODS, WIRE_NAMES, targetName, type MethodNames } from '../../src/conform/method-names.js';
import { conform, show, within } from './expect.js';
import { MethodMissing } from './method-missing.js';
import type { WireTrace } from './wire-trace.js';
import type { WorkerConnection } from './worker-connection.js';

/** One message the kit received, with its decoded payload when it decodes to a map. */
export interface Inbound {
  frames: Frames;
  atMs: number;
  /** The decoded payload when it is a msgpack map, else undefined. */
  message: Record<string, unknown> | undefined;
}

export class RawParent {
  readonly received: Inbound[] = [];
  /** Ids this scenario sent (the connection knows every id sent on it, by any scenario). */
  private readonly mine = new Set<string>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  /** CALL id -> wire name, for calls to conformance service methods (a "not found" reply means a skip). */
  private readonly serviceCalls = new Map<string, string>();
  /** Set when the target answered a conformance method call with "not found" (see {@link MethodMissing}). */
  missingMethod: MethodMissing | undefined;
  /** Set once the worker process exited: waits end at once instead of running into their timeout. */
  exitedWith: string | undefined;

  constructor(
    readonly connection: WorkerConnection,
    private readonly clock: Clock,
    private readonly trace: WireTrace,
    readonly profile: ProfileName,
    private readonly timeoutMs: number,
    /** Prefix of this scenario's message ids, unique on the connection. */
    private readonly idPrefix: string,
    /** How the target spells the conformance service's methods (spec section 13). */
    readonly names: MethodNames = WIRE_NAMES,
  ) {
    connection.attach(
      (frames) => this.onFrames(frames),
      (description) => this.workerExited(description),
    );
  }

  /** A fresh message id, unique on the connection (a shared worker may still answer an earlier scenario). */
  newId(): string {
    const id = `${this.idPrefix}-${this.nextId++}`;
    this.connection.generatedIds.add(id);
    return id;
  }

  /** Core fields of a message in `profile` (default: the run's). */
  core(type: string, id: string = this.newId(), profile: ProfileName = this.profile): Record<string, unknown> {
    return { app: PROFILES[profile].app, id, type, timestamp: this.clock.epochMs() / 1000 };
  }

  /** The worker process exited: nothing more will arrive, so pending waits end now. */
  workerExited(description: string): void {
    this.exitedWith = description;
    this.trace.note(`worker ${description}`);
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Records an id sent inside hand-built frames (see {@link replyTo}). */
  noteSent(id: string): void {
    this.mine.add(id);
    this.connection.sentIds.add(id);
  }

  /**
   * Sends frames exactly as given. A DEALER whose only peer is gone holds the message until a peer connects,
   * which for a worker that exited is never: once the worker exits, the send is left queued and this returns,
   * so the step's next wait reports the exit at once instead of a step timeout.
   */
  async sendFrames(frames: Frames): Promise<void> {
    this.trace.record('kit->worker', frames);
    const sent = this.connection.socket.send(frames);
    if (this.exitedWith !== undefined) {
      sent.catch(() => undefined);
      return;
    }
    const accepted = new Promise<boolean>((resolve, reject) => {
      const onExit = (): void => {
        this.waiters.delete(onExit);
        sent.catch(() => undefined);
        resolve(true);
      };
      this.waiters.add(onExit);
      sent.then(
        () => {
          this.waiters.delete(onExit);
          resolve(true);
        },
        (error: unknown) => {
          this.waiters.delete(onExit);
          reject(error);
        },
      );
    });
    // A bound DEALER holds a send until some peer has connected and completed its handshake: a worker that
    // never connects, or fails the CURVE handshake, would hold the step until cucumber's own timeout (120 s).
    // After the step timeout the kit goes on; the wait for the answer then fails on the scenario's clause.
    if ((await within(this.clock, this.timeoutMs, accepted)) === undefined) {
      sent.catch(() => undefined);
      this.trace.note(
        `the kit's DEALER did not take the message within ${this.timeoutMs} ms: no peer has completed a connection (a worker that did not connect, or a failed handshake)`,
      );
    }
  }

  /** Encodes `message` (any map, valid or not) and sends it as `[empty, payload]`. */
  async send(message: Record<string, unknown>): Promise<void> {
    if (typeof message['id'] === 'string') this.noteSent(message['id']);
    await this.sendFrames([EMPTY_FRAME, defaultCodec.encode(message)]);
  }

  /**
   * Sends a CALL in the run's profile and returns its id. A conformance service method is sent under the
   * target's spelling of it (`write_stdout` may go out as `WriteStdout`).
   */
  async call(fn: string, args: unknown[], extra: Record<string, unknown> = {}, profile?: ProfileName): Promise<string> {
    const id = this.newId();
    if (SERVICE_METHODS.includes(fn)) this.serviceCalls.set(id, fn);
    const message: Record<string, unknown> = {
      ...this.core('call', id, profile),
      function: targetName(fn, this.names),
      args,
      ...extra,
    };
    await this.send(message);
    return id;
  }

  /** Records that `id` calls the conformance method `wire` (sent in hand-built frames); returns the target's name for it. */
  noteServiceCall(id: string, wire: string): string {
    this.serviceCalls.set(id, wire);
    return targetName(wire, this.names);
  }

  /**
   * Throws {@link MethodMissing} when `reply` says the conformance method that `id` called does not exist:
   * the scenario is then skipped, quoting the reply, instead of failed (spec section 13).
   */
  private checkServiceMethod(id: string, reply: Record<string, unknown> | undefined): void {
    const missing = this.missingFrom(id, reply);
    if (missing !== undefined) throw missing;
  }

  private missingFrom(id: unknown, reply: Record<string, unknown> | undefined): MethodMissing | undefined {
    const wire = typeof id === 'string' ? this.serviceCalls.get(id) : undefined;
    if (wire === undefined || reply?.['type'] !== 'error') return undefined;
    const text = reply['error'];
    return typeof text === 'string' && /not found/i.test(text)
      ? new MethodMissing(wire, targetName(wire, this.names), text)
      : undefined;
  }

  /** Waits (up to the step timeout) for a message matching `match`; undefined when none came. */
  async waitFor(match: (inbound: Inbound) => boolean, timeoutMs = this.timeoutMs): Promise<Inbound | undefined> {
    const found = (): Inbound | undefined => this.received.find(match);
    const now = found();
    if (now !== undefined || this.exitedWith !== undefined) return now;
    let release: (() => void) | undefined;
    const arrived = new Promise<Inbound>((resolve) => {
      release = () => {
        const hit = found();
        if (hit !== undefined) resolve(hit);
        else if (this.exitedWith !== undefined) resolve(undefined as unknown as Inbound);
      };
      this.waiters.add(release);
    });
    try {
      return await within(this.clock, timeoutMs, arrived);
    } finally {
      if (release !== undefined) this.waiters.delete(release);
    }
  }

  /** Messages whose `id` is `id`. */
  repliesTo(id: string): Inbound[] {
    return this.received.filter((inbound) => inbound.message?.['id'] === id);
  }

  /** Waits for the reply (RESPONSE or ERROR) to `id`; fails with `clause` when none comes in time. */
  async replyTo(id: string, clause: string, what = 'a RESPONSE or ERROR'): Promise<Record<string, unknown>> {
    const isReply = (inbound: Inbound): boolean =>
      inbound.message?.['type'] === 'response' || inbound.message?.['type'] === 'error';
    // A reply whose id the kit never sent cannot answer anything: report it at once as the broken rule.
    const stray = (inbound: Inbound): boolean =>
      isReply(inbound) && !this.connection.sentIds.has(String(inbound.message?.['id']));
    const reply = await this.waitFor(
      (inbound) => (inbound.message?.['id'] === id && isReply(inbound)) || stray(inbound),
    );
    conform(
      reply !== undefined,
      clause,
      `${what} with id ${show(id)} within ${this.timeoutMs} ms`,
      this.exitedWith === undefined ? 'no reply' : `no reply: the worker ${this.exitedWith}`,
      this.lastSeen(),
    );
    conform(
      !stray(reply),
      'MF-MSG-8',
      `${what} carrying the id of the CALL it answers (${show(id)})`,
      `a ${String(reply.message?.['type'])} with id ${show(reply.message?.['id'])}, which the kit never sent`,
      show(reply.message),
    );
    this.checkServiceMethod(id, reply.message);
    return reply.message!;
  }

  /** Position in {@link received}; pass it to {@link expectNoReply} to check what came after it. */
  mark(): number {
    return this.received.length;
  }

  /**
   * Proves that the worker still serves and sent nothing since `mark` (output messages aside): sends `echo`
   * and waits for its RESPONSE. Messages on one connection arrive in order and a worker answers a dropped
   * message at once or never, so an unwanted reply would have come before the probe's: no fixed sleep.
   * `probes` > 1 allows for a worker that drops the connection a message came over (libzmq's MAXMSGSIZE drops
   * the connection of an oversized frame, which is then made again): a probe sent behind it is lost with it.
   */
  async expectNoReply(mark: number, clause: string, what: string, probes = 1): Promise<void> {
    const probeIds = new Set<string>();
    let probeId = '';
    let probe: Inbound | undefined;
    for (let attempt = 0; attempt < probes && probe === undefined && this.exitedWith === undefined; attempt++) {
      probeId = await this.call('echo', ['probe']);
      probeIds.add(probeId);
      probe = await this.waitFor((inbound) => inbound.message?.['id'] === probeId);
    }
    conform(
      probe !== undefined,
      clause,
      `after ${what}, the worker keeps serving: a later echo call is answered`,
      this.exitedWith === undefined ? 'the echo call got no reply' : `the worker ${this.exitedWith}`,
      this.lastSeen(),
    );
    this.checkServiceMethod(probeId, probe.message);
    conform(probe.message?.['type'] === 'response', clause, 'the later echo call gets a RESPONSE', show(probe.message));
    const unwanted = this.received
      .slice(mark)
      .filter((inbound) => !probeIds.has(String(inbound.message?.['id'])))
      .filter((inbound) => !['stdout', 'stderr'].includes(String(inbound.message?.['type'])))
      // A late answer to an earlier scenario on a shared worker is not about this message.
      .filter((inbound) => !this.fromEarlierScenario(inbound));
    conform(
      unwanted.length === 0,
      clause,
      `no reply to ${what}`,
      `${unwanted.length} message(s): ${show(unwanted.map((u) => u.message ?? `<undecodable, ${u.frames.length} frames>`))}`,
    );
  }

  /** The last few messages received, for failure details. */
  lastSeen(count = 5): string {
    const tail = this.received
      .slice(-count)
      .map((inbound) => inbound.message ?? `<undecodable, ${inbound.frames.length} frames>`);
    return `last received: ${show(tail)}`;
  }

  /** Stops listening (the connection may serve the next scenario). */
  detach(): void {
    this.connection.detach();
  }

  /** A reply to a unique id an earlier scenario sent (never a hand-written id like "", which any scenario may send). */
  private fromEarlierScenario(inbound: Inbound): boolean {
    const id = inbound.message?.['id'];
    return (
      typeof id === 'string' &&
      this.connection.generatedIds.has(id) &&
      this.connection.sentIds.has(id) &&
      !this.mine.has(id)
    );
  }

  private onFrames(frames: Frames): void {
    this.trace.record('worker->kit', frames);
    const message = decodeMap(frames);
    this.received.push({ frames, atMs: this.clock.nowMs(), message });
    // Any later failure of the scenario follows from the missing method: it is skipped instead.
    this.missingMethod ??= this.missingFrom(message?.['id'], message);
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** The payload of `[empty, payload]` decoded to a map, else undefined (wrong frames or not a map). */
function decodeMap(frames: Frames): Record<string, unknown> | undefined {
  const payload = frames[frames.length - 1];
  if (payload === undefined) return undefined;
  try {
    const value = defaultCodec.decodeValue(payload);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
