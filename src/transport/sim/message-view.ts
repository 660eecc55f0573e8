import type { Frames, SocketRole } from '../transport.js';
import type { Direction, SimMessage } from './faults.js';
import type { PipeDirection } from './pipe.js';
import type { SimPipe } from './sim-socket.js';

/** Decodes a payload for predicates and traces; injected so the transport never depends on the protocol. */
export type Describe = (payload: Uint8Array) => unknown;

const NOT_DECODED = Symbol('not decoded');

function directionOf(fromRole: SocketRole, toRole: SocketRole): Direction {
  if (fromRole === 'dealer' && toRole === 'router') return 'parent->child';
  if (fromRole === 'router' && toRole === 'dealer') return 'child->parent';
  return 'other';
}

function stringField(message: unknown, key: string): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const value: unknown = message instanceof Map ? message.get(key) : (message as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** A {@link SimMessage} that decodes its payload only when a predicate or the trace first asks. */
export class MessageView implements SimMessage {
  readonly seq: number;
  readonly direction: Direction;
  readonly from: string;
  readonly to: string;
  readonly fromRole: SocketRole;
  readonly toRole: SocketRole;
  readonly endpoint: string;
  readonly frames: Frames;
  private readonly describe: Describe | undefined;
  private decoded: unknown = NOT_DECODED;

  constructor(seq: number, pipe: SimPipe, direction: PipeDirection, frames: Frames, describe: Describe | undefined) {
    const sender = pipe.sender(direction);
    const receiver = pipe.receiver(direction);
    this.seq = seq;
    this.from = sender.process;
    this.to = receiver.process;
    this.fromRole = sender.role;
    this.toRole = receiver.role;
    this.direction = directionOf(sender.role, receiver.role);
    this.endpoint = pipe.endpoint;
    this.frames = frames;
    this.describe = describe;
  }

  get message(): unknown {
    if (this.decoded === NOT_DECODED) this.decoded = this.decode();
    return this.decoded;
  }

  get type(): string | undefined {
    return stringField(this.message, 'type');
  }

  get function(): string | undefined {
    return stringField(this.message, 'function');
  }

  private decode(): unknown {
    const payload = this.frames[this.frames.length - 1];
    if (this.describe === undefined || payload === undefined || payload.length === 0) return undefined;
    try {
      return this.describe(payload);
    } catch {
      // An undecodable payload (e.g. corrupted on purpose) is simply not described.
      return undefined;
    }
  }
}
