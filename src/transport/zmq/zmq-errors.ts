import { ClosedError, ConnectionError } from '../../errors.js';

/** The fields zeromq.js puts on its errors (`code` is a string such as `EADDRINUSE`, `EBUSY`, `EAGAIN`). */
interface ZmqErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
}

/** The zeromq.js error code (`EADDRINUSE`, ...) of a thrown value, when it has one. */
export function zmqCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as ZmqErrorLike).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps anything zeromq.js threw or rejected with to our hierarchy: a `ClosedError` when our socket was
 * closed meanwhile (zeromq.js then rejects pending operations with `EAGAIN`, or throws `EBADF`), else a
 * `ConnectionError` whose `transportCode` is the zmq code.
 */
export function toTransportError(
  error: unknown,
  socketName: string,
  operation: string,
  socketClosed: boolean,
): ClosedError | ConnectionError {
  if (error instanceof ClosedError || error instanceof ConnectionError) return error;
  const code = zmqCode(error);
  if (socketClosed || code === 'EBADF') return new ClosedError(socketName);
  const message = error instanceof Error ? error.message : String(error);
  const suffix = code === undefined ? '' : ` (${code})`;
  return new ConnectionError(`${socketName}: ${operation} failed: ${message}${suffix}`, code, { cause: error });
}
