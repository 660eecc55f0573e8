/**
 * The one error hierarchy of multifrost-conform.
 *
 * Every error thrown or rejected by this package is a {@link MultifrostError} with a stable
 * {@link ErrorCode}. Tests, reports and callers branch on `code`, never on message text.
 * Errors about a call also say whether the call may have run on the child (`mayHaveRun`), which
 * is what a caller needs to decide whether a retry is safe.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export const ErrorCode = {
  /** A value could not be encoded (bad type, cycle, BigInt out of int64/uint64 range). */
  ENCODE: 'MF_ENCODE',
  /** Bytes or frames could not be decoded into a valid message. */
  DECODE: 'MF_DECODE',
  /** A payload is larger than the configured limit. */
  PAYLOAD_TOO_LARGE: 'MF_PAYLOAD_TOO_LARGE',
  /** The child answered the call with an ERROR message. */
  REMOTE: 'MF_REMOTE',
  /** The call did not get an answer within its timeout. */
  TIMEOUT: 'MF_TIMEOUT',
  /** The circuit breaker refused the call. */
  CIRCUIT_OPEN: 'MF_CIRCUIT_OPEN',
  /** The child process could not be started or exited during start-up. */
  SPAWN: 'MF_SPAWN',
  /** A socket could not be opened, bound, connected or written to. */
  CONNECTION: 'MF_CONNECTION',
  /** The peer broke the protocol (for example answered with an unexpected message). */
  PROTOCOL: 'MF_PROTOCOL',
  /** The worker stopped (or the child exited) while the call was pending. */
  WORKER_STOPPED: 'MF_WORKER_STOPPED',
  /** An option or argument given by the caller is invalid. */
  INVALID_ARGUMENT: 'MF_INVALID_ARGUMENT',
  /** The service registry could not be read, locked or written. */
  REGISTRY: 'MF_REGISTRY',
  /** A service id is already registered by a live process. */
  ALREADY_REGISTERED: 'MF_ALREADY_REGISTERED',
  /** A service could not be discovered before the deadline. */
  SERVICE_NOT_FOUND: 'MF_SERVICE_NOT_FOUND',
  /** A transport operation was attempted on a closed socket. */
  CLOSED: 'MF_CLOSED',
  /** More than one peer is connected where only the worker's own child may be: who answers is unknown. */
  UNVERIFIED_PEER: 'MF_UNVERIFIED_PEER',
  /** The worker's cap on calls in flight (`maxInFlight`) was reached; the call was not sent. */
  TOO_MANY_CALLS: 'MF_TOO_MANY_CALLS',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options shared by every error constructor. */
export interface MultifrostErrorOptions {
  cause?: unknown;
  /** True when the failed operation may nevertheless have taken effect on the remote side. */
  mayHaveRun?: boolean;
}

/**
 * Where an error records the names of its classes, base last (`['TimeoutError', 'MultifrostError']`). A
 * process can hold two copies of this module: the bundled entry points (`dist/lib`) beside the compiled
 * modules (`dist/src`) that `multifrost-conform/conform` and the CLI load. `instanceof` then checks the class
 * names as well as the prototype chain, so an error from either copy matches the classes of both.
 */
const CLASS_NAMES = Symbol.for('multifrost-conform.error-classes');

function classNames(target: abstract new (...args: never[]) => unknown): readonly string[] {
  const names: string[] = [];
  for (let c: unknown = target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
    names.push((c as { name: string }).name);
  }
  return names;
}

/** Base class of every error of this package. */
export class MultifrostError extends Error {
  readonly code: ErrorCode;
  /** For call errors: true when the child may have executed the call (a retry is not safe). */
  readonly mayHaveRun: boolean;

  constructor(code: ErrorCode, message: string, options: MultifrostErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.mayHaveRun = options.mayHaveRun ?? false;
    this.name = new.target.name;
    Object.defineProperty(this, CLASS_NAMES, { value: classNames(new.target) });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const names =
      typeof value === 'object' && value !== null ? (value as Record<symbol, unknown>)[CLASS_NAMES] : undefined;
    return Array.isArray(names) && names.includes(this.name);
  }
}

