/**
 * The recording tap in the transport: wraps any Transport so a TypeScript parent or child records its own
 * sessions, in the same format as the relay's `--record` (recording-tap.ts): each socket is a session, every
 * message it sends or receives is one `send` line, `parent->child` for what a DEALER (the parent) sends and
 * a ROUTER (the child) receives, `child->parent` the other way, without the ROUTER's routing id. Replay it
 * with `multifrost-conform sim-replay <file>` or replaySession.
 */
import { defaultCodec } from '../../protocol/codec.js';
import { realClock } from '../../time/real-clock.js';
import type { Frames, Socket, SocketOptions, Transport } from '../../transport/transport.js';
import { framesIterator } from '../../transport/socket-iterator.js';
import { RecordingTap, type RecordedDirection } from './recording-tap.js';

export class RecordingTransport implements Transport {
  private sessions = 0;

  /** @param file the recording, appended to (one session per socket). */
  constructor(
    private readonly inner: Transport,
    private readonly file: string,
  ) {}

  get kind(): Transport['kind'] {
    return this.inner.kind;
  }

  dealer(options?: SocketOptions): Socket {
    return this.tap(this.inner.dealer(options));
  }

  router(options?: SocketOptions): Socket {
    return this.tap(this.inner.router(options));
  }

  private tap(socket: Socket): Socket {
    const tap = new RecordingTap(this.file, `tap-${process.pid}-${++this.sessions}`, [`${socket.role} socket`]);
    const startedMs = realClock.nowMs();
    let seq = 0;
    const isDealer = socket.role === 'dealer';
    const record = (direction: RecordedDirection, frames: Frames): void => {
      // A ROUTER's frames start with the peer's routing id: the wire between the two ends does not carry it.
      const wire = isDealer ? frames : frames.slice(1);
      let decoded: unknown;
      try {
        decoded = defaultCodec.decodeValue(wire[wire.length - 1] ?? new Uint8Array());
      } catch {
        decoded = undefined;
      }
      tap.message(++seq, direction, wire, decoded, realClock.nowMs() - startedMs);
    };
    const sent: RecordedDirection = isDealer ? 'parent->child' : 'child->parent';
    const received: RecordedDirection = isDealer ? 'child->parent' : 'parent->child';
    const receive = async (): Promise<Frames> => {
      const frames = await socket.receive();
      record(received, frames);
      return frames;
    };
    return new Proxy(socket, {
      get(target, property, receiver) {
        if (property === 'send')
          return (frames: Frames) => {
            record(sent, frames);
            return target.send(frames);
          };
        if (property === 'post')
          return (frames: Frames, onFailure: (error: Error) => void) => {
            record(sent, frames);
            return target.post(frames, onFailure);
          };
        if (property === 'receive') return receive;
        if (property === Symbol.asyncIterator) return () => framesIterator(receive);
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
