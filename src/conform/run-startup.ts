/**
 * The start-up check of a run (the worker answers the profile probe; a parent driver prints its hello line)
 * and the world parameters the catalogue's scenarios get from its outcome.
 */
import { realClock } from '../time/real-clock.js';
import { DEFAULT_STARTUP_TIMEOUT_MS, type ConformOptions } from './conform-options.js';
import { probeDriver } from './driver-probe.js';
import { probeProfile, type ProbeResult } from './profile-probe.js';
import type { KitWorldParameters } from './run-catalogue.js';
import { describeTarget } from './target.js';
import { WorkerSession } from './worker-session.js';
import { kitTransport } from './kit-transport.js';

/** What the start-up check learned. */
export interface Startup {
  profile: 'v3' | 'v4';
  profileSource: string;
  /** Capabilities a parent driver declared in its hello line. */
  capabilities: string[] | undefined;
}

/** A setup problem that is the user's to fix on the command line (exit 2, phrased as a usage error). */
export class UsageProblem extends Error {}

/**
 * The start-up check: a child is probed for its profiles (a forced `--profile` it does not answer is a
 * usage problem, not 90 timeouts); a parent driver must print its hello line and stop cleanly.
 */
export async function startup(options: ConformOptions): Promise<Startup> {
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const target = options.target;
  if (target.kind === 'parent-driver') {
    const profile = options.profile ?? 'v3';
    const hello = await probeDriver({
      argv: target.argv,
      childArgv: options.childArgv ?? [],
      profile,
      callTimeoutMs: options.stepTimeoutMs ?? 5000,
      startupTimeoutMs,
      clock: realClock,
    });
    const profileSource =
      options.profile === undefined ? 'default (parent role: the driver is told the profile)' : '--profile';
    return { profile, profileSource, capabilities: hello.capabilities };
  }
  const session = await WorkerSession.open(target, {
    transport: kitTransport(),
    discoveryTimeoutMs: startupTimeoutMs,
  });
  let probe: ProbeResult;
  try {
    probe = await probeProfile(session, { clock: realClock, timeoutMs: startupTimeoutMs });
  } finally {
    await session.close();
  }
  const accepts = `worker accepts ${probe.accepted.join(', ')}`;
  if (options.profile !== undefined && !probe.accepted.includes(options.profile)) {
    throw new UsageProblem(
      `--profile ${options.profile}: ${describeTarget(target)} does not answer ${options.profile} (during the start-up probe it answered only ${probe.accepted.join(', ')}), so every scenario would wait out its timeout.\n` +
        `Run without --profile to use ${probe.chosen}, or --profile ${probe.chosen}.`,
    );
  }
  return {
    profile: options.profile ?? probe.chosen,
    profileSource: options.profile === undefined ? `detected (${accepts})` : `--profile (${accepts})`,
    capabilities: undefined,
  };
}

export function worldParameters(options: ConformOptions, setup: Startup): KitWorldParameters {
  const t = options.target;
  const target: KitWorldParameters['target'] =
    t.kind === 'reference'
      ? { kind: 'command', argv: [...t.argv] }
      : t.kind === 'service'
        ? { kind: 'service', serviceId: t.serviceId }
        : t.kind === 'command'
          ? { kind: 'command', argv: [...t.argv] }
          : { kind: 'parent-driver', argv: [...t.argv], childArgv: options.childArgv ?? [] };
  return {
    transport: 'zmq',
    target,
    profile: setup.profile,
    ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
    ...(options.methodNames === undefined ? {} : { methodNames: options.methodNames }),
    ...(setup.capabilities === undefined ? {} : { capabilities: setup.capabilities }),
    // The kit's own reference worker has every optional capability a child can have (CURVE, MF-SEC-5).
    ...(t.kind === 'reference' && setup.capabilities === undefined ? { capabilities: ['curve'] } : {}),
  };
}
