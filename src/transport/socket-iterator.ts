import { ClosedError } from '../errors.js';
import type { Frames } from './transport.js';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The async iterator every Socket implementation returns: one `receive()` per `next()`, ending cleanly
 * (done, no error) once the socket is closed; any other error is thrown from the loop. Hand-written rather
 * than an async generator so each message costs one promise hop, not three. `toSocketError` maps what
 * `receive` rejected with to the socket's errors, for a `receive` that leaves that to its caller (the
 * ZeroMQ backend's fast path hands out zeromq.js's own promise, saving a hop).
 */
export function framesIterator(
  receive: () => Promise<Frames>,
  toSocketError: (error: unknown) => unknown = (error) => error,
): AsyncIterator<Frames, undefined> {
  let finished = false;
  const onValue = (value: Frames): IteratorResult<Frames, undefined> => ({ done: false, value });
  const onError = (rejection: unknown): IteratorResult<Frames, undefined> => {
    const error = toSocketError(rejection);
    if (error instanceof ClosedError) {
      finished = true;
      return DONE;
    }
    throw error;
  };
  return {
    next: () => (finished ? Promise.resolve(DONE) : receive().then(onValue, onError)),
    // Leaving a for-await loop early stops this iterator only; the socket stays open (close it explicitly).
    return: () => {
      finished = true;
      return Promise.resolve(DONE);
    },
  };
}
