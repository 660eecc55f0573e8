/**
 * The parent's log: every lifecycle event, as one structured entry, through the `logger` option. Nothing is
 * subscribed for the silent default, and a disabled level returns before any field object is built, so a
 * quiet worker pays nothing. Calls themselves are never logged (they are the hot path; metrics count them).
 * Dropped messages are rate-limited (`dropLogLimit`): what is held back is reported as `suppressed`.
 */
import { type LogFields, type LogLevel, type Logger, silentLogger } from '../../logging/logger.js';
import { RateLimit, type RateLimitOptions } from '../../logging/rate-limit.js';
import type { Clock } from '../../time/clock.js';
import type { WorkerEvent, WorkerEvents } from './events.js';

/** Level and message of each event type (a breaker closing is logged at info). */
const ENTRIES: Readonly<Record<WorkerEvent['type'], readonly [LogLevel, string]>> = {
  started: ['info', 'worker started'],
  'profile-chosen': ['debug', 'profile chosen'],
  ready: ['info', 'child ready'],
  'heartbeat-rtt': ['debug', 'heartbeat answered'],
  'heartbeat-missed': ['warn', 'heartbeat missed'],
  'breaker-changed': ['warn', 'circuit breaker moved'],
  'child-exited': ['warn', 'child exited unexpectedly'],
  'child-hung': ['error', 'child not answering heartbeats'],
  restarting: ['warn', 'restarting child'],
  restarted: ['info', 'child restarted'],
  'restart-gave-up': ['error', 'restart budget spent: worker failed'],
  'message-dropped': ['warn', 'dropped message'],
  'unverified-peer': ['warn', 'more than one peer on the spawn-mode socket'],
  'peer-refused': ['warn', 'peer refused by the CURVE handshake'],
  stopped: ['debug', 'worker stopped'],
};

export function attachWorkerLogging(
  events: WorkerEvents,
  logger: Logger | undefined,
  clock: Clock,
  workerName: string,
  dropLimit: RateLimitOptions | undefined,
): void {
  if (logger === undefined || logger === silentLogger) return;
  const drops = new RateLimit(clock, dropLimit);
  events.subscribe((event) => {
    const entry = ENTRIES[event.type];
    let level = entry[0];
    if (event.type === 'breaker-changed' && event.to === 'closed') level = 'info';
    if (logger.isLevelEnabled !== undefined && !logger.isLevelEnabled(level)) return;
    let suppressed: number | undefined;
    if (event.type === 'message-dropped') {
      const taken = drops.take();
      if (!taken.ok) return;
      suppressed = taken.suppressed;
    }
    const { type, ...rest } = event;
    const fields: LogFields = { worker: workerName, event: type, ...rest };
    if ('error' in rest && rest.error instanceof Error) fields['error'] = rest.error.message;
    if (suppressed !== undefined) fields['suppressed'] = suppressed;
    logger[level](fields, entry[1]);
  });
}
