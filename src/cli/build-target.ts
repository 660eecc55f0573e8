/**
 * From parsed options to a {@link Target}: infer a script's runtime, take `-- argv` as is, and wrap a
 * spawned child in the fault-injecting relay when `--faults` is given.
 */
import { InvalidArgumentError } from '../errors.js';
import { resolve } from 'node:path';
import { FAULT_STATS_DIR_ENV, faultRelayArgv, type RelayOptions } from '../conform/fault-relay-command.js';
import { instrumentedChildPath } from '../conform/instrumented-child-path.js';
import { referenceArgv, scriptArgv, type Target } from '../conform/target.js';
import type { CliOptions } from './args.js';

/**
 * argv of the kit's instrumented child (given to a parent driver), behind the fault relay under `--faults`
 * (call after prepareFaultStats: the relay is told the statistics directory on its command line).
 */
export function instrumentedChildCommand(options?: CliOptions): string[] {
  const argv = scriptArgv(instrumentedChildPath());
  if (options === undefined || (options.faults === undefined && options.record === undefined)) return argv;
  return faultRelayArgv(argv, relayOptions(options, process.env[FAULT_STATS_DIR_ENV]));
}

function relayOptions(options: CliOptions, statsDir?: string): RelayOptions {
  return {
    spec: options.faults ?? '',
    seed: options.seed ?? 1,
    statsDir,
    record: options.record === undefined ? undefined : resolve(options.record),
  };
}

/** The worker behind the relay when `--faults` or `--record` asks for it. */
function withFaults(argv: string[], options: CliOptions): string[] {
  return options.faults === undefined && options.record === undefined
    ? argv
    : faultRelayArgv(argv, relayOptions(options));
}

/** @throws InvalidArgumentError for a missing script or an option that does not fit the target. */
export function buildTarget(options: CliOptions): Target {
  if (options.role === 'parent') {
    const argv = options.argv ?? scriptArgv(options.script!);
    return { kind: 'parent-driver', argv, label: argv.join(' ') };
  }
  if (options.service !== undefined) {
    if (options.faults !== undefined || options.record !== undefined)
      throw new InvalidArgumentError(
        options.faults === undefined ? 'record' : 'faults',
        `${options.faults === undefined ? '--record' : '--faults'} needs a spawned target (script, -- command or --reference), not --service`,
      );
    return { kind: 'service', serviceId: options.service, label: options.service };
  }
  if (options.reference) return { kind: 'reference', argv: withFaults(referenceArgv(), options), label: 'reference' };
  const argv = options.argv ?? scriptArgv(options.script!);
  return { kind: 'command', argv: withFaults(argv, options), label: (options.argv ?? [options.script!]).join(' ') };
}
