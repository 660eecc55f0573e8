/**
 * The parent's end of the wire: one DEALER socket, the codec and profile it speaks, and message ids. Inbound
 * frames are parsed and decoded here; a bad one is reported as `message-dropped` and never escapes the loop
 * (MF-FRAME-5, MF-MSG-1..9). What a decoded message means is the worker's business (`onMessage`).
 * While the readiness probe runs ({@link probe}) messages of every candidate profile are taken; once a profile
 * is chosen ({@link speak}) only that one, and the echo of a probe in another profile is dropped silently
 * (MF-PROF-2, MF-PROF-6).
 */
import type { Codec } from '../../protocol/codec.js';
import { parentFrames, parseParentInbound } from '../../protocol/framing.js';
import type { Message } from '../../protocol/message.js';
import { createCall, createHeartbeat, createShutdown } from '../../protocol/messages.js';
import type { Profile } from '../../protocol/profile.js';
import { decodeMessage } from '../../protocol/validate.js';
import type { Clock } from '../../time/clock.js';
import type { Socket } from '../../transport/transport.js';
import type { CallOptions } from './call-proxy.js';
import type { WorkerEvents } from './events.js';

export interface ParentChannelOptions {
  codec: Codec;
  /** The profiles the parent may speak, in order of preference: the pinned one, or v3 then v4. */
  candidates: readonly Profile[];
  clock: Clock;
  /** Prefix of every message id this parent sends. */
  idPrefix: string;
  events: WorkerEvents;
  /** Whether a failing receive loop is news (it is not once the worker is stopping). */
  isRunning: () => boolean;
  /** Every valid inbound message, in arrival order. */
  onMessage: (message: Message) => void;
  /** Whether `id` is one of the readiness probes (its echo in a profile not chosen is expected). */
  isProbeEcho: (id: string) => boolean;
}

export class ParentChannel {
  private socket: Socket | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private idCounter = 0;
  private speaking: Profile | undefined;
  private accepted: readonly Profile[];
  /** CALLs posted since the last flush and their failure callbacks, in call order (see {@link postCall}). */
  private outbox: Buffer[] = [];
  private outboxFailures: ((error: Error) => void)[] = [];

  constructor(private readonly options: ParentChannelOptions) {
    this.accepted = options.candidates;
    if (options.candidates.length === 1) this.speaking = options.candidates[0]; // pinned: nothing to probe
  }

  /** The profile spoken, once chosen (pinned, or answered at start-up). */
  get profile(): Profile | undefined {
    return this.speaking;
  }

  /** A probe round begins: messages of every candidate profile are taken until {@link speak}. */
  probe(): void {
    this.accepted = this.options.candidates;
  }

  /** Speaks, and takes, `profile` only from now on. */
  speak(profile: Profile): void {
    this.speaking = profile;
    this.accepted = [profile];
  }

  /** Takes ownership of `socket` (closed by {@link close}); messages are read once {@link listen} is called. */
  use(socket: Socket): void {
    this.socket = socket;
  }

  /** Starts the receive loop on the socket given to {@link use}. */
  listen(): void {
    this.loopDone = this.receiveLoop(this.socket!);
  }

  /** Closes the socket and waits for the receive loop to end. */
  async close(): Promise<void> {
    this.flushCalls();
    await this.socket?.close();
    await this.loopDone;
  }

  newId(): string {
    return `${this.options.idPrefix}-${(this.idCounter++).toString(36)}`;
  }

  /** Encodes a CALL. @throws EncodeError (or a validation error) when the arguments cannot be sent. */
  encodeCall(id: string, functionName: string, args: unknown[], callOptions: CallOptions | undefined): Buffer {
    const message = createCall(this.sendProfile, id, this.timestampSec(), functionName, args, callOptions);
    return this.options.codec.encode(message);
  }

