/**
 * Everything that happens to a worker, as one discriminated union. Steps, reports, metrics and user
 * code read the same events (`worker.on('event', ...)` style via {@link WorkerEvents.subscribe}).
 */
import type { ProfileName } from '../../protocol/profile.js';
import type { BreakerState } from './circuit-breaker.js';

export type WorkerEvent =
  | { type: 'started'; endpoint: string; pid: number | undefined }
  /**
   * The child answered a readiness probe in `profile`, which the parent speaks from now on; `probed` is false
   * when the `profile` option pinned it. Comes before `ready`, at start-up and after every restart. @see MF-PROF-7
   */
  | { type: 'profile-chosen'; profile: ProfileName; probed: boolean }
  | { type: 'ready'; afterMs: number }
  | { type: 'heartbeat-rtt'; rttMs: number }
  | { type: 'heartbeat-missed'; misses: number; maxMisses: number }
  | { type: 'breaker-changed'; from: BreakerState; to: BreakerState; failures: number }
  | { type: 'child-exited'; code: number | null; signal: string | null; expected: boolean }
  /** Heartbeats went unanswered `misses` times in a row while the child was alive; with autoRestart it is killed. */
  | { type: 'child-hung'; misses: number; pid: number | undefined; restarting: boolean }
  /** `attempt` 0 is a manual `restart()`; 1.. count automatic attempts since the last success. */
  | { type: 'restarting'; attempt: number; delayMs: number }
  | { type: 'restarted'; attempt: number; pid: number | undefined }
  | { type: 'restart-gave-up'; attempts: number; error: Error }
  | { type: 'message-dropped'; reason: string; detail: string }
  /**
   * Spawn mode without CURVE: `peers` connections are open on the parent's socket, where only the child should
   * be (more than one: calls are not sent; back to one: they are again). @see MF-SEC-9
   */
  | { type: 'unverified-peer'; peers: number; detail: string }
  /** A peer failed the CURVE handshake and was refused (a stranger, or a wrong key). @see MF-SEC-5 */
  | { type: 'peer-refused'; detail: string }
  | { type: 'stopped' };

export type WorkerEventListener = (event: WorkerEvent) => void;

/** A tiny synchronous event hub; a throwing listener never breaks the worker. */
export class WorkerEvents {
  private readonly listeners = new Set<WorkerEventListener>();

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: WorkerEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: WorkerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not take the worker down; listeners report their own errors.
      }
    }
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  clear(): void {
    this.listeners.clear();
  }
}
