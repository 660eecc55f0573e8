import { InvalidArgumentError } from '../errors.js';
import type { SocketOptions } from './transport.js';

/** {@link SocketOptions} with every default filled in, resolved once when a socket is created. */
export interface ResolvedSocketOptions {
  /** Messages; default {@link DEFAULT_HIGH_WATER_MARK}. */
  readonly sendHighWaterMark: number;
  /** Messages; default {@link DEFAULT_HIGH_WATER_MARK}. */
  readonly receiveHighWaterMark: number;
  /** Milliseconds; default 0 (close drops unsent messages at once, so it can never hang). */
  readonly lingerMs: number;
  readonly routingId: Uint8Array | undefined;
  /** Bytes per inbound frame; undefined: no limit. */
  readonly maxMessageBytes: number | undefined;
}

/** Default send and receive high-water mark, in messages (libzmq's own default is 1,000). */
export const DEFAULT_HIGH_WATER_MARK = 10_000;

function nonNegativeInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(name, `must be a non-negative integer, got ${value}`);
  return value;
}

function positiveInteger(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new InvalidArgumentError(name, `must be a positive integer, got ${value}`);
  return value;
}

/** Fills in defaults and validates; throws `InvalidArgumentError` on a bad value. */
export function resolveSocketOptions(options: SocketOptions = {}): ResolvedSocketOptions {
  const routingId = options.routingId;
  // libzmq: a routing id is 1 to 255 bytes; one starting with a zero byte is reserved for generated ids.
  if (routingId !== undefined && (routingId.length === 0 || routingId.length > 255 || routingId[0] === 0)) {
    throw new InvalidArgumentError('routingId', 'must be 1 to 255 bytes and must not start with a zero byte');
  }
  return {
    sendHighWaterMark: nonNegativeInteger('sendHighWaterMark', options.sendHighWaterMark, DEFAULT_HIGH_WATER_MARK),
    receiveHighWaterMark: nonNegativeInteger(
      'receiveHighWaterMark',
      options.receiveHighWaterMark,
      DEFAULT_HIGH_WATER_MARK,
    ),
    lingerMs: nonNegativeInteger('lingerMs', options.lingerMs, 0),
    routingId,
    maxMessageBytes: positiveInteger('maxMessageBytes', options.maxMessageBytes),
  };
}