/** Why a payload or frame set could not be decoded. */
export type DecodeReason =
  | 'bad-frame-count'
  | 'bad-delimiter'
  | 'too-large'
  | 'not-msgpack'
  | 'trailing-bytes'
  | 'not-a-map'
  | 'missing-field'
  | 'wrong-type'
  | 'wrong-app';

/** A frame set or payload that is not a valid Multifrost message. Receivers drop it and keep serving. */
export class DecodeError extends MultifrostError {
  readonly reason: DecodeReason;
  /** The offending field, when the reason is about one (`id`, `type`, ...). */
  readonly field: string | undefined;

  constructor(reason: DecodeReason, message: string, field?: string, options: MultifrostErrorOptions = {}) {
    super(reason === 'too-large' ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.DECODE, message, options);
    this.reason = reason;
    this.field = field;
  }
}

/** A value that cannot be represented on the wire; `path` names where it sits (e.g. `args[0].user.id`). */
export class EncodeError extends MultifrostError {
  readonly path: string;

  constructor(path: string, message: string, options: MultifrostErrorOptions = {}) {
    super(ErrorCode.ENCODE, `${message} at ${path}`, options);
    this.path = path;
  }
}

/** A payload larger than the configured limit, refused on the sending side. */
export class PayloadTooLargeError extends MultifrostError {
  readonly sizeBytes: number;
  readonly limitBytes: number;

  constructor(sizeBytes: number, limitBytes: number) {
    super(ErrorCode.PAYLOAD_TOO_LARGE, `payload of ${sizeBytes} bytes exceeds the limit of ${limitBytes} bytes`);
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }
}

/** The child answered a call with an ERROR message. The call ran (at least partly). */
export class RemoteCallError extends MultifrostError {
  /** The remote stack trace or traceback, when the child sent one. */
  readonly remoteStack: string | undefined;
  readonly functionName: string;

  constructor(functionName: string, message: string, remoteStack?: string) {
    super(ErrorCode.REMOTE, message, { mayHaveRun: true });
    this.functionName = functionName;
    this.remoteStack = remoteStack;
  }
}

/** No answer within the timeout. The child may have run the call. */
export class TimeoutError extends MultifrostError {
  readonly timeoutMs: number;

  constructor(what: string, timeoutMs: number) {
    super(ErrorCode.TIMEOUT, `${what} timed out after ${timeoutMs} ms`, { mayHaveRun: true });
    this.timeoutMs = timeoutMs;
  }
}

/** The circuit breaker is open: the call was not sent. */
export class CircuitOpenError extends MultifrostError {
  readonly consecutiveFailures: number;

  constructor(consecutiveFailures: number, retryInMs: number) {
    super(
      ErrorCode.CIRCUIT_OPEN,
      `circuit breaker open after ${consecutiveFailures} consecutive failures; next probe allowed in ${retryInMs} ms`,
      { mayHaveRun: false },
    );
    this.consecutiveFailures = consecutiveFailures;
  }
}

/** The child process could not start, or exited before it was ready. */
export class SpawnError extends MultifrostError {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last lines the child wrote to stderr. */
  readonly stderrTail: string;

  constructor(
    message: string,
    exitCode: number | null,
    signal: string | null,
    stderrTail: string,
    options: MultifrostErrorOptions = {},
  ) {
    const detail = stderrTail.trim() === '' ? '' : `\n--- child stderr (tail) ---\n${stderrTail.trimEnd()}`;
    super(
      ErrorCode.SPAWN,
      `${message} (exit code ${exitCode ?? 'none'}, signal ${signal ?? 'none'})${detail}`,
      options,
    );
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
}

/**
 * A parent with no `profile` pinned probed the child at start-up (a readiness heartbeat in each profile, v3
 * first) and got no answer to any of them: the child stayed silent until the ready timeout, or exited.
 * Code `MF_SPAWN`, like every start-up failure; `probes` names the profiles tried, in the order sent.
 * @see MF-PROF-6
 */
export class ProfileProbeError extends SpawnError {
  /** The profiles whose readiness heartbeat went unanswered, in the order they were sent. */
  readonly probes: readonly string[];
  /** `timeout`: silent until the ready timeout; `exited`: the child exited first. */
  readonly outcome: 'timeout' | 'exited';

