/**
 * The protocol core, as published under the `./protocol` subpath: message model, profiles, factories,
 * sanitisation, codec, validation and framing. Pure: no sockets, no timers.
 * An explicit barrel: every public name is listed here (internal helpers such as `prepareForWire` and
 * `WideInteger` are not).
 */
export { MessageType, MESSAGE_TYPES } from './message.js';
export type {
  MessageBase,
  CallMessage,
  ResponseMessage,
  ErrorMessage,
  OutputMessage,
  HeartbeatMessage,
  ShutdownMessage,
  Message,
} from './message.js';
export { V3, V4, PROFILES, profileForApp, isProfileName } from './profile.js';
export type { Profile, ProfileName, HeartbeatEncoding } from './profile.js';
export {
  createCall,
  createResponse,
  createError,
  createOutput,
  createHeartbeat,
  createHeartbeatEcho,
  createShutdown,
} from './messages.js';
export type { CallOptions } from './messages.js';
export { sanitize, formatPath, MAX_DEPTH } from './sanitize.js';
export { Codec, defaultCodec, DEFAULT_MAX_PAYLOAD_BYTES } from './codec.js';
export type { CodecOptions } from './codec.js';
export { validateMessage, decodeMessage, callDefect } from './validate.js';
export type { DecodeResult, ValidatedMessage } from './validate.js';
export { EMPTY_FRAME, parentFrames, childFrames, parseParentInbound, parseChildInbound } from './framing.js';
export type { ParentInbound, ChildInbound } from './framing.js';
