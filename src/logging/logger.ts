/**
 * Structured logging: a small pluggable interface. Its call shape is pino's and bunyan's (fields first, then
 * the message), so a pino or bunyan logger, and `console`, plug in as they are; a message-first logger such
 * as winston takes the one-line {@link messageFirst} wrapper. The default everywhere is {@link silentLogger}.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Structured data of one entry; values should be JSON-serialisable. */
export type LogFields = Record<string, unknown>;

export type LogMethod = (fields: LogFields, message: string) => void;

export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /**
   * Optional, as pino and winston have it: when present, disabled levels are skipped before any field object
   * is built. Without it every level is taken as enabled.
   */
  isLevelEnabled?(level: string): boolean;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SEVERITY, value);
}

const ignore: LogMethod = () => undefined;

/** Logs nothing, and says so: callers skip building fields for it. The default. */
export const silentLogger: Logger = Object.freeze({
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  isLevelEnabled: () => false,
});

export interface JsonLinesLoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Where each line goes (with its newline). Default: this process's stderr. */
  write?: (line: string) => void;
  /** Fields added to every entry (e.g. `{ worker: 'math' }`). */
  base?: LogFields;
  /** Wall-clock time in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * One JSON object per line: `{"time":..,"level":"warn","msg":"..",...fields}`, in the keys pino uses, so
 * the same tools read both. Fields that cannot be serialised (a cycle, a BigInt) are replaced by a note.
 */
export function jsonLinesLogger(options: JsonLinesLoggerOptions = {}): Logger {
  const minimum = SEVERITY[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const base = options.base ?? {};
  const now = options.now ?? Date.now;
  const method =
    (level: LogLevel): LogMethod =>
    (fields, message) => {
      if (SEVERITY[level] < minimum) return;
      write(`${serialise({ time: now(), level, msg: message, ...base, ...fields })}\n`);
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    isLevelEnabled: (level) => isLogLevel(level) && SEVERITY[level] >= minimum,
  };
}

function serialise(entry: LogFields): string {
  try {
    return JSON.stringify(entry, (_key, value: unknown) => (value instanceof Error ? errorFields(value) : value));
  } catch (error) {
    const { time, level, msg } = entry;
    return JSON.stringify({ time, level, msg, logError: `fields not serialisable: ${String(error)}` });
  }
}

function errorFields(error: Error): LogFields {
  return { name: error.name, message: error.message, stack: error.stack };
}

/** The shape of a message-first logger (winston: `logger.info(message, meta)`). */
export interface MessageFirstLogger {
  debug(message: string, meta?: LogFields): unknown;
  info(message: string, meta?: LogFields): unknown;
  warn(message: string, meta?: LogFields): unknown;
  error(message: string, meta?: LogFields): unknown;
  isLevelEnabled?(level: string): boolean;
}

/** Adapts a message-first logger: `logger: messageFirst(winstonLogger)`. */
export function messageFirst(target: MessageFirstLogger): Logger {
  return {
    debug: (fields, message) => void target.debug(message, fields),
    info: (fields, message) => void target.info(message, fields),
    warn: (fields, message) => void target.warn(message, fields),
    error: (fields, message) => void target.error(message, fields),
    ...(target.isLevelEnabled === undefined
      ? {}
      : { isLevelEnabled: (level: string) => target.isLevelEnabled!(level) }),
  };
}