  constructor(
    message: string,
    details: {
      probes: readonly string[];
      outcome: 'timeout' | 'exited';
      exitCode: number | null;
      signal: string | null;
      stderrTail: string;
    },
    options: MultifrostErrorOptions = {},
  ) {
    super(message, details.exitCode, details.signal, details.stderrTail, options);
    this.probes = details.probes;
    this.outcome = details.outcome;
  }
}

/** A socket-level failure: bind, connect or send failed. */
export class ConnectionError extends MultifrostError {
  /** The underlying transport code, e.g. `EADDRINUSE`, `EBUSY`, when known. */
  readonly transportCode: string | undefined;

  constructor(message: string, transportCode?: string, options: MultifrostErrorOptions = {}) {
    super(ErrorCode.CONNECTION, message, options);
    this.transportCode = transportCode;
  }
}

/** The peer violated the protocol. */
export class ProtocolError extends MultifrostError {
  /** The spec clause that was violated, when known (e.g. `MF-MSG-3`). */
  readonly clause: string | undefined;

  constructor(message: string, clause?: string, options: MultifrostErrorOptions = {}) {
    super(ErrorCode.PROTOCOL, clause === undefined ? message : `${message} [${clause}]`, options);
    this.clause = clause;
  }
}

/** The worker stopped, or its child exited, while the call was pending. */
export class WorkerStoppedError extends MultifrostError {
  constructor(message: string, mayHaveRun: boolean) {
    super(ErrorCode.WORKER_STOPPED, message, { mayHaveRun });
  }
}

/** `maxInFlight` calls were already waiting for replies: this one was not sent (it never ran). */
export class TooManyCallsError extends MultifrostError {
  readonly limit: number;

  constructor(functionName: string, limit: number) {
    super(
      ErrorCode.TOO_MANY_CALLS,
      `${functionName} not sent: ${limit} calls already in flight (maxInFlight); retry when one settles`,
      { mayHaveRun: false },
    );
    this.limit = limit;
  }
}

/**
 * A second peer is connected to a spawn-mode parent's socket (without CURVE nothing tells it from the child):
 * the call was not sent, or was in flight when the peer appeared and its answer could be the other peer's.
 * @see MF-SEC-9
 */
export class UnverifiedPeerError extends MultifrostError {
  /** Connections open on the socket when the call failed. */
  readonly peers: number;

  constructor(message: string, peers: number, mayHaveRun: boolean) {
    super(ErrorCode.UNVERIFIED_PEER, message, { mayHaveRun });
    this.peers = peers;
  }
}

/** The caller passed an invalid option or argument. */
export class InvalidArgumentError extends MultifrostError {
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(ErrorCode.INVALID_ARGUMENT, `${argument}: ${message}`);
    this.argument = argument;
  }
}

/** Context of a registry failure: which files and which owner were involved. */
export interface RegistryErrorDetails {
  /** The registry file (`<base>/services.json`). */
  registryPath?: string;
  /** The lock file (`<base>/services.lock`). */
  lockPath?: string;
  /** Where an unreadable registry file was moved aside to (MF-REG-7). */
  movedToPath?: string;
  serviceId?: string;
  /** The pid holding the lock or the service id, when known. */
  holderPid?: number;
}

/** The registry could not be read, locked or written. */
export class RegistryError extends MultifrostError {
  readonly details: RegistryErrorDetails;

  constructor(
    code: typeof ErrorCode.REGISTRY | typeof ErrorCode.ALREADY_REGISTERED | typeof ErrorCode.SERVICE_NOT_FOUND,
    message: string,
    options: MultifrostErrorOptions & { details?: RegistryErrorDetails } = {},
  ) {
    super(code, message, options);
    this.details = options.details ?? {};
  }
}

/** An operation on a closed socket or worker. */
export class ClosedError extends MultifrostError {
  constructor(what: string) {
    super(ErrorCode.CLOSED, `${what} is closed`);
  }
}
