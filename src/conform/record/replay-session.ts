/**
 * Replays a recorded session in the simulator: what the parent sent (the kit, or the driver's parent in the
 * parent role) goes to a TypeScript child on SimNetwork, each message at its recorded time on the virtual
 * clock, and the network's trace comes out. Nothing real is involved (no socket, no real timer, no process),
 * so the same recording gives the same trace on every replay, and a timing-dependent bug seen once on real
 * sockets happens again on every replay.
 */
import { referenceProgram } from '../reference-worker.js';
import { defaultCodec } from '../../protocol/codec.js';
import { SimNetwork } from '../../transport/sim/index.js';
import { VirtualClock } from '../../time/virtual-clock.js';
import { endpointPort } from '../../transport/transport.js';
import { SimLauncher, type SimProgram } from '../../worker/sim/sim-launcher.js';
import type { RecordedSession } from './recording.js';

export interface ReplayOptions {
  /** The child to replay against (default the TypeScript reference worker). */
  program?: SimProgram;
  /** Virtual time left for replies after the last recorded message (default 5,000 ms). */
  settleMs?: number;
}

export interface ReplayOutcome {
  /** The simulator's trace of the replay (JSON lines, first the plan). */
  trace: string[];
  /** Messages the replay sent to the child. */
  sent: number;
  /** Messages the child sent back. */
  received: number;
  /** Virtual ms the replay lasted. */
  durationMs: number;
}

export async function replaySession(session: RecordedSession, options: ReplayOptions = {}): Promise<ReplayOutcome> {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock, seed: 1, describe: (payload) => defaultCodec.decodeValue(payload) });
  const parent = network.transport('parent').dealer();
  const endpoint = await parent.bind('tcp://127.0.0.1:0');
  const launcher = new SimLauncher({
    transportFor: (name) => network.transport(name),
    clock,
    programs: { child: options.program ?? referenceProgram },
  });
  const child = launcher.launch(
    {
      command: 'child',
      args: [],
      env: { COMLINK_WORKER_MODE: '1', COMLINK_ZMQ_PORT: String(endpointPort(endpoint)) },
    },
    () => undefined,
  );
  const toChild = session.messages.filter((m) => m.dir === 'parent->child');
  // Whole virtual ms: messages recorded within one ms arrive in one batch, as close together as they came.
  for (const message of toChild)
    clock.setTimer(Math.round(message.t), () => void parent.send(message.frames).catch(() => undefined));
  let received = 0;
  const draining = (async () => {
    for await (const _frames of parent) received += 1;
  })().catch(() => undefined);
  const endMs = Math.round(Math.max(0, ...toChild.map((m) => m.t))) + (options.settleMs ?? 5_000);
  await clock.advanceTo(endMs);
  child.kill('SIGKILL');
  await parent.close();
  await clock.runUntilIdle(60_000);
  await draining;
  return { trace: [...network.traceLines], sent: toChild.length, received, durationMs: clock.nowMs() };
}
