/**
 * The state of a ParentWorker and what changes it: start-up, stop, manual restart, a child's exit, a hung
 * child, and messages from the child. The ParentWorker class is the public face over this.
 * @see MF-LIFE-4, MF-LIFE-5, MF-LIFE-8, MF-LIFE-9, MF-LIFE-10, MF-LIFE-11
 */
import { InvalidArgumentError, type MultifrostError, WorkerStoppedError } from '../../errors.js';
import type { Message } from '../../protocol/message.js';
import type { Clock } from '../../time/clock.js';
import { defaultTransport } from '../../transport/default-transport.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../../protocol/codec.js';
import { type Transport, endpointPort, loopbackEndpoint, maxMessageBytesFor } from '../../transport/transport.js';
import type { ExitInfo, LaunchedProcess } from '../shared/process-launcher.js';
import type { ChildSupervisor } from './child-supervisor.js';
import type { OutputSink, ResolvedParentOptions } from './parent-options.js';
import type { ParentParts } from './parent-parts.js';

export type Mode =
  | { kind: 'spawn'; supervisor: ChildSupervisor }
  | { kind: 'connect'; serviceId: string; port: number; curvePublicKey?: string };
export type State = 'new' | 'starting' | 'running' | 'failed' | 'stopping' | 'stopped';

export interface LifecycleConfig {
  name: string;
  options: ResolvedParentOptions;
  clock: Clock;
  transport: Transport | undefined;
  sink: OutputSink;
}

export class ParentLifecycle {
  state: State = 'new';
  mode: Mode | undefined;
  private failure: MultifrostError | undefined;
  private stopping: Promise<void> | undefined;
  private restarting: Promise<void> | undefined;
  /** Set once the parts exist (they need this object's callbacks first). */
  parts!: ParentParts;

  constructor(readonly config: LifecycleConfig) {}

  readonly isRunning = (): boolean => this.state === 'running';

