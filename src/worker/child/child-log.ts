/**
 * The child's logger: the `logger` option, else JSON lines at `MULTIFROST_LOG_LEVEL` on the process's own
 * stderr (never forwarded as the user's output), else silent. Dropped-message warnings are rate-limited.
 */
import { type LogFields, type Logger, jsonLinesLogger, silentLogger } from '../../logging/logger.js';
import { isLogLevel } from '../../logging/logger.js';
import { RateLimit, type RateLimitOptions } from '../../logging/rate-limit.js';
import type { Clock } from '../../time/clock.js';
import { ENV_LOG_LEVEL } from '../shared/environment.js';
import type { ChildHost } from './child-host.js';

/**
 * Call sites check `enabled(level)` before they build a field object, so a disabled level costs one call. No
 * call site is on the per-call path.
 */
export class ChildLog {
  readonly logger: Logger;
  private readonly drops: RateLimit;

  constructor(host: ChildHost, clock: Clock, logger: Logger | undefined, dropLimit: RateLimitOptions | undefined) {
    this.logger = logger ?? fromEnvironment(host, clock);
    this.drops = new RateLimit(clock, dropLimit);
  }

  enabled(level: 'debug' | 'info' | 'warn' | 'error'): boolean {
    return this.logger.isLevelEnabled?.(level) ?? true;
  }

  debug(message: string, fields: LogFields = {}): void {
    this.logger.debug(fields, message);
  }

  info(message: string, fields: LogFields = {}): void {
    this.logger.info(fields, message);
  }

  warn(message: string, fields: LogFields = {}): void {
    this.logger.warn(fields, message);
  }

  error(message: string, fields: LogFields = {}): void {
    this.logger.error(fields, message);
  }

  /** A dropped inbound message: at most `max` warnings per interval, the rest counted into the next one. */
  dropped(reason: string, field: string | undefined, detail: string): void {
    if (!this.enabled('warn')) return;
    const taken = this.drops.take();
    if (!taken.ok) return;
    this.logger.warn({ reason, field, detail, suppressed: taken.suppressed }, 'dropped message');
  }
}

function fromEnvironment(host: ChildHost, clock: Clock): Logger {
  const level = host.env(ENV_LOG_LEVEL);
  if (level === undefined || level === '') return silentLogger;
  return jsonLinesLogger({
    level: isLogLevel(level) ? level : 'info',
    write: (line) => host.writeRaw('stderr', line),
    base: { pid: host.pid },
    now: () => clock.epochMs(),
  });
}
