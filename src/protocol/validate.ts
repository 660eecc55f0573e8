/**
 * Validation: a decoded msgpack value to a typed {@link Message}, or a {@link DecodeError} saying why not.
 *
 * Checks run in this order and the first failure wins, so a caller can tell the cases apart (throughout,
 * a nil field counts as missing):
 * 1. `not-a-map`: the value is not a map (MF-MSG-1).
 * 2. `app`: `missing-field` / `wrong-type` / `wrong-app` (not the app id of an accepted profile) (MF-MSG-6).
 * 3. `type`: `missing-field` / `wrong-type` when not a string, and **`wrong-type` with field `type` for an
 *    unknown message type** (MF-MSG-5): the receiver ignores it like any other failure. (Unknown types are
 *    not a separate reason so that every "ignore this message" case is one `ok: false` branch; tell an
 *    unknown type apart by `field === 'type'` and a string `type` in the payload, if it matters.)
 * 4. `id`: `missing-field` when missing **or empty** (MF-CALL-2: the child drops such a CALL, it cannot
 *    reply), `wrong-type` when not a string (MF-MSG-9). Since `type` was checked first, an id failure
 *    always belongs to a message of a known type (`error.message` names it).
 * 5. `timestamp`: `missing-field` / `wrong-type` when not a finite number (MF-MSG-2, MF-MSG-9).
 * 6. Type-specific fields, checked only where the spec wants the message dropped:
 *    - CALL: lenient. A missing or wrong-typed `function` or `args` still decodes, because the child must
 *      answer it with an ERROR (MF-CALL-3); {@link callDefect} gives that ERROR's text. A missing `args`
 *      becomes `[]`; `clientName` is copied to `client_name` when only the alias is present (MF-MSG-7).
 *    - RESPONSE: a missing `result` becomes null (MF-CALL-6).
 *    - ERROR: `error` must be a string (`missing-field` / `wrong-type`); a non-string `traceback` is removed.
 *    - STDOUT / STDERR: `output` must be a string.
 *    - HEARTBEAT: `args`, when present, must be an array and `metadata` a map (`wrong-type`).
 * Unknown fields are kept and ignored (MF-MSG-4). Normalisation mutates the decoded object (no copy).
 * @see MF-MSG-1 .. MF-MSG-10, MF-CALL-1 .. MF-CALL-3
 */
import { DecodeError, type DecodeReason } from '../errors.js';
import type { Codec } from './codec.js';
import { hasNonStringKey, responseNeedsKeyCheck, topLevelKeysAreStrings } from './msgpack-length.js';
import type { CallMessage, Message, MessageType } from './message.js';
import type { Profile } from './profile.js';

/** A validated message and the profile it arrived in. */
export interface ValidatedMessage {
  message: Message;
  profile: Profile;
}

/** The non-throwing result of {@link decodeMessage}. */
export type DecodeResult = { ok: true; message: Message; profile: Profile } | { ok: false; error: DecodeError };

/**
 * Validates a decoded value against MF-MSG-1..10 for the `accepted` profiles.
 * @throws DecodeError with `reason` and `field` as described in the module comment.
 */
export function validateMessage(value: unknown, accepted: readonly Profile[]): ValidatedMessage {
  const result = check(value, accepted);
  if (result instanceof DecodeError) throw result;
  return { message: value as Message, profile: result };
}

/**
 * Decodes and validates one payload; never throws. The hot path of both workers.
 * Failures: every codec reason (`too-large`, `not-msgpack`, `trailing-bytes`) and every validation reason.
 */
