/**
 * Profile auto-detection: which app ids does the worker answer? The probe sends, in both profiles, a
 * HEARTBEAT and a CALL of `listFunctions` (a worker whose heartbeat is broken still shows its profile
 * through the call), repeating until a reply arrives, the deadline passes or the process exits.
 * A worker ignores a message with an app id it does not speak (MF-MSG-6), so silence in one profile and
 * an answer in the other is the signal.
 * @see MF-PROF-1, MF-PROF-4, MF-MSG-6
 */
import { SpawnError } from '../errors.js';
import { defaultCodec } from '../protocol/codec.js';
import { parentFrames, parseParentInbound } from '../protocol/framing.js';
import { createCall, createHeartbeat } from '../protocol/messages.js';
import { PROFILES, profileForApp, type ProfileName } from '../protocol/profile.js';
import type { Clock } from '../time/clock.js';
import type { WorkerSession } from './worker-session.js';

export interface ProbeResult {
  /** Profiles the worker answered, in `v3`, `v4` order. */
  accepted: ProfileName[];
  /** The profile the run uses: the one accepted, or `v3` (the seed's default, MF-PROF-5) when both are. */
  chosen: ProfileName;
  /** Names from `listFunctions`, when the worker answered it. */
  functions: string[] | undefined;
  /** Round trip of the first answer, in ms (includes the worker's start-up). */
  firstReplyMs: number;
}

export interface ProbeOptions {
  clock: Clock;
  /** Overall deadline for a first answer, in ms. Default 10000 (start-up of `go run` or a venv). */
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
  while (clock.nowMs() < Math.min(deadline, settleUntil)) {
    if (accepted.size === 0 && clock.nowMs() >= nextProbeAt) {
      // Not awaited: until the worker connects, a DEALER send waits, and an exited worker never connects.
      // Repeated every second in case the first ones raced the connection.
      round += 1;
      sendProbes(session, round, clock);
      nextProbeAt = clock.nowMs() + 1000;
    }
    const frames = await session.next(accepted.size === 0 ? 200 : Math.max(1, settleUntil - clock.nowMs()));
    if (frames === undefined) {
      if (session.exitInfo !== undefined) break;
      continue;
    }
    const reply = decodeReply(frames);
    if (reply === undefined || !reply.id.startsWith('mf-probe-')) continue;
    if (accepted.size === 0) {
      firstReplyMs = clock.nowMs() - started;
      settleUntil = clock.nowMs() + (options.settleMs ?? 300);
    }
    accepted.add(reply.profile);
    if (reply.type === 'response' && Array.isArray(reply.result)) functions = reply.result.filter((n): n is string => typeof n === 'string');
    if (accepted.size === 2 && functions !== undefined) break;
  }
  if (accepted.size === 0) {
    const exit = session.exitInfo;
    if (exit !== undefined) {
      throw new SpawnError('the worker exited before answering', exit.code, exit.signal, session.process?.stderrTail() ?? '');
    }
    throw new SpawnError(
      `the worker did not answer a HEARTBEAT or CALL in v3 or v4 within ${options.timeoutMs ?? 10_000} ms`,
      null,
      null,
      session.process?.stderrTail() ?? '',
    );
  }
  const list = (['v3', 'v4'] as const).filter((name) => accepted.has(name));
  return { accepted: list, chosen: list.length === 1 ? list[0]! : 'v3', functions, firstReplyMs };
}

function sendProbes(session: WorkerSession, round: number, clock: Clock): void {
  for (const profile of [PROFILES.v3, PROFILES.v4]) {
    const heartbeat = createHeartbeat(profile, `mf-probe-hb-${profile.name}-${round}`, clock.epochMs() / 1000, clock.epochMs());
    const call = createCall(profile, `mf-probe-call-${profile.name}-${round}`, clock.epochMs() / 1000, 'listFunctions', []);
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
function decodeReply(frames: Uint8Array[]): Reply | undefined {
  const inbound = parseParentInbound(frames);
  if (!inbound.ok) return undefined;
  let value: unknown;
  try {
    value = defaultCodec.decodeValue(inbound.payload);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const map = value as Record<string, unknown>;
  const profile = profileForApp(map['app']);
  if (profile === undefined || typeof map['id'] !== 'string' || typeof map['type'] !== 'string') return undefined;
  return { id: map['id'], type: map['type'], profile: profile.name, result: map['result'] };
}
