/**
 * multifrost-conform: the reference TypeScript implementation of the Multifrost protocol.
 * This barrel lists every public name of the main entry point; the simulator is under `./sim`, the protocol
 * core under `./protocol` and the conformance kit under `./conform`.
 */
export { ParentWorker } from './worker/parent/parent-worker.js';
export type { WorkerHandle } from './worker/parent/parent-worker.js';
export type { ParentWorkerOptions, OutputSink } from './worker/parent/parent-options.js';
export type { CallOptions, CallProxy, RemoteApi, UntypedApi } from './worker/parent/call-proxy.js';
export { ChildWorker, ENV_LOG_LEVEL, ENV_PORT, ENV_WORKER_MODE } from './worker/child/child-worker.js';
export type { ChildWorkerOptions, CallContext } from './worker/child/child-worker.js';
export type { ChildHost, StopSignal } from './worker/child/child-host.js';
export type { WorkerEvent, WorkerEventListener } from './worker/parent/events.js';
export type { MetricsSnapshot, SeedMetrics } from './worker/parent/metrics.js';
export { PROMETHEUS_CONTENT_TYPE } from './worker/parent/metrics-text.js';
export type { SeedParentOptions } from './worker/parent/seed-options.js';
export { silentLogger, jsonLinesLogger, messageFirst } from './logging/logger.js';
export type {
  Logger,
  LogLevel,
  LogFields,
  LogMethod,
  JsonLinesLoggerOptions,
  MessageFirstLogger,
} from './logging/logger.js';
export type { RateLimitOptions } from './logging/rate-limit.js';
export type { BreakerState, FailureKind } from './worker/parent/circuit-breaker.js';
export type {
  ProcessLauncher,
  LaunchSpec,
  LaunchedProcess,
  ExitInfo,
  OutputStream,
} from './worker/shared/process-launcher.js';
export { NodeProcessLauncher } from './worker/parent/node-launcher.js';
export type { ServiceRegistration, ServiceDiscovery } from './worker/shared/service-registration.js';
export { ZmqTransport } from './transport/zmq/index.js';
export type { Transport, Socket, SocketOptions, SocketRole, Frames } from './transport/transport.js';
export { RealClock, realClock } from './time/real-clock.js';
export type { Clock, TimerHandle } from './time/clock.js';
export type { ProfileName } from './protocol/profile.js';
export {
  ErrorCode,
  MultifrostError,
  DecodeError,
  EncodeError,
  PayloadTooLargeError,
  RemoteCallError,
  TimeoutError,
  CircuitOpenError,
  SpawnError,
  ProfileProbeError,
  ConnectionError,
  ProtocolError,
  WorkerStoppedError,
  InvalidArgumentError,
  TooManyCallsError,
  UnverifiedPeerError,
  RegistryError,
  ClosedError,
} from './errors.js';
export type { DecodeReason, MultifrostErrorOptions } from './errors.js';
export { ServiceRegistry, FileRegistryStore, MemoryRegistryStore, resolveRegistryOptions } from './registry/index.js';
export type { RegistryOptions, RegistryEntry, RegistryStore, DiscoverOptions } from './registry/index.js';
export type { RegistryErrorDetails } from './errors.js';