  async start(): Promise<void> {
    if (this.state !== 'new') throw new InvalidArgumentError('start', `worker is ${this.state}`);
    const mode = this.mode;
    if (mode === undefined) throw new InvalidArgumentError('start', 'worker has no mode');
    const { channel, events, readiness } = this.parts;
    this.state = 'starting';
    // The transport drops a frame over the limit before buffering it (MF-SEC-3); the codec checks the payload.
    const maxMessageBytes = maxMessageBytesFor(this.config.options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES);
    const transport = this.config.transport ?? (await defaultTransport());
    const socket = this.parts.security.dealer(transport, mode, { maxMessageBytes });
    channel.use(socket);
    try {
      let launched: LaunchedProcess | undefined;
      if (mode.kind === 'spawn') {
        const endpoint = await socket.bind(loopbackEndpoint(0));
        channel.listen();
        launched = mode.supervisor.launch(endpointPort(endpoint) ?? 0);
        events.emit({ type: 'started', endpoint, pid: launched.pid });
      } else {
        const endpoint = loopbackEndpoint(mode.port, this.config.options.connectHost);
        await socket.connect(endpoint);
        channel.listen();
        events.emit({ type: 'started', endpoint, pid: undefined });
      }
      await readiness.waitReady(launched);
    } catch (error) {
      if ((this.state as State) === 'stopping') throw error; // stop() came during start-up and releases everything itself
      if (mode.kind === 'spawn') await mode.supervisor.kill();
      this.state = 'stopped';
      await channel.close();
      throw error;
    }
    this.state = 'running';
    this.parts.heartbeat.start();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /**
   * Manual restart (spawn mode): pending calls are rejected, the child is stopped as stop() would, a new one
   * launched and awaited; the breaker is reset. A failed worker (restart budget spent) runs again after it.
   */
  restart(): Promise<void> {
    const mode = this.mode;
    if (mode?.kind !== 'spawn')
      return Promise.reject(
        new InvalidArgumentError('restart', 'connect mode has no child to restart: use resetBreaker()'),
      );
    if (this.state !== 'running' && this.state !== 'failed')
      return Promise.reject(new InvalidArgumentError('restart', `worker is ${this.state}`));
    this.restarting ??= this.replaceChild(mode.supervisor).finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private async replaceChild(supervisor: ChildSupervisor): Promise<void> {
    const { calls, channel, events, heartbeat } = this.parts;
    const { options } = this.config;
    this.state = 'starting'; // no calls, no automatic restart while the child is replaced
    heartbeat.stop();
    calls.rejectAll((call) => `worker restarted while ${call.functionName} was pending`);
    events.emit({ type: 'restarting', attempt: 0, delayMs: 0 });
    let launched: LaunchedProcess;
    try {
      launched = await supervisor.replace(() => channel.sendShutdown(), options.stopGraceMs, options.stopTermMs);
    } catch (error) {
      if ((this.state as State) !== 'starting') return; // stopped meanwhile
      this.state = 'running';
      this.fail(error as MultifrostError);
      throw error;
    }
    if ((this.state as State) !== 'starting') return;
    this.state = 'running';
    this.failure = undefined;
    calls.resetBreaker();
    events.emit({ type: 'restarted', attempt: 0, pid: launched.pid });
    heartbeat.start();
  }

  /** Output of the child: forwarded lines and (spawn mode) its raw stdout/stderr. */
  sinkOutput(stream: 'stdout' | 'stderr', text: string): void {
    this.config.sink(stream, text, this.config.name);
  }

  handleMessage(message: Message): void {
    const { calls, readiness, heartbeat } = this.parts;
    switch (message.type) {
      case 'response':
        return calls.settleResponse(message);
      case 'error':
        return calls.settleError(message);
      case 'heartbeat':
        if (!readiness.handleEcho(message.id)) heartbeat.handleEcho(message.id);
        return;
      case 'stdout':
      case 'stderr':
        if (typeof message.output === 'string') this.sinkOutput(message.type, message.output);
        return;
      default:
        return; // CALL and SHUTDOWN are not for a parent; unknown types are ignored (MF-MSG-5).
    }
  }

  /** The configured heartbeats in a row went unanswered: a live but hung child is killed when autoRestart is on. */
  onMaxMisses(misses: number): void {
    if (this.state !== 'running' || this.mode?.kind !== 'spawn') return;
    const supervisor = this.mode.supervisor;
    const restarting = this.config.options.autoRestart && supervisor.current?.exited === undefined;
    this.parts.events.emit({ type: 'child-hung', misses, pid: supervisor.pid, restarting });
    if (restarting) supervisor.killHung(); // its exit takes the unexpected-exit path: restart with backoff
  }

  onChildExit(info: ExitInfo, launched: LaunchedProcess): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    const { calls, events, heartbeat } = this.parts;
    events.emit({ type: 'child-exited', code: info.code, signal: info.signal, expected: false });
    heartbeat.stop();
    const how = `exited (code ${info.code ?? 'none'}, signal ${info.signal ?? 'none'})`;
    calls.rejectAll((call) => `child ${how} while ${call.functionName} was pending`);
    if (this.state === 'starting') return; // start() or restart() reports it as a SpawnError.
    calls.recordFailure('child-exit');
    if (this.config.options.autoRestart && this.mode?.kind === 'spawn') this.mode.supervisor.scheduleRestart(launched);
    else this.fail(new WorkerStoppedError(`child ${how}; autoRestart is off`, false));
  }

  fail(error: MultifrostError): void {
    this.state = 'failed';
    this.failure = error;
    this.parts.calls.rejectAll((call) => `${error.message} (${call.functionName})`);
  }

  notRunningError(): MultifrostError {
    if (this.state === 'failed' && this.failure !== undefined)
      return new WorkerStoppedError(this.failure.message, false);
    const name = this.config.name;
    return new WorkerStoppedError(`worker ${name} is ${this.state === 'new' ? 'not started' : this.state}`, false);
  }

  private async shutdown(): Promise<void> {
    const { calls, channel, events, heartbeat, readiness } = this.parts;
    const previous = this.state;
    this.state = 'stopping';
    if (this.mode?.kind === 'spawn') this.mode.supervisor.cancelRestart();
    readiness.abort();
    heartbeat.stop();
    calls.rejectAll((call) => `worker stopped while ${call.functionName} was pending`);
    if (previous !== 'new' && this.mode?.kind === 'spawn') {
      const { stopGraceMs, stopTermMs } = this.config.options;
      await this.mode.supervisor.stopChild(() => channel.sendShutdown(), stopGraceMs, stopTermMs);
    }
    await channel.close();
    this.state = 'stopped';
    events.emit({ type: 'stopped' });
    events.clear();
  }
}
