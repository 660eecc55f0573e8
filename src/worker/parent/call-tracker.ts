/**
 * Every call from send to settlement: admission through the circuit breaker, the pending-call table, and
 * the metrics and breaker bookkeeping of each outcome (reply, remote error, timeout, failed send, stop).
 * @see MF-CALL-12, MF-CALL-13, MF-CB-1 .. MF-CB-8
 */
import {
  CircuitOpenError,
  ConnectionError,
  MultifrostError,
  ProtocolError,
  RemoteCallError,
  TimeoutError,
  UnverifiedPeerError,
  WorkerStoppedError,
} from '../../errors.js';
import type { ErrorMessage, ResponseMessage } from '../../protocol/message.js';
import { unportableValue } from '../../protocol/validate.js';
import type { Clock } from '../../time/clock.js';
import type { CallOptions } from './call-proxy.js';
import type { CircuitBreaker, FailureKind, Transition } from './circuit-breaker.js';
import type { WorkerEvents } from './events.js';
import type { Metrics } from './metrics.js';
import type { ParentChannel } from './parent-channel.js';
import { PendingCalls } from './pending-calls.js';

export interface CallTrackerOptions {
  clock: Clock;
  channel: ParentChannel;
  breaker: CircuitBreaker;
  metrics: Metrics;
  events: WorkerEvents;
  /** Whether a failed send counts against the breaker (not once the worker is stopping). */
  isRunning: () => boolean;
}

export class CallTracker {
  private readonly pending: PendingCalls;
  private readonly clock: Clock;
  private readonly channel: ParentChannel;
  private readonly breaker: CircuitBreaker;
  private readonly metrics: Metrics;
  private readonly events: WorkerEvents;
  private readonly isRunning: () => boolean;

  constructor(options: CallTrackerOptions) {
    this.clock = options.clock;
    this.channel = options.channel;
    this.breaker = options.breaker;
    this.metrics = options.metrics;
    this.events = options.events;
    this.isRunning = options.isRunning;
    this.pending = new PendingCalls(this.clock, (call, timeoutMs) => {
      this.metrics.timeouts++;
      this.metrics.requestsFailed++;
      this.recordFailure('timeout');
      return new TimeoutError(`call ${call.functionName} (id ${call.id})`, timeoutMs);
    });
  }

  /** Calls waiting for a reply. */
  get size(): number {
    return this.pending.size;
  }

  /** Sends one CALL and returns the promise of its result; rejects at once when the breaker is open. */
  send(
    functionName: string,
    args: unknown[],
    callOptions: CallOptions | undefined,
    timeoutMs: number | undefined,
  ): Promise<unknown> {
    const admission = this.breaker.admit(this.clock.nowMs(), this.onBreakerTransition);
    if (!admission.allowed) {
      this.metrics.requestsRefused++;
      return Promise.reject(new CircuitOpenError(this.breaker.consecutiveFailures, admission.retryInMs));
    }
    const id = this.channel.newId();
    let payload: Buffer;
    try {
      payload = this.channel.encodeCall(id, functionName, args, callOptions);
    } catch (error) {
      if (admission.probe) this.breaker.releaseProbe();
      return Promise.reject(error);
    }
    this.metrics.requestsTotal++;
    const alone = this.pending.size === 0;
    const result = this.pending.add(id, functionName, timeoutMs, admission.probe);
    this.channel.postCall(payload, (error) => this.failSend(id, error), !alone);
    return result;
  }

  /** Settles a call with its RESPONSE; a late or unknown id is ignored (MF-CALL-12). */
  settleResponse(message: ResponseMessage): void {
    const call = this.pending.take(message.id);
    if (call === undefined) return;
    this.metrics.recordLatency(this.clock.nowMs() - call.startedAtMs);
    const unportable = unportableValue(message);
    if (unportable !== undefined) {
      // Refused rather than changed: JavaScript would turn the key 1 into "1" and has no form for an extension.
      this.metrics.requestsFailed++;
      this.recordFailure('remote');
      call.reject(
        new ProtocolError(
          `the result of ${call.functionName} holds a value outside the portable set at ${unportable}; it is refused rather than delivered changed`,
          'MF-VAL-14',
        ),
      );
      return;
    }
    this.metrics.requestsSuccess++;
    this.breaker.recordSuccess(this.onBreakerTransition);
    call.resolve(message.result ?? null);
  }

  /** Rejects a call with the remote ERROR it received. */
  settleError(message: ErrorMessage): void {
    const call = this.pending.take(message.id);
    if (call === undefined) return;
    this.metrics.recordLatency(this.clock.nowMs() - call.startedAtMs);
    this.metrics.requestsFailed++;
    this.recordFailure('remote');
    const text =
      typeof message.error === 'string' && message.error !== '' ? message.error : 'remote error without a message';
    const traceback = typeof message.traceback === 'string' ? message.traceback : undefined;
    call.reject(new RemoteCallError(call.functionName, text, traceback));
  }

  /** Rejects every pending call exactly once with a WorkerStoppedError (the call may have run). */
  rejectAll(describe: (call: { functionName: string }) => string): void {
    this.pending.rejectAll((call) => {
      this.metrics.requestsFailed++;
      if (call.probe) this.breaker.releaseProbe();
      return new WorkerStoppedError(describe(call), true);
    });
  }

  /** Rejects every pending call exactly once with the error `make` gives (not counted by the breaker). */
  rejectAllWith(make: (functionName: string) => Error): void {
    this.pending.rejectAll((call) => {
      this.metrics.requestsFailed++;
      if (call.probe) this.breaker.releaseProbe();
      return make(call.functionName);
    });
  }

  recordFailure(kind: FailureKind): void {
    this.breaker.recordFailure(kind, this.clock.nowMs(), this.onBreakerTransition);
  }

  /** Closes the breaker by hand (reported as `breaker-changed` when it moves). */
  resetBreaker(): void {
    this.breaker.reset(this.onBreakerTransition);
  }

  private failSend(id: string, error: unknown): void {
    const call = this.pending.take(id);
    if (call === undefined) return;
    this.metrics.requestsFailed++;
    // A call the peer guard kept back was never sent: no failure of the child's (MF-SEC-9).
    if (this.isRunning() && !(error instanceof UnverifiedPeerError)) this.recordFailure('transport');
    const code = error instanceof ConnectionError ? error.transportCode : undefined;
    const reason = error instanceof Error ? error.message : String(error);
    call.reject(
      error instanceof MultifrostError
        ? error
        : new ConnectionError(`could not send ${call.functionName}: ${reason}`, code, { cause: error }),
    );
  }

  private readonly onBreakerTransition = (transition: Transition): void => {
    this.events.emit({
      type: 'breaker-changed',
      from: transition.from,
      to: transition.to,
      failures: transition.failures,
    });
  };
}
