/**
 * Extra simulated programs for @internal scenarios (simulator only): workers that do something the
 * reference worker never does on its own, such as writing output before any parent is known.
 */
import { ConformanceWorker } from '../../src/conform/reference-worker.js';
import { wire, type WireValue } from '../../src/conform/wire-value.js';
import { writeWire } from '../../src/conform/wire-write.js';
import { defaultCodec } from '../../src/protocol/codec.js';
import type { Frames, Socket, Transport } from '../../src/transport/transport.js';
import type { SimProgram } from '../../src/worker/sim/sim-launcher.js';
import { loopbackEndpoint } from '../../src/transport/transport.js';
import { ENV_PORT } from '../../src/worker/shared/environment.js';

/** The line {@link earlyWriter} writes to stdout as soon as it serves, before any parent has sent anything. */
export const EARLY_LINE = 'written before any parent is known';

class EarlyWriter extends ConformanceWorker {
  override async start(): Promise<void> {
    await super.start();
    this.writeStdout(EARLY_LINE);
  }
}

/** A reference worker that writes {@link EARLY_LINE} to stdout right after it starts serving (MF-OUT-2). */
const earlyWriter: SimProgram = async ({ transport, host, clock }) => {
  await new EarlyWriter({ transport, host, clock }).run();
};

class Flooder extends ConformanceWorker {
  /** Writes `count` lines to stdout at once (more than the forwarder keeps in flight), returns `count`. */
  flood(count: number): number {
    for (let i = 0; i < count; i++) this.writeStdout(`line ${i}`);
    return count;
  }
}

/** A reference worker with `flood(count)`, to overrun output forwarding (MF-OUT-3). */
const flooder: SimProgram = async ({ transport, host, clock }) => {
  await new Flooder({ transport, host, clock }).run();
};

/** A worker that fails at start-up: a line on stderr, then exit status 3 (MF-LIFE-10). */
const brokenStart: SimProgram = async ({ host }) => {
  host.writeRaw('stderr', 'FATAL: cannot start: configuration missing\n');
  host.exit(3);
};

/** The line {@link deaf} writes to stderr when it starts. */
export const DEAF_LINE = 'speaking comlink_ipc_v9 only';

/**
 * A worker that answers neither profile (MF-PROF-6): it connects, says so on stderr, then reads and ignores
 * every message until it is killed, as a port of an unknown protocol version would.
 */
const deaf: SimProgram = async ({ transport, host }) => {
  const socket = transport.router();
  await socket.connect(loopbackEndpoint(Number(host.env(ENV_PORT))));
  host.writeRaw('stderr', `${DEAF_LINE}\n`);
  try {
    for await (const _frames of socket) void _frames;
  } catch {
    // The socket closes when the process is killed: the only way this program ends.
  }
};

/** `inner` with some members replaced; the rest bound to `inner` (sockets keep private state). */
function overriding<T extends object>(inner: T, overrides: Partial<T>): T {
  return new Proxy(inner, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return (overrides as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * The reference worker, except that its RESPONSE to `echo("anything")` carries `result` as the raw wire value
 * given: values outside the portable set, as a port in another language may send them (MF-VAL-14).
 */
export function answeringEchoWith(result: WireValue): SimProgram {
  const rewrite = (inner: Socket): Socket => {
    const send = (frames: Frames): Promise<void> => {
      const message = defaultCodec.decodeValue(frames[frames.length - 1]!) as Record<string, unknown>;
      if (message['type'] !== 'response' || message['result'] !== 'anything') return inner.send(frames);
      const payload = writeWire(
        wire.map([
          ['app', wire.str(String(message['app']))],
          ['id', wire.str(String(message['id']))],
          ['type', wire.str('response')],
          ['timestamp', wire.float(Number(message['timestamp']))],
          ['result', result],
        ]),
      );
      return inner.send([...frames.slice(0, -1), payload]);
    };
    return overriding(inner, { send, post: (frames, onFailure) => send(frames).then(undefined, onFailure) });
  };
  return async ({ transport, host, clock }) => {
    const wrapped = overriding<Transport>(transport, { router: (options) => rewrite(transport.router(options)) });
    await new ConformanceWorker({ transport: wrapped, host, clock }).run();
  };
}

export const simPrograms: Readonly<Record<string, SimProgram>> = {
  'early-writer': earlyWriter,
  'broken-start': brokenStart,
  flooder,
  deaf,
  'echo-with-integer-key': answeringEchoWith(wire.map([[wire.int(1), wire.str('one')]])),
  'echo-with-extension': answeringEchoWith(wire.array([wire.int(1), wire.ext(5, Buffer.from('ab'))])),
};