export function decodeMessage(codec: Codec, payload: Uint8Array, accepted: readonly Profile[]): DecodeResult {
  let value: unknown;
  let unportable: string | undefined;
  try {
    value = codec.decodeValue(payload);
  } catch (error) {
    const refused = asDecodeError(error);
    // An extension type or a map key msgpackr cannot name (an array) inside an otherwise valid CALL: decoded
    // again so that the CALL can be refused with an ERROR. Only undecodable payloads pay for the retry.
    const retried = refused.reason === 'not-msgpack' ? decodeUnportable(codec, payload) : undefined;
    if (retried?.unportable === undefined || !isMap(retried.value)) return { ok: false, error: refused };
    if (retried.topLevelKey !== undefined) return { ok: false, error: keyNotString(retried.topLevelKey) };
    ({ value, unportable } = retried);
  }
  const result = check(value, accepted);
  if (result instanceof DecodeError) return { ok: false, error: result };
  const message = value as Message;
  // msgpackr turns a map key 1 into "1": a header walk finds such keys, the slow decode names them. A CALL's
  // walk covers the whole payload. A RESPONSE's result without any map cannot hold a map key, so the common
  // RESPONSE (a number, a string, an array of them) skips the walk, which costs up to half a decode on large
  // payloads; whether the result is or holds a map (through arrays up to 64 deep) is read from the bytes, with
  // its top-level keys (on the decoded array of doubles every element read was boxed: 23-25 us for 1,000 floats).
  // Other messages carry no values: only their top-level keys are read.
  const type = message.type;
  const carriesValues = type === 'call' || type === 'response';
  const needsKeyCheck =
    type === 'call'
      ? hasNonStringKey(payload)
      : type === 'response'
        ? responseNeedsKeyCheck(payload) && hasNonStringKey(payload)
        : !topLevelKeysAreStrings(payload);
  if (unportable === undefined && needsKeyCheck) {
    const exact = decodeUnportable(codec, payload);
    // A top-level key that is not a string: the payload is no message at all, dropped (MF-MSG-1).
    if (exact?.topLevelKey !== undefined) return { ok: false, error: keyNotString(exact.topLevelKey) };
    unportable = exact?.unportable;
  }
  if (unportable !== undefined) {
    if (!carriesValues)
      return { ok: false, error: new DecodeError('not-msgpack', `${message.type} message holds ${unportable}`) };
    UNPORTABLE_MESSAGES.set(message, unportable);
  }
  return { ok: true, message, profile: result };
}

function keyNotString(key: string): DecodeError {
  return new DecodeError('not-a-map', `payload is not a map with string keys: it has ${key} (dropped, MF-MSG-1)`);
}

/**
 * CALLs and RESPONSEs that hold a value outside the portable set (a map key that is not a string, an
 * extension type), with where it is: {@link callDefect} answers such a CALL with an ERROR (MF-VAL-12,
 * MF-VAL-13); a parent settles such a RESPONSE's call with an error ({@link unportableValue}, MF-VAL-14).
 */
const UNPORTABLE_MESSAGES = new WeakMap<object, string>();

/** Where a decoded CALL or RESPONSE holds a value outside the portable set, or undefined when it does not. */
export function unportableValue(message: Message): string | undefined {
  return UNPORTABLE_MESSAGES.get(message);
}

function decodeUnportable(codec: Codec, payload: Uint8Array): ReturnType<Codec['decodeUnportable']> | undefined {
  try {
    return codec.decodeUnportable(payload);
  } catch {
    return undefined;
  }
}

/**
 * The text of the ERROR a child sends for a CALL it cannot dispatch because of its own fields, or
 * undefined when `function` is a non-empty string, `args` an array, and {@link decodeMessage} found no
 * value outside the portable set in it (a map key that is not a string, an extension type).
 * @see MF-CALL-1, MF-CALL-3, MF-VAL-11, MF-VAL-12
 */
export function callDefect(call: CallMessage): string | undefined {
  const fields = call as Record<string, unknown>;
  if (fields['function'] === undefined || fields['function'] === null) return 'CALL has no function name';
  if (typeof fields['function'] !== 'string' || fields['function'] === '')
    return 'CALL function name must be a non-empty string';
  if (!Array.isArray(fields['args'])) return 'CALL args must be an array';
  const unportable = UNPORTABLE_MESSAGES.get(call);
  if (unportable !== undefined)
    return `CALL holds a value outside the portable set (it cannot reach a handler unchanged) at ${unportable}`;
  return undefined;
}

