/**
 * Replays a recorded session against the TypeScript parent: a scripted child on SimNetwork plays the recorded
 * child's part (the n-th CALL it receives is answered with the recorded reply to the n-th recorded CALL,
 * after the recorded delay, with the new CALL's id; a HEARTBEAT is echoed in its profile after the recorded
 * echo delay), and a ParentWorker issues the recorded CALLs at their recorded times. The virtual clock makes
 * the outcome of every call (result, error, timeout) and the trace the same on every replay.
 */
import { defaultCodec } from '../../protocol/codec.js';
import { PROFILES, isProfileName, type ProfileName } from '../../protocol/profile.js';
import { SimNetwork } from '../../transport/sim/index.js';
import type { Frames } from '../../transport/transport.js';
import { loopbackEndpoint } from '../../transport/transport.js';
import { VirtualClock } from '../../time/virtual-clock.js';
import type { ParentWorkerOptions } from '../../worker/parent/parent-options.js';
import { ParentWorker } from '../../worker/parent/parent-worker.js';
import { SimLauncher, type SimProgram } from '../../worker/sim/sim-launcher.js';
import type { RecordedMessage, RecordedSession } from './recording.js';

type Json = Record<string, unknown>;

/** One recorded CALL with the recorded reply to it (undefined: never answered) and the reply's delay. */
interface RecordedCall {
  t: number;
  fn: string;
  args: unknown[];
  reply: Json | undefined;
  delayMs: number;
}

export interface ParentReplayOutcome {
  trace: string[];
  /** Each replayed call's outcome: `ok <json>`, or `<error code>: <message>`. */
  calls: string[];
}

const decode = (frames: Frames): Json => defaultCodec.decodeValue(frames[frames.length - 1]!) as Json;

function recordedCalls(messages: readonly RecordedMessage[]): { calls: RecordedCall[]; echoDelayMs: number } {
  const replies = new Map<string, RecordedMessage>();
  for (const m of messages) {
    const id = (m.message as Json | null)?.['id'];
    const type = (m.message as Json | null)?.['type'];
    if (m.dir === 'child->parent' && typeof id === 'string' && type !== 'heartbeat' && !replies.has(id))
      replies.set(id, m);
  }
  let echoDelayMs = 0;
  const calls: RecordedCall[] = [];
  for (const m of messages) {
    const message = m.message as Json | null;
    if (m.dir !== 'parent->child' || message === null || typeof message['id'] !== 'string') continue;
    if (message['type'] === 'heartbeat') {
      const echo = messages.find(
        (e) => e.dir === 'child->parent' && (e.message as Json | null)?.['id'] === message['id'],
      );
      if (echo !== undefined) echoDelayMs = Math.max(echoDelayMs, Math.round(echo.t - m.t));
      continue;
    }
    if (message['type'] !== 'call' || typeof message['function'] !== 'string') continue;
    const reply = replies.get(message['id']);
    calls.push({
      t: m.t,
      fn: message['function'],
      args: Array.isArray(message['args']) ? (message['args'] as unknown[]) : [],
      reply: reply === undefined ? undefined : decode(reply.frames),
      delayMs: reply === undefined ? 0 : Math.max(0, Math.round(reply.t - m.t)),
    });
  }
  return { calls, echoDelayMs };
}

/** The scripted child: the recorded replies, in order, at the recorded delays. */
function scriptedChild(calls: readonly RecordedCall[], echoDelayMs: number): SimProgram {
  return async ({ transport, host, clock }) => {
    const socket = transport.router();
    await socket.connect(loopbackEndpoint(Number(host.env('COMLINK_ZMQ_PORT'))));
    let next = 0;
    for await (const [identity, , payload] of socket) {
      const message = defaultCodec.decodeValue(payload!) as Json;
      const answer = (reply: Json, delayMs: number): void =>
        void clock.setTimer(
          delayMs,
          () => void socket.send([identity!, new Uint8Array(), defaultCodec.encode(reply)]).catch(() => undefined),
        );
      if (message['type'] === 'heartbeat') {
        const app = String(message['app']).replace('comlink_ipc_', '');
        if (!isProfileName(app)) continue;
        answer({ ...message, ...PROFILES[app].heartbeat.echo(message) }, echoDelayMs);
      } else if (message['type'] === 'call') {
        const recorded = calls[next++];
        if (recorded?.reply !== undefined) answer({ ...recorded.reply, id: message['id'] }, recorded.delayMs);
      } else if (message['type'] === 'shutdown') {
        host.exit(0);
        return;
      }
    }
  };
}

/** Replays `session` against a TypeScript ParentWorker (options as the user's, e.g. its timeouts). */
export async function replayAgainstParent(
  session: RecordedSession,
  options: ParentWorkerOptions = {},
): Promise<ParentReplayOutcome> {
  const { calls, echoDelayMs } = recordedCalls(session.messages);
  const first = session.messages.find((m) => m.dir === 'parent->child')?.message as Json | undefined;
  const profile = String(first?.['app'] ?? 'comlink_ipc_v3').replace('comlink_ipc_', '');
  const clock = new VirtualClock();
  const stopAdvancing = clock.autoAdvance();
  const network = new SimNetwork({ clock, seed: 1, describe: (payload) => defaultCodec.decodeValue(payload) });
  const launcher = new SimLauncher({
    transportFor: (name) => network.transport(name),
    clock,
    programs: { child: scriptedChild(calls, echoDelayMs) },
  });
  const worker = ParentWorker.spawnCommand<Record<string, (...args: unknown[]) => unknown>>(['child'], {
    transport: network.transport('parent'),
    launcher,
    clock,
    idPrefix: 'r',
    heartbeatIntervalMs: 0,
    ...(isProfileName(profile) ? { profile: profile as ProfileName } : {}),
    ...options,
  });
  const outcomes: string[] = [];
  try {
    await worker.start();
    const startMs = clock.nowMs();
    const base = calls[0]?.t ?? 0;
    await Promise.all(
      calls.map(async (call, index) => {
        await clock.sleep(Math.max(0, Math.round(call.t - base) - (clock.nowMs() - startMs)));
        try {
          outcomes[index] = `ok ${JSON.stringify(await worker.call[call.fn]!(...call.args))}`;
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'error';
          outcomes[index] = `${code}: ${(error as Error).message}`;
        }
      }),
    );
  } finally {
    await worker.stop();
    stopAdvancing();
  }
  return { trace: [...network.traceLines], calls: outcomes };
}
