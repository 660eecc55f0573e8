/**
 * Profile auto-detection: which app ids does the worker answer? The probe sends, in both profiles, a
 * HEARTBEAT and a CALL of `listFunctions` (a worker whose heartbeat is broken still shows its profile
 * through the call), repeating until a reply arrives, the deadline passes or the process exits.
 * A worker ignores a message with an app id it does not speak (MF-MSG-6), so silence in one profile and
 * an answer in the other is the signal. A worker that sends something back, but nothing the kit can read as a
 * Multifrost message, gets its own setup error with the first bytes it sent (not "did not answer").
 * @see MF-PROF-1, MF-PROF-4, MF-MSG-6
 */
import { SpawnError } from '../errors.js';
import { defaultCodec } from '../protocol/codec.js';
import { parentFrames, parseParentInbound } from '../protocol/framing.js';
import { createCall, createHeartbeat } from '../protocol/messages.js';
import { PROFILES, profileForApp, type ProfileName } from '../protocol/profile.js';
import type { Clock } from '../time/clock.js';
import type { Frames } from '../transport/transport.js';
import type { WorkerSession } from './worker-session.js';

export interface ProbeResult {
  /** Profiles the worker answered, in `v3`, `v4` order. */
  accepted: ProfileName[];
  /** The profile the run uses: the one accepted, or `v3` (preferred, as a probing parent prefers it: MF-PROF-6) when both are. */
  chosen: ProfileName;
  /** Names from `listFunctions`, when the worker answered it. */
  functions: string[] | undefined;
  /** Round trip of the first answer, in ms (includes the worker's start-up). */
  firstReplyMs: number;
}

export interface ProbeOptions {
  clock: Clock;
  /** Overall deadline for a first answer, in ms. Default 10000 (start-up of `go run` or a venv); `--startup-timeout`. */
  timeoutMs?: number;
  /** Time to keep listening for the other profile after a first answer, in ms. Default 300. */
  settleMs?: number;
}

/** Probes `session` and returns the profiles it speaks. Throws SpawnError when the worker exits or stays silent. */
export async function probeProfile(session: WorkerSession, options: ProbeOptions): Promise<ProbeResult> {
  const { clock } = options;
  const started = clock.nowMs();
  const deadline = started + (options.timeoutMs ?? 10_000);
  const accepted = new Set<ProfileName>();
  let functions: string[] | undefined;
  let firstReplyMs = 0;
  let round = 0;
  let nextProbeAt = started;
  let settleUntil = Number.POSITIVE_INFINITY;
  let undecodable: { frames: Frames; why: string; atMs: number } | undefined;
  while (clock.nowMs() < Math.min(deadline, settleUntil)) {
    if (accepted.size === 0 && clock.nowMs() >= nextProbeAt) {
      // Not awaited: until the worker connects, a DEALER send waits, and an exited worker never connects.
      // Repeated every second in case the first ones raced the connection.
      round += 1;
      sendProbes(session, round, clock);
      nextProbeAt = clock.nowMs() + 1000;
    }
    // Garbage and, a second later (a probe round), still nothing readable: waiting longer shows nothing new.
    if (accepted.size === 0 && undecodable !== undefined && clock.nowMs() - undecodable.atMs > 1000) break;
    const frames = await session.next(accepted.size === 0 ? 200 : Math.max(1, settleUntil - clock.nowMs()));
    if (frames === undefined) {
      if (session.exitInfo !== undefined) break;
      continue;
    }
    const reply = decodeReply(frames);
    if ('why' in reply) {
      undecodable ??= { frames, why: reply.why, atMs: clock.nowMs() };
      continue;
    }
    if (!reply.id.startsWith('mf-probe-')) continue;
    if (accepted.size === 0) {
      firstReplyMs = clock.nowMs() - started;
      settleUntil = clock.nowMs() + (options.settleMs ?? 300);
    }
    accepted.add(reply.profile);
    if (reply.type === 'response' && Array.isArray(reply.result))
      functions = reply.result.filter((n): n is string => typeof n === 'string');
    if (accepted.size === 2 && functions !== undefined) break;
  }
  if (accepted.size === 0) {
    const exit = session.exitInfo;
    if (undecodable !== undefined) {
      throw new SpawnError(
        `the worker answered, but not in a form the kit can decode (${undecodable.why}): ${describeFrames(undecodable.frames)}`,
        exit?.code ?? null,
        exit?.signal ?? null,
        session.process?.stderrTail() ?? '',
      );
    }
    if (exit !== undefined) {
      throw new SpawnError(
        'the worker exited before answering',
        exit.code,
        exit.signal,
        session.process?.stderrTail() ?? '',
      );
    }
    throw new SpawnError(
      silence(session, options.timeoutMs ?? 10_000),
      null,
      null,
      session.process?.stderrTail() ?? '',
    );
  }
  const list = (['v3', 'v4'] as const).filter((name) => accepted.has(name));
  return { accepted: list, chosen: list.length === 1 ? list[0]! : 'v3', functions, firstReplyMs };
}

