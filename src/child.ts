/**
 * multifrost-conform/child: the entry point for worker scripts. It loads only what a ChildWorker needs
 * (the protocol core, the ZeroMQ transport on start), not the parent, launcher or registry code of the main
 * entry point, so a worker process starts measurably faster. The same names are on the main entry too.
 */
export { ChildWorker, ENV_LOG_LEVEL, ENV_PORT, ENV_WORKER_MODE } from './worker/child/child-worker.js';
export { silentLogger, jsonLinesLogger, messageFirst } from './logging/logger.js';
export type { Logger, LogLevel, LogFields } from './logging/logger.js';
export type { ChildWorkerOptions, CallContext } from './worker/child/child-worker.js';
export type { ChildHost, StopSignal } from './worker/child/child-host.js';
export type { ServiceRegistration } from './worker/shared/service-registration.js';
export type { Transport } from './transport/transport.js';
export type { Clock } from './time/clock.js';
export type { ProfileName } from './protocol/profile.js';
export { MultifrostError, InvalidArgumentError } from './errors.js';
