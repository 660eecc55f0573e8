/** Structured logging: the Logger interface, the built-in loggers and the drop-log rate limit. */
export { silentLogger, jsonLinesLogger, messageFirst, isLogLevel, LOG_LEVELS } from './logger.js';
export type { Logger, LogLevel, LogFields, LogMethod, JsonLinesLoggerOptions, MessageFirstLogger } from './logger.js';
export { RateLimit } from './rate-limit.js';
export type { RateLimitOptions } from './rate-limit.js';
