/**
 * What the fault relay reads of a message, and the watch that the worker answers every call it owes a reply.
 */
import { defaultCodec } from '../protocol/codec.js';
import type { CallMessage } from '../protocol/message.js';
import type { Profile } from '../protocol/profile.js';
import { callDefect, decodeMessage } from '../protocol/validate.js';
import { realClock } from '../time/real-clock.js';
import type { Frames } from '../transport/transport.js';

export function describe(frames: Frames): { message: unknown; type: string | undefined; fn: string | undefined } {
  try {
    const message = defaultCodec.decodeValue(frames[frames.length - 1]!);
    const map = (typeof message === 'object' && message !== null ? message : {}) as Record<string, unknown>;
    return {
      message,
      type: typeof map['type'] === 'string' ? map['type'] : undefined,
      fn: typeof map['function'] === 'string' ? map['function'] : undefined,
    };
  } catch {
    return { message: undefined, type: undefined, fn: undefined };
  }
}

/**
 * Watches that the worker answers. A CALL counts only when the worker owes it a reply: well-formed in the
 * run's profile (MF-MSG-*), dispatchable (MF-CALL-1, MF-CALL-3), for the namespace the worker serves
 * (MF-NS-2), delivered uncorrupted, and not `crash`. If no RESPONSE or ERROR with its id comes back from the
 * worker within `windowMs` (plus the ms of a `sleep`), the worker stopped answering: a reply the relay
 * dropped on its way to the kit still counts as answered, so injected faults never count against it.
 */
export class AnswerWatch {
  private readonly pending = new Map<string, { cancel(): void }>();

  constructor(
    private readonly profile: Profile,
    private readonly namespace: string,
    private readonly windowMs: number,
    private readonly onUnanswered: (entry: { id: string; function: string; afterMs: number }) => void,
  ) {}

  delivered(frames: Frames): void {
    const payload = frames[frames.length - 1];
    if (payload === undefined || frames.length !== 2 || frames[0]!.length !== 0) return;
    const decoded = decodeMessage(defaultCodec, payload, [this.profile]);
    if (!decoded.ok || decoded.message.type !== 'call') return;
    const call = decoded.message as CallMessage;
    if (callDefect(call) !== undefined || call.function === 'crash' || typeof call.id !== 'string' || call.id === '')
      return;
    if ((call.namespace ?? 'default') !== this.namespace || this.pending.has(call.id)) return;
    const sleepMs = call.function === 'sleep' && typeof call.args[0] === 'number' ? call.args[0] : 0;
    const afterMs = this.windowMs + sleepMs;
    const timer = realClock.setTimer(afterMs, () => {
      this.pending.delete(call.id);
      this.onUnanswered({ id: call.id, function: call.function, afterMs });
    });
    this.pending.set(call.id, timer);
  }

  answered(frames: Frames): void {
    const { message, type } = describe(frames);
    if (type !== 'response' && type !== 'error') return;
    const id = (message as Record<string, unknown>)['id'];
    if (typeof id !== 'string') return;
    this.pending.get(id)?.cancel();
    this.pending.delete(id);
  }

  /** The worker exited: calls in flight are not "unanswered" (the exit is judged on its own). */
  stop(): void {
    for (const timer of this.pending.values()) timer.cancel();
    this.pending.clear();
  }
}