function asDecodeError(error: unknown): DecodeError {
  if (error instanceof DecodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DecodeError('not-msgpack', `payload could not be decoded: ${message}`, undefined, { cause: error });
}

function fail(reason: DecodeReason, field: string | undefined, message: string): DecodeError {
  return new DecodeError(reason, message, field);
}

function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The profile of a valid message (which may have been normalised in place), or why it is not one. */
function check(value: unknown, accepted: readonly Profile[]): Profile | DecodeError {
  if (!isMap(value)) return fail('not-a-map', undefined, 'payload is not a msgpack map');
  const profile = checkApp(value['app'], accepted);
  if (profile instanceof DecodeError) return profile;
  const type = value['type'];
  if (type === undefined || type === null) return fail('missing-field', 'type', 'message has no type');
  if (typeof type !== 'string') return fail('wrong-type', 'type', 'message type is not a string');
  if (!isMessageType(type))
    return fail('wrong-type', 'type', `unknown message type ${JSON.stringify(type.slice(0, 64))} (ignored, MF-MSG-5)`);
  const id = value['id'];
  if (id === undefined || id === null || id === '')
    return fail('missing-field', 'id', `${type} message without an id (dropped, MF-CALL-2)`);
  if (typeof id !== 'string') return fail('wrong-type', 'id', `${type} message id is not a string`);
  const timestamp = value['timestamp'];
  if (timestamp === undefined || timestamp === null)
    return fail('missing-field', 'timestamp', `${type} message has no timestamp`);
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
    return fail('wrong-type', 'timestamp', `${type} message timestamp is not a number`);
  const problem = checkTypeFields(type, value);
  if (problem !== undefined) return problem;
  return profile;
}

/** A switch over interned strings: cheaper than a Set lookup on the hot path. Mirrors MESSAGE_TYPES. */
function isMessageType(type: string): type is MessageType {
  switch (type) {
    case 'call':
    case 'response':
    case 'error':
    case 'stdout':
    case 'stderr':
    case 'heartbeat':
    case 'shutdown':
      return true;
    default:
      return false;
  }
}

function checkApp(app: unknown, accepted: readonly Profile[]): Profile | DecodeError {
  if (app === undefined || app === null)
    return fail('missing-field', 'app', 'message has no app id (ignored, MF-MSG-6)');
  if (typeof app !== 'string') return fail('wrong-type', 'app', 'message app id is not a string');
  // A loop over the (one or two) accepted profiles: cheaper than a lookup, and a profile that is not
  // accepted is ignored exactly like an unknown app id (MF-PROF-4).
  for (let i = 0; i < accepted.length; i++) {
    const profile = accepted[i] as Profile;
    if (profile.app === app) return profile;
  }
  return fail('wrong-app', 'app', `app id ${JSON.stringify(app.slice(0, 64))} is not accepted (ignored, MF-MSG-6)`);
}

function checkTypeFields(type: MessageType, fields: Record<string, unknown>): DecodeError | undefined {
  switch (type) {
    case 'call':
      if (fields['args'] === undefined) fields['args'] = [];
      if (fields['client_name'] === undefined && typeof fields['clientName'] === 'string')
        fields['client_name'] = fields['clientName'];
      return undefined;
    case 'response':
      if (fields['result'] === undefined) fields['result'] = null;
      return undefined;
    case 'error':
      if (fields['traceback'] !== undefined && typeof fields['traceback'] !== 'string') delete fields['traceback'];
      return requireString(fields, 'error', type);
    case 'stdout':
    case 'stderr':
      return requireString(fields, 'output', type);
    case 'heartbeat':
      if (fields['args'] !== undefined && !Array.isArray(fields['args']))
        return fail('wrong-type', 'args', 'heartbeat args is not an array');
      if (fields['metadata'] !== undefined && !isMap(fields['metadata']))
        return fail('wrong-type', 'metadata', 'heartbeat metadata is not a map');
      return undefined;
    case 'shutdown':
      return undefined;
  }
}

function requireString(fields: Record<string, unknown>, field: string, type: string): DecodeError | undefined {
  const value = fields[field];
  if (value === undefined || value === null) return fail('missing-field', field, `${type} message has no ${field}`);
  if (typeof value !== 'string') return fail('wrong-type', field, `${type} message ${field} is not a string`);
  return undefined;
}
