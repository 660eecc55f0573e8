/**
 * ZeroMQ envelopes of the protocol, as pure functions over frames (no sockets).
 * - Parent (DEALER) sends and receives `[empty, payload]`.
 * - Child (ROUTER) receives and sends `[routingId, empty, payload]`; the socket itself strips or uses the
 *   routing id frame, so these are exactly the frames the Transport's `receive()` / `send()` see.
 * Anything else is a {@link DecodeError} (`bad-frame-count`, `bad-delimiter`): the receiver drops it.
 * @see MF-FRAME-1 .. MF-FRAME-4
 */
import { DecodeError } from '../errors.js';

/**
 * One multipart message, structurally the same as the transport's `Frames`; declared here so the protocol
 * core imports nothing of ours but errors (imports point one way: transport may use protocol, not back).
 */
type Frames = Uint8Array[];

/** The empty delimiter frame. Shared and zero-length, so it can never be written to. */
export const EMPTY_FRAME: Uint8Array = new Uint8Array(0);

/** Inbound frames of a parent, validated. */
export type ParentInbound = { ok: true; payload: Uint8Array } | { ok: false; error: DecodeError };

/** Inbound frames of a child, validated. */
export type ChildInbound = { ok: true; routingId: Uint8Array; payload: Uint8Array } | { ok: false; error: DecodeError };

/** What a parent sends: `[empty, payload]`. @see MF-FRAME-1 */
export function parentFrames(payload: Uint8Array): Frames {
  return [EMPTY_FRAME, payload];
}

/** What a child sends: `[routingId, empty, payload]`. @see MF-FRAME-2, MF-FRAME-3 */
export function childFrames(routingId: Uint8Array, payload: Uint8Array): Frames {
  return [routingId, EMPTY_FRAME, payload];
}

/** Validates what a parent's DEALER received: exactly `[empty, payload]`. @see MF-FRAME-4 */
export function parseParentInbound(frames: Frames): ParentInbound {
  if (frames.length !== 2) return { ok: false, error: frameCount(frames.length, 2, 'parent') };
  const [delimiter, payload] = frames as [Uint8Array, Uint8Array];
  if (delimiter.byteLength !== 0) return { ok: false, error: badDelimiter(delimiter) };
  return { ok: true, payload };
}

/** Validates what a child's ROUTER received: exactly `[routingId, empty, payload]`. @see MF-FRAME-2, MF-FRAME-4 */
export function parseChildInbound(frames: Frames): ChildInbound {
  if (frames.length !== 3) return { ok: false, error: frameCount(frames.length, 3, 'child') };
  const [routingId, delimiter, payload] = frames as [Uint8Array, Uint8Array, Uint8Array];
  if (delimiter.byteLength !== 0) return { ok: false, error: badDelimiter(delimiter) };
  return { ok: true, routingId, payload };
}

function frameCount(actual: number, expected: number, side: string): DecodeError {
  return new DecodeError(
    'bad-frame-count',
    `a ${side} expects ${expected} frames, got ${actual} (dropped, MF-FRAME-4)`,
  );
}

function badDelimiter(delimiter: Uint8Array): DecodeError {
  return new DecodeError(
    'bad-delimiter',
    `the delimiter frame holds ${delimiter.byteLength} bytes instead of none (dropped, MF-FRAME-4)`,
  );
}
