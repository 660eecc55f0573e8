import type { MethodNames } from '../../src/conform/method-names.js';
import type { ProfileName } from '../../src/protocol/profile.js';

/**
 * The parameters of the catalogue's World, passed by cucumber as `worldParameters` (cucumber.cjs profiles,
 * or the CLI through `@cucumber/cucumber/api`). Kept in a file of its own, with no runtime imports, so the
 * CLI can build the object without loading the steps.
 */

/** What is checked. `reference` is the built-in TypeScript reference worker. */
export type TargetParameter =
  | { kind: 'reference' }
  /** A child started in spawn mode from this argv (argv[0] is the program, no shell). */
  | { kind: 'command'; argv: string[] }
  /** A child already running in connect mode, registered under `serviceId`. */
  | { kind: 'service'; serviceId: string }
  /** A parent implementation: its driver (spec section 14) spawns `childArgv` (default: the reference worker). */
  | { kind: 'parent-driver'; argv: string[]; childArgv?: string[] };

export interface WorldParameters {
  /**
   * `memory`: the simulator (SimNetwork + VirtualClock with autoAdvance); the target must be `reference`.
   * `zmq`: real ZeroMQ over TCP loopback and real processes.
   */
  transport: 'memory' | 'zmq';
  target: TargetParameter;
  /** Protocol profile the kit speaks (MF-PROF-1). */
  profile: ProfileName;
  /**
   * Longest a step waits for an expected message or event, in ms of the run's clock (virtual time on
   * `memory`). Default 5,000. Cucumber's own step timeout is set well above it.
   */
  stepTimeoutMs?: number;
  /** How the target spells the conformance service's method names (default: the wire names). */
  methodNames?: MethodNames;
  /**
   * Capabilities a parent driver declared in its hello line (spec section 14); set by the CLI's start-up
   * probe. Undefined: the steps read the hello line of each driver they start.
   */
  capabilities?: string[];
}

/** The default: everything on the simulator against the reference worker, profile v3. */
export const DEFAULT_WORLD_PARAMETERS: WorldParameters = {
  transport: 'memory',
  target: { kind: 'reference' },
  profile: 'v3',
};

/** Default of {@link WorldParameters.stepTimeoutMs}. */
export const DEFAULT_STEP_TIMEOUT_MS = 5_000;

/**
 * Reads the raw `worldParameters` object, filling defaults and rejecting what cannot run.
 * @throws Error naming the bad field.
 */
export function resolveWorldParameters(
  raw: unknown,
): Required<Omit<WorldParameters, 'capabilities'>> & Pick<WorldParameters, 'capabilities'> {
  const input = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<WorldParameters>;
  const transport = input.transport ?? DEFAULT_WORLD_PARAMETERS.transport;
  if (transport !== 'memory' && transport !== 'zmq')
    throw new Error(`worldParameters.transport must be 'memory' or 'zmq', got ${String(transport)}`);
  const profile = input.profile ?? DEFAULT_WORLD_PARAMETERS.profile;
  if (profile !== 'v3' && profile !== 'v4')
    throw new Error(`worldParameters.profile must be 'v3' or 'v4', got ${String(profile)}`);
  const target = input.target ?? DEFAULT_WORLD_PARAMETERS.target;
  const kinds = ['reference', 'command', 'service', 'parent-driver'];
  if (typeof target !== 'object' || target === null || !kinds.includes((target as { kind?: string }).kind ?? '')) {
    throw new Error(`worldParameters.target.kind must be one of ${kinds.join(', ')}`);
  }
  if (
    (target.kind === 'command' || target.kind === 'parent-driver') &&
    (!Array.isArray(target.argv) || target.argv.length === 0)
  ) {
    throw new Error(`worldParameters.target.argv must be a non-empty array for kind '${target.kind}'`);
  }
  if (transport === 'memory' && target.kind !== 'reference') {
    throw new Error(
      `the memory transport runs only the reference worker (got target kind '${target.kind}'): use transport 'zmq'`,
    );
  }
  const stepTimeoutMs = input.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  if (!Number.isFinite(stepTimeoutMs) || stepTimeoutMs <= 0)
    throw new Error(`worldParameters.stepTimeoutMs must be a positive number, got ${String(stepTimeoutMs)}`);
  const methodNames = input.methodNames ?? { style: 'wire' };
  return {
    transport,
    profile,
    target,
    stepTimeoutMs,
    methodNames,
    ...(input.capabilities === undefined ? {} : { capabilities: input.capabilities }),
  };
}
