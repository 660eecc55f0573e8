/**
 * Builds the parts a ParentWorker is made of from its options: the channel, breaker, call tracker, heartbeat
 * monitor, readiness probe, restart policy, metrics and events, and (spawn mode) the child supervisor. The
 * worker's lifecycle supplies the few callbacks that need its state.
 */
import { randomBytes } from 'node:crypto';
import { Codec, defaultCodec } from '../../protocol/codec.js';
import type { Message } from '../../protocol/message.js';
import type { Profile } from '../../protocol/profile.js';
import type { Clock } from '../../time/clock.js';
import type { ExitInfo, LaunchedProcess, OutputStream, ProcessLauncher } from '../shared/process-launcher.js';
import type { SpawnError } from '../../errors.js';
import { ParentSecurity } from '../shared/curve-parent.js';
import { CallTracker } from './call-tracker.js';
import { ChildSupervisor } from './child-supervisor.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { WorkerEvents } from './events.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import { Metrics } from './metrics.js';
import { NodeProcessLauncher } from './node-launcher.js';
import { ParentChannel } from './parent-channel.js';
import type { ParentWorkerOptions, ResolvedParentOptions } from './parent-options.js';
import { ReadinessProbe } from './readiness-probe.js';
import { RestartPolicy } from './restart-policy.js';

export interface ParentParts {
  readonly events: WorkerEvents;
  readonly metrics: Metrics;
  readonly channel: ParentChannel;
  readonly breaker: CircuitBreaker;
  readonly calls: CallTracker;
  readonly heartbeat: HeartbeatMonitor;
  readonly readiness: ReadinessProbe;
  readonly restarts: RestartPolicy;
  /** CURVE keys and the spawn-mode second-peer guard (MF-SEC-5..9). */
  readonly security: ParentSecurity;
}

/** What the parts need from the worker's lifecycle. */
export interface PartsHooks {
  isRunning: () => boolean;
  onMessage: (message: Message) => void;
  /** The configured number of heartbeats in a row went unanswered. */
  onMaxMisses: (misses: number) => void;
}

export function createParts(
  name: string,
  given: ParentWorkerOptions,
  options: ResolvedParentOptions,
  clock: Clock,
  hooks: PartsHooks,
): ParentParts {
  const events = new WorkerEvents();
  const metrics = new Metrics();
  // The channel asks the readiness probe about echoes, and the probe sends through the channel.
  const late: { readiness?: ReadinessProbe } = {};
  const channel = new ParentChannel({
    codec:
      given.codec ??
      (options.maxPayloadBytes === undefined ? defaultCodec : new Codec({ maxPayloadBytes: options.maxPayloadBytes })),
    candidates: options.profileCandidates,
    clock,
    idPrefix: options.idPrefix ?? randomBytes(4).toString('hex'),
    events,
    isRunning: hooks.isRunning,
    onMessage: hooks.onMessage,
    isProbeEcho: (id) => late.readiness?.isProbeEcho(id) ?? false,
  });
  const sendHeartbeat = (id: string, sentAtEpochMs: number, profile?: Profile): void => {
    metrics.heartbeatsSent++;
    channel.sendHeartbeat(id, sentAtEpochMs, profile);
  };
  const breaker = new CircuitBreaker({
    failureThreshold: options.maxRestartAttempts,
    cooldownMs: options.breakerCooldownMs,
    countRemoteErrors: options.countRemoteErrors,
  });
  const calls = new CallTracker({ clock, channel, breaker, metrics, events, isRunning: hooks.isRunning });
  const heartbeat = new HeartbeatMonitor({
    clock,
    intervalMs: options.heartbeatIntervalMs,
    timeoutMs: options.heartbeatTimeoutMs,
    maxMisses: options.heartbeatMaxMisses,
    newId: () => channel.newId(),
    send: sendHeartbeat,
    onRtt: (rttMs) => {
      metrics.recordRtt(rttMs);
      events.emit({ type: 'heartbeat-rtt', rttMs });
    },
    onMiss: (misses) => {
      metrics.heartbeatMisses++;
      events.emit({ type: 'heartbeat-missed', misses, maxMisses: options.heartbeatMaxMisses });
    },
    onMaxMisses: (misses) => {
      calls.recordFailure('heartbeat');
      hooks.onMaxMisses(misses);
    },
  });
  const readiness = new ReadinessProbe({
    clock,
    readyTimeoutMs: options.readyTimeoutMs,
    workerName: name,
    events,
    candidates: options.profileCandidates,
    channel,
    sendHeartbeat,
  });
  late.readiness = readiness;
  const restarts = new RestartPolicy({
    maxAttempts: options.maxRestartAttempts,
    baseDelayMs: options.restartBackoffMs,
  });
  const security = new ParentSecurity(given, events, (make) => calls.rejectAllWith(make));
  return { events, metrics, channel, breaker, calls, heartbeat, readiness, restarts, security };
}

/** What a spawn-mode supervisor needs from the worker's lifecycle. */
export interface SupervisorHooks {
  workerName: string;
  isRunning: () => boolean;
  onRawOutput: (stream: OutputStream, line: string) => void;
  onUnexpectedExit: (info: ExitInfo, launched: LaunchedProcess) => void;
  onGaveUp: (error: SpawnError) => void;
}

export function createSupervisor(
  parts: ParentParts,
  options: ResolvedParentOptions,
  clock: Clock,
  command: { command: string; args: string[] },
  launcher: ProcessLauncher | undefined,
  hooks: SupervisorHooks,
): ChildSupervisor {
  return new ChildSupervisor({
    launcher: launcher ?? new NodeProcessLauncher(),
    command,
    env: { ...options.env, ...parts.security.childEnv },
    cwd: options.cwd,
    clock,
    onRawOutput: hooks.onRawOutput,
    onUnexpectedExit: hooks.onUnexpectedExit,
    restart: {
      policy: parts.restarts,
      readiness: parts.readiness,
      events: parts.events,
      workerName: hooks.workerName,
      isRunning: hooks.isRunning,
      onRelaunched: () => parts.metrics.restarts++,
      onRestarted: () => parts.heartbeat.start(),
      onGaveUp: hooks.onGaveUp,
    },
  });
}
