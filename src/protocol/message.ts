/**
 * The Multifrost message model: seven message types, each a plain object with the core fields.
 * Wire keys are used as property names (snake_case `client_name`), so a decoded map and a typed
 * message are the same object: no copying on the hot path.
 * @see MF-MSG-1 .. MF-MSG-9 in docs/spec.md
 */

/** The seven message types, as they appear in the `type` field. */
export const MessageType = {
  CALL: 'call',
  RESPONSE: 'response',
  ERROR: 'error',
  STDOUT: 'stdout',
  STDERR: 'stderr',
  HEARTBEAT: 'heartbeat',
  SHUTDOWN: 'shutdown',
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const MESSAGE_TYPES: readonly MessageType[] = Object.values(MessageType);

/** Fields every message carries. `timestamp` is epoch seconds as a float. */
export interface MessageBase {
  app: string;
  /** Non-empty string; replies reuse the id of the message they answer. */
  id: string;
  type: MessageType;
  /** Epoch seconds (float). */
  timestamp: number;
  /** Unknown fields are kept on decode and ignored. */
  [extra: string]: unknown;
}

export interface CallMessage extends MessageBase {
  type: 'call';
  function: string;
  args: unknown[];
  namespace?: string;
  client_name?: string;
}

export interface ResponseMessage extends MessageBase {
  type: 'response';
  /** Always present on the wire; nil for a handler that returns nothing. @see MF-CALL-6 */
  result: unknown;
}

export interface ErrorMessage extends MessageBase {
  type: 'error';
  /** Non-empty error text. */
  error: string;
  /** Optional remote stack trace or traceback (an extension field, ignored by readers that do not know it). */
  traceback?: string;
}

export interface OutputMessage extends MessageBase {
  type: 'stdout' | 'stderr';
  output: string;
}

export interface HeartbeatMessage extends MessageBase {
  type: 'heartbeat';
  /** v3: `[sentAtEpochMs]`. */
  args?: unknown[];
  /** v4: `{ hb_timestamp: epochSeconds, hb_response?: true }`. */
  metadata?: Record<string, unknown>;
}

export interface ShutdownMessage extends MessageBase {
  type: 'shutdown';
}

export type Message = CallMessage | ResponseMessage | ErrorMessage | OutputMessage | HeartbeatMessage | ShutdownMessage;
