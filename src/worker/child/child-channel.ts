/**
 * The child's end of the wire: one ROUTER socket, the codec and the profiles accepted. Inbound frames are
 * parsed and decoded here (a bad one is dropped and logged, never escaping the loop: MF-FRAME-4/5,
 * MF-MSG-1..9); replies and forwarded output go out with the ROUTER envelope of their parent. What a decoded
 * message means is the worker's business (`onMessage`).
 */
import { type DecodeError, EncodeError, MultifrostError } from '../../errors.js';
import type { Codec } from '../../protocol/codec.js';
import { childFrames, parseChildInbound } from '../../protocol/framing.js';
import type { HeartbeatMessage, Message } from '../../protocol/message.js';
import { createError, createHeartbeatEcho, createOutput, createResponse } from '../../protocol/messages.js';
import type { Profile } from '../../protocol/profile.js';
import { decodeMessage } from '../../protocol/validate.js';
import type { Clock } from '../../time/clock.js';
import type { Socket } from '../../transport/transport.js';
import type { OutputStream } from '../shared/process-launcher.js';
import type { ChildLog } from './child-log.js';

export interface ChildChannelOptions {
  socket: Socket;
  codec: Codec;
  /** Profiles accepted, the first being the one output uses before any message arrived. */
  accepted: readonly Profile[];
  clock: Clock;
  /** Process id, part of the ids of output messages. */
  pid: number;
  /** Whether the worker still serves: the loop ends, and send failures are news, only while it does. */
  isServing: () => boolean;
  /** One diagnostic line for the child's own stderr. */
  log: ChildLog;
  /** Every valid inbound message, with the profile it arrived in and its parent's routing id. */
  onMessage: (message: Message, profile: Profile, routingId: Uint8Array) => void;
}

export class ChildChannel {
  private readonly socket: Socket;
  private readonly codec: Codec;
  private readonly accepted: readonly Profile[];
  private readonly options: ChildChannelOptions;
  /**
   * Profile of the last valid message received: output goes out in it, so a parent that speaks one profile
   * (MF-PROF-2) does not ignore it as a foreign app id (MF-MSG-6). With several parents in different profiles
   * the last one wins; per-parent profiles would need the forwarder to keep them.
   */
  private outputProfile: Profile | undefined;
  /** The send of the last reply, awaited by the receive loop before it reads on (see receiveLoop). */
  private replySending: Promise<void> | undefined;
  private idCounter = 0;

  constructor(options: ChildChannelOptions) {
    this.options = options;
    this.socket = options.socket;
    this.codec = options.codec;
    this.accepted = options.accepted;
  }

  /** Reads and hands on messages until the socket closes or the worker stops serving. */
  async receiveLoop(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        this.handleFrames(frames);
        if (!this.options.isServing()) break;
        // Replies of synchronous handlers were just queued: let them reach the socket before reading more.
        // This is backpressure (a flood of calls cannot queue replies without bound) and, measured, it
        // batches socket work better than reading ahead. Async handlers are never awaited here.
        const sending = this.replySending;
        if (sending !== undefined) {
          this.replySending = undefined;
          await sending;
        }
      }
    } catch (error) {
      if (this.options.isServing() && this.options.log.enabled('error'))
        this.options.log.error('receive failed', { error: String(error) });
    }
  }

  close(): Promise<void> {
    return this.socket.close();
  }

  /** Answers a CALL with its result. */
  respond(routingId: Uint8Array, profile: Profile, id: string, result: unknown): void {
    this.reply(routingId, createResponse(profile, id, this.timestampSec(), result), id);
  }

  /** Answers a CALL with an ERROR: a refusal's text, or what a handler threw (with its stack). */
  refuse(routingId: Uint8Array, profile: Profile, id: string, text: string, traceback?: string): void {
    this.reply(routingId, createError(profile, id, this.timestampSec(), text, traceback), id);
  }

  /** Answers a CALL whose handler threw or rejected with `error`. */
  fail(routingId: Uint8Array, profile: Profile, id: string, error: unknown): void {
    this.refuse(routingId, profile, id, errorText(error), error instanceof Error ? error.stack : undefined);
  }

  /** Echoes a heartbeat in the profile it arrived in. */
  echo(routingId: Uint8Array, profile: Profile, heartbeat: HeartbeatMessage): void {
    this.reply(routingId, createHeartbeatEcho(profile, heartbeat, this.timestampSec()), heartbeat.id);
  }

  /** Sends one line of forwarded output to one parent; rejects when it could not be sent. */
  sendOutput(routingId: Uint8Array, stream: OutputStream, text: string): Promise<void> {
    if (!this.options.isServing()) return Promise.reject(new Error('not serving'));
    const profile = this.outputProfile ?? this.accepted[0]!;
    const message = createOutput(
      profile,
      `out-${this.options.pid}-${(this.idCounter++).toString(36)}`,
      this.timestampSec(),
      stream,
      text,
    );
    return this.socket.send(childFrames(routingId, this.codec.encode(message)));
  }

  /** One inbound message. Never throws: a bad frame is dropped and logged. */
  private handleFrames(frames: Uint8Array[]): void {
    const inbound = parseChildInbound(frames);
    if (!inbound.ok) return this.drop(inbound.error);
    const decoded = decodeMessage(this.codec, inbound.payload, this.accepted);
    if (!decoded.ok) return this.drop(decoded.error);
    this.outputProfile = decoded.profile;
    this.options.onMessage(decoded.message, decoded.profile, inbound.routingId);
  }

  /** Encodes and sends a reply; a result that cannot be encoded becomes an ERROR for the same call. */
  private reply(routingId: Uint8Array, message: Message, id: string): void {
    let payload: Buffer;
    try {
      payload = this.codec.encode(message);
    } catch (error) {
      const text = error instanceof EncodeError || error instanceof MultifrostError ? error.message : errorText(error);
      const profile = this.accepted.find((p) => p.app === message.app) ?? this.accepted[0]!;
      payload = this.codec.encode(
        createError(profile, id, this.timestampSec(), `result could not be encoded: ${text}`),
      );
    }
    this.replySending = this.socket.post(childFrames(routingId, payload), (error) => {
      if (this.options.isServing() && this.options.log.enabled('error'))
        this.options.log.error('could not send reply', { id, error: String(error) });
    });
  }

  private drop(error: DecodeError): void {
    this.options.log.dropped(error.reason, error.field, error.message);
  }

  private timestampSec(): number {
    return this.options.clock.epochMs() / 1000;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message !== '' ? error.message : error.name;
  const text = String(error);
  return text !== '' ? text : 'Error';
}
