import type { Clock } from '../../time/clock.js';
import type { Frames } from '../transport.js';
import type { PipeDirection } from './pipe.js';
import type { SimPipe } from './sim-socket.js';

/** One message (or one copy of it) on its way. */
export interface Delivery {
  readonly seq: number;
  readonly pipe: SimPipe;
  readonly direction: PipeDirection;
  readonly frames: Frames;
  /** 0 for the original, 1.. for duplicates. */
  readonly copy: number;
  /** Process to crash instead of delivering (a `crash` fault). */
  readonly crash: string | undefined;
}

/**
 * Delivers messages through the clock, batched: all messages due in the same millisecond share one timer
 * (so a burst of a million sends costs one timer per tick, not one per message), and are delivered in the
 * order they were scheduled. Never delivers synchronously inside `schedule`.
 */
export class DeliveryScheduler {
  private readonly clock: Clock;
  private readonly deliver: (delivery: Delivery) => void;
  private readonly batches = new Map<number, Delivery[]>();

  constructor(clock: Clock, deliver: (delivery: Delivery) => void) {
    this.clock = clock;
    this.deliver = deliver;
  }

  /** Number of messages scheduled and not yet delivered. */
  get pending(): number {
    let count = 0;
    for (const batch of this.batches.values()) count += batch.length;
    return count;
  }

  /** Schedules a delivery at `dueMs` (virtual or monotonic ms), rounded up to a whole millisecond. */
  schedule(dueMs: number, delivery: Delivery): void {
    const key = Math.ceil(dueMs);
    const batch = this.batches.get(key);
    if (batch !== undefined) {
      batch.push(delivery);
      return;
    }
    const fresh = [delivery];
    this.batches.set(key, fresh);
    this.clock.setTimer(key - this.clock.nowMs(), () => {
      this.batches.delete(key);
      for (let i = 0; i < fresh.length; i++) this.deliver(fresh[i]!);
    });
  }
}
