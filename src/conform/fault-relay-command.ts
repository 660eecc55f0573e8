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

/** What the relay does besides relaying: faults, where its statistics go, where it records the session. */
export interface RelayOptions {
  /** The `--faults` spec; empty for none (a relay that only records). */
  spec: string;
  seed: number;
  /**
   * On the command line when given: a parent driver's child may not inherit the kit's `MULTIFROST_*`
   * environment (the driver contract sets its own).
   */
  statsDir?: string | undefined;
  /** `--record <file>`: append the session to this file (absolute path). */
  record?: string | undefined;
}

/** argv running `childArgv` behind the relay. Validates the spec first, so a typo is a usage error. */
export function faultRelayArgv(childArgv: readonly string[], options: RelayOptions): string[] {
  if (options.spec.trim() !== '') parseFaultSpec(options.spec);
  return [
    ...scriptArgv(faultRelayPath()),
    '--faults',
    options.spec,
    '--seed',
    String(options.seed),
    ...(options.statsDir === undefined ? [] : ['--stats-dir', options.statsDir]),
    ...(options.record === undefined ? [] : ['--record', options.record]),
    '--',
    ...childArgv,
  ];
}