/** What the kit saw of a worker that never answered: nothing connected at all, or a connection and silence. */
function silence(session: WorkerSession, timeoutMs: number): string {
  const port = session.boundPort;
  if (session.peerConnected === false && port !== undefined)
    return (
      `nothing connected to the kit's port ${port} within ${timeoutMs} ms: a spawn-mode worker connects its ` +
      `ROUTER to tcp://127.0.0.1:<COMLINK_ZMQ_PORT> (here ${port}, MF-LIFE-3)`
    );
  const connected = session.peerConnected === true ? 'the worker connected, but ' : 'the worker ';
  return `${connected}did not answer a HEARTBEAT or CALL in v3 or v4 within ${timeoutMs} ms`;
}

function sendProbes(session: WorkerSession, round: number, clock: Clock): void {
  for (const profile of [PROFILES.v3, PROFILES.v4]) {
    const heartbeat = createHeartbeat(
      profile,
      `mf-probe-hb-${profile.name}-${round}`,
      clock.epochMs() / 1000,
      clock.epochMs(),
    );
    const call = createCall(
      profile,
      `mf-probe-call-${profile.name}-${round}`,
      clock.epochMs() / 1000,
      'listFunctions',
      [],
    );
    session.send(parentFrames(defaultCodec.encode(heartbeat))).catch(() => undefined);
    session.send(parentFrames(defaultCodec.encode(call))).catch(() => undefined);
  }
}

interface Reply {
  id: string;
  type: string;
  profile: ProfileName;
  result: unknown;
}

/** Decodes a reply leniently (the probe only needs app, id and type; strictness is the catalogue's job). */
function decodeReply(frames: Frames): Reply | { why: string } {
  const inbound = parseParentInbound(frames);
  if (!inbound.ok) return { why: inbound.error.message };
  let value: unknown;
  try {
    value = defaultCodec.decodeValue(inbound.payload);
  } catch (error) {
    return { why: `the payload is not msgpack: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { why: 'the payload is not a msgpack map' };
  const map = value as Record<string, unknown>;
  const profile = profileForApp(map['app']);
  if (profile === undefined)
    return {
      why: `the payload's app is ${JSON.stringify(map['app']) ?? 'missing'}, not comlink_ipc_v3 or comlink_ipc_v4`,
    };
  if (typeof map['id'] !== 'string' || typeof map['type'] !== 'string')
    return { why: 'the payload has no string id or type' };
  return { id: map['id'], type: map['type'], profile: profile.name, result: map['result'] };
}

/** The frames as the first bytes in hex, e.g. `2 frame(s): [<empty>, c1ff00 (3 bytes)]`. */
function describeFrames(frames: Frames): string {
  const shown = frames.slice(0, 4).map((frame) => {
    if (frame.length === 0) return '<empty>';
    const hex = Buffer.from(frame.subarray(0, 32)).toString('hex');
    return `${hex}${frame.length > 32 ? '...' : ''} (${frame.length} bytes)`;
  });
  return `${frames.length} frame(s), first bytes in hex: [${shown.join(', ')}${frames.length > 4 ? ', ...' : ''}]`;
}
