/**
 * Readiness: a child is ready once it has echoed a heartbeat probe, so start-up needs no fixed sleep
 * (MF-LIFE-10, MF-LIFE-11). The wait ends with the echo, the child's exit, the ready timeout, or stop().
 */
import { SpawnError, WorkerStoppedError } from '../../errors.js';
import type { Clock } from '../../time/clock.js';
import type { ExitInfo, LaunchedProcess } from '../shared/process-launcher.js';
import type { WorkerEvents } from './events.js';

export interface ReadinessProbeOptions {
  clock: Clock;
  /** How long a wait lasts before the child counts as silent, ms. */
  readyTimeoutMs: number;
  /** The worker's name, for error messages. */
  workerName: string;
  events: WorkerEvents;
  newId: () => string;
  sendHeartbeat: (id: string, sentAtEpochMs: number) => void;
}

export class ReadinessProbe {
  private waiter: { id: string; resolve: () => void } | undefined;
  /** Ends a wait at once (its timer too) when stop() comes first: nothing of it may outlive stop(). */
  private abortWait: (() => void) | undefined;

  constructor(private readonly options: ReadinessProbeOptions) {}

  /** Takes a heartbeat echo; true when it answered the probe (and is not for the heartbeat monitor). */
  handleEcho(id: string): boolean {
    if (this.waiter?.id !== id) return false;
    this.waiter.resolve();
    return true;
  }

  /** Ends the current wait, if any, with a WorkerStoppedError. */
  abort(): void {
    this.abortWait?.();
  }

  /**
   * Sends a heartbeat probe and waits for its echo, the child's exit (`launched`; none in connect mode), or
   * the ready timeout. Emits `ready` on success.
   * @throws SpawnError when the child exits or stays silent; WorkerStoppedError when aborted.
   */
  async waitReady(launched: LaunchedProcess | undefined): Promise<void> {
    const { clock, readyTimeoutMs, workerName } = this.options;
    const startedAtMs = clock.nowMs();
    const id = this.options.newId();
    const echoed = new Promise<'ready'>((resolve) => {
      this.waiter = { id, resolve: () => resolve('ready') };
    });
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = clock.setTimer(readyTimeoutMs, () => resolve('timeout'));
    });
    const stopped = new Promise<'stopped'>((resolve) => {
      this.abortWait = () => {
        timer?.cancel();
        resolve('stopped');
      };
    });
    const exited = launched === undefined ? new Promise<never>(() => undefined) : launched.exit;
    this.options.sendHeartbeat(id, clock.epochMs());
    const outcome = await Promise.race([echoed, timedOut, exited, stopped]);
    timer?.cancel();
    this.waiter = undefined;
    this.abortWait = undefined;
    if (outcome === 'stopped') throw new WorkerStoppedError(`worker ${workerName} was stopped before it was ready`, false);
    if (outcome === 'ready') {
      this.options.events.emit({ type: 'ready', afterMs: clock.nowMs() - startedAtMs });
      return;
    }
    const tail = launched?.stderrTail() ?? '';
    if (outcome === 'timeout') {
      throw new SpawnError(`worker ${workerName} did not answer within ${readyTimeoutMs} ms`, launched?.exited?.code ?? null, null, tail);
    }
    const info = outcome as ExitInfo;
    const why = info.error === undefined ? 'exited before it was ready' : `could not be started: ${info.error.message}`;
    throw new SpawnError(`worker ${workerName} ${why}`, info.code, info.signal, tail, { cause: info.error });
  }
}
