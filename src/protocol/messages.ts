/**
 * Message factories. Each returns a plain object whose key order is the wire order:
 * `app`, `id`, `type`, `timestamp`, then the type-specific fields. Values are not sanitised here
 * (the codec does that when encoding). Ids and timestamps are the caller's: the worker draws ids and
 * reads its Clock, so tests and golden vectors are deterministic.
 * @see MF-MSG-1 .. MF-MSG-8, MF-CALL-1, MF-CALL-6, MF-HB-1 .. MF-HB-3
 */
import type {
  CallMessage,
  ErrorMessage,
  HeartbeatMessage,
  OutputMessage,
  ResponseMessage,
  ShutdownMessage,
} from './message.js';
import type { Profile } from './profile.js';

/** Optional CALL fields. */
export interface CallOptions {
  /** Namespace of the target worker; omitted from the wire when undefined (the child then uses `default`). */
  namespace?: string;
  /** Sent as `client_name` (MF-MSG-7); omitted when undefined. */
  clientName?: string;
}

/**
 * A CALL of `fn(...args)`. `timestampSec` is epoch seconds (float).
 * @see MF-CALL-1, MF-CALL-14, MF-NS-1
 */
export function createCall(
  profile: Profile,
  id: string,
  timestampSec: number,
  fn: string,
  args: unknown[],
  options?: CallOptions,
): CallMessage {
  const message: CallMessage = { app: profile.app, id, type: 'call', timestamp: timestampSec, function: fn, args };
  // No default `{}`: most calls carry no options, and this runs once per call.
  if (options === undefined) return message;
  if (options.namespace !== undefined) message.namespace = options.namespace;
  if (options.clientName !== undefined) message.client_name = options.clientName;
  return message;
}

/**
 * A RESPONSE to the CALL `id`. The `result` key is always present; `undefined` becomes null.
 * @see MF-CALL-6, MF-MSG-8
 */
export function createResponse(profile: Profile, id: string, timestampSec: number, result: unknown): ResponseMessage {
  return {
    app: profile.app,
    id,
    type: 'response',
    timestamp: timestampSec,
    result: result === undefined ? null : result,
  };
}

/**
 * An ERROR answering the CALL `id`; `traceback` (the remote stack) is added only when given.
 * @see MF-CALL-3, MF-CALL-7, MF-CALL-8
 */
export function createError(
  profile: Profile,
  id: string,
  timestampSec: number,
  error: string,
  traceback?: string,
): ErrorMessage {
  const message: ErrorMessage = { app: profile.app, id, type: 'error', timestamp: timestampSec, error };
  if (traceback !== undefined) message.traceback = traceback;
  return message;
}

/**
 * A STDOUT or STDERR message carrying `output`.
 * @see MF-OUT-1
 */
export function createOutput(
  profile: Profile,
  id: string,
  timestampSec: number,
  stream: 'stdout' | 'stderr',
  output: string,
): OutputMessage {
  return { app: profile.app, id, type: stream, timestamp: timestampSec, output };
}

/**
 * A HEARTBEAT request. `sentAtEpochMs` is the wall-clock send time in epoch milliseconds; the profile
 * decides how it travels (v3 `args: [ms]`, v4 `metadata.hb_timestamp` in seconds).
 * @see MF-HB-2, MF-HB-3
 */
export function createHeartbeat(
  profile: Profile,
  id: string,
  timestampSec: number,
  sentAtEpochMs: number,
): HeartbeatMessage {
  return {
    app: profile.app,
    id,
    type: 'heartbeat',
    timestamp: timestampSec,
    ...profile.heartbeat.request(sentAtEpochMs),
  };
}

/**
 * The echo of a HEARTBEAT `request`, in `profile` (the profile the request arrived in), with the same id.
 * @see MF-HB-1, MF-PROF-3
 */
export function createHeartbeatEcho(
  profile: Profile,
  request: HeartbeatMessage,
  timestampSec: number,
): HeartbeatMessage {
  return {
    app: profile.app,
    id: request.id,
    type: 'heartbeat',
    timestamp: timestampSec,
    ...profile.heartbeat.echo(request),
  };
}

/**
 * A SHUTDOWN request.
 * @see MF-LIFE-4, MF-LIFE-6
 */
export function createShutdown(profile: Profile, id: string, timestampSec: number): ShutdownMessage {
  return { app: profile.app, id, type: 'shutdown', timestamp: timestampSec };
}
