/**
 * How the kit runs a target behind the fault-injecting relay: the relay is a small process that takes the
 * target's place (same spawn-mode environment, same process group), so the catalogue's World needs no
 * change to test a worker under faults.
 */
import { fileURLToPath } from 'node:url';
import { scriptArgv } from './target.js';
import { parseFaultSpec } from './fault-spec.js';

/** Environment variable naming the directory where relays write their statistics (one JSON file each). */
export const FAULT_STATS_DIR_ENV = 'MULTIFROST_FAULT_STATS_DIR';

/** The profile of the run: the relay watches that the worker answers the well-formed CALLs of this profile. */
export const FAULT_PROFILE_ENV = 'MULTIFROST_FAULT_PROFILE';

/** How long (ms) the worker has to answer a CALL before the relay counts it as unanswered (half a step). */
export const FAULT_ANSWER_MS_ENV = 'MULTIFROST_FAULT_ANSWER_MS';

/** Path of the relay script (compiled `.js` next to this file, or the `.ts` source under tsx). */
export function faultRelayPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.replace(/fault-relay-command\.(js|ts)$/, 'fault-relay.$1');
}

/**
 * argv running `childArgv` behind the relay. Validates the spec first, so a typo is a usage error.
 * `statsDir` goes on the command line when given: a parent driver's child may not inherit the kit's
 * `MULTIFROST_*` environment (the driver contract sets its own).
 */
export function faultRelayArgv(childArgv: readonly string[], spec: string, seed: number, statsDir?: string): string[] {
  parseFaultSpec(spec);
  const stats = statsDir === undefined ? [] : ['--stats-dir', statsDir];
  return [...scriptArgv(faultRelayPath()), '--faults', spec, '--seed', String(seed), ...stats, '--', ...childArgv];
}