  /**
   * Sends an encoded CALL; `onFailure` hears of a send that failed. A CALL made while others are in flight
   * (`batch`) goes to the socket once the current burst of promise callbacks has run (`process.nextTick`,
   * before any I/O or timer), together with the others posted in it: replies arrive in bursts, each resolves
   * a caller that may call again, and handing the new CALLs to ZeroMQ back to back lets its I/O thread take
   * them in fewer wake-ups and TCP writes. A lone CALL goes at once (the tick would only add latency).
   */
  postCall(payload: Buffer, onFailure: (error: Error) => void, batch: boolean): void {
    if (!batch && this.outbox.length === 0) {
      void this.socket!.post(parentFrames(payload), onFailure);
      return;
    }
    if (this.outbox.length === 0) process.nextTick(this.flushCalls);
    this.outbox.push(payload);
    this.outboxFailures.push(onFailure);
  }

  /** Sends a HEARTBEAT in `profile` (a readiness probe), by default in the profile spoken. */
  sendHeartbeat(id: string, sentAtEpochMs: number, profile: Profile = this.sendProfile): void {
    this.sendBestEffort(createHeartbeat(profile, id, this.timestampSec(), sentAtEpochMs));
  }

  /** Sends SHUTDOWN; in every candidate profile when stop() comes before a profile was chosen. */
  sendShutdown(): void {
    for (const profile of this.speaking === undefined ? this.options.candidates : [this.speaking]) {
      this.sendBestEffort(createShutdown(profile, this.newId(), this.timestampSec()));
    }
  }

  /** Calls are only sent once a profile is chosen; the first candidate stands in before (never used). */
  private get sendProfile(): Profile {
    return this.speaking ?? this.options.candidates[0]!;
  }

  /** Heartbeats and SHUTDOWN are best effort: a lost one shows as a missed echo or an escalation to SIGTERM. */
  private sendBestEffort(message: Message): void {
    this.flushCalls(); // on the wire in the order sent: no HEARTBEAT or SHUTDOWN overtakes a CALL
    void this.socket?.post(parentFrames(this.options.codec.encode(message)), ignoreFailure);
  }

  /** Hands the CALLs in the outbox to the socket, in order. */
  private readonly flushCalls = (): void => {
    const payloads = this.outbox;
    if (payloads.length === 0) return;
    const failures = this.outboxFailures;
    this.outbox = [];
    this.outboxFailures = [];
    const socket = this.socket!;
    for (let i = 0; i < payloads.length; i++) void socket.post(parentFrames(payloads[i]!), failures[i]!);
  };

  private async receiveLoop(socket: Socket): Promise<void> {
    try {
      for await (const frames of socket) this.handleFrames(frames);
    } catch (error) {
      if (this.options.isRunning())
        this.options.events.emit({ type: 'message-dropped', reason: 'receive-failed', detail: String(error) });
    }
  }

  private handleFrames(frames: Uint8Array[]): void {
    const inbound = parseParentInbound(frames);
    if (!inbound.ok) {
      this.options.events.emit({
        type: 'message-dropped',
        reason: inbound.error.reason,
        detail: inbound.error.message,
      });
      return;
    }
    const decoded = decodeMessage(this.options.codec, inbound.payload, this.accepted);
    if (!decoded.ok) {
      if (decoded.error.reason === 'wrong-app' && this.isLateProbeEcho(inbound.payload)) return;
      this.options.events.emit({
        type: 'message-dropped',
        reason: decoded.error.reason,
        detail: decoded.error.message,
      });
      return;
    }
    this.options.onMessage(decoded.message);
  }

  /** A child accepting both profiles answers every probe; the echoes that lost are expected, not news. */
  private isLateProbeEcho(payload: Uint8Array): boolean {
    if (this.accepted.length === this.options.candidates.length) return false;
    const decoded = decodeMessage(this.options.codec, payload, this.options.candidates);
    return decoded.ok && decoded.message.type === 'heartbeat' && this.options.isProbeEcho(decoded.message.id);
  }

  private timestampSec(): number {
    return this.options.clock.epochMs() / 1000;
  }
}

function ignoreFailure(): void {}
