import { matrixTargets } from '../conform/matrix/matrix-targets.js';
import type { CliOptions } from './cli-options.js';
import { UsageError } from './usage-error.js';

const TARGETS =
  'a worker script (multifrost-conform ./worker.py), a command (multifrost-conform -- ./my-worker --flag), --service <id> or --reference';

/** Exactly one target, and the role's constraints. */
export function checkTarget(options: CliOptions): void {
  if (options.command !== 'run') return;
  const given = [
    options.script !== undefined ? `the script ${options.script}` : undefined,
    options.argv !== undefined ? `the command after --` : undefined,
    options.service !== undefined ? `--service ${options.service}` : undefined,
    options.reference ? '--reference' : undefined,
  ].filter((g) => g !== undefined);
  if (given.length === 0 && options.targets.length === 0)
    throw new UsageError('target', `no target given: type ${TARGETS}`);
  if (options.targets.length > 0) {
    checkMatrixOptions(options);
  } else if (given.length > 1)
    throw new UsageError('target', `give exactly one target, got ${given.join(' and ')}: type ${TARGETS}`);
  if (options.argv !== undefined && options.argv.length === 0)
    throw new UsageError(
      'target',
      'nothing after --: type the worker command after it, e.g. multifrost-conform -- ./my-worker --flag',
    );
  if (
    options.role === 'parent' &&
    options.argv === undefined &&
    options.script === undefined &&
    options.targets.length === 0
  ) {
    throw new UsageError(
      '--role',
      '--role parent checks a parent through its driver: type multifrost-conform --role parent -- <driver command...>',
    );
  }
}

/** Several targets (`--target`): the options that describe one target's run do not fit a matrix. */
function checkMatrixOptions(options: CliOptions): void {
  const single = [
    options.junit === undefined ? undefined : '--junit',
    options.replay === undefined ? undefined : '--replay',
    options.record === undefined ? undefined : '--record',
  ].filter((o) => o !== undefined);
  if (single.length > 0)
    throw new UsageError(
      '--target',
      `${single.join(' and ')} describe one target's run: with several targets (--target) the kit writes one matrix (--json, --html); run a target alone for ${single.join(' and ')}`,
    );
  if (options.role !== 'parent') return;
  // The reference worker and a service are children: a parent is checked through its driver, a command.
  const children = matrixTargets(options).filter(
    (target) => target.args[0] === '--reference' || target.args[0] === '--service',
  );
  if (children.length > 0)
    throw new UsageError(
      '--role',
      `--role parent checks parents through their drivers, and ${children.map((t) => `${t.key} (${t.label})`).join(' and ')} ${children.length === 1 ? 'is a child' : 'are children'}: give each parent's driver as cmd:<driver command>, a JSON array or a driver script`,
    );
}
