/**
 * What the kit checks: a worker script, an arbitrary command, a running service, the built-in reference
 * worker, or (role `parent`) a parent driver. Resolved once, from the command line, into argv arrays that
 * are spawned without a shell.
 * @see MF-LIFE-1 (spawn mode), MF-LIFE-12 (connect mode), MF-DRV-1 (parent driver)
 */
import { statSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { resolveWorkerCommand } from '../worker/command.js';
import { referenceWorkerPath } from './reference-worker.js';

/** A child checked in spawn mode (the kit's parent binds, the child connects). */
export interface CommandTarget {
  readonly kind: 'command';
  /** argv of the child; argv[0] is the program. */
  readonly argv: readonly string[];
  /** Human label for reports (the script path or the command line). */
  readonly label: string;
}

/** A child already running in connect mode, registered under `serviceId`. */
export interface ServiceTarget {
  readonly kind: 'service';
  readonly serviceId: string;
  readonly label: string;
}

/** The kit's own TypeScript reference worker, spawned as a real process. */
export interface ReferenceTarget {
  readonly kind: 'reference';
  readonly argv: readonly string[];
  readonly label: string;
}

/** A parent implementation: its driver (spec section 14) spawns the kit's instrumented child. */
export interface ParentDriverTarget {
  readonly kind: 'parent-driver';
  readonly argv: readonly string[];
  readonly label: string;
}

export type Target = CommandTarget | ServiceTarget | ReferenceTarget | ParentDriverTarget;

/**
 * argv that runs `script`, with the runtime inferred from its extension: `.py` python3, `.ts` node with
 * the tsx loader, `.js` node, `.go` `go run`, else the file itself when executable.
 * @throws InvalidArgumentError when the file is missing or its runtime cannot be inferred.
 */
export function scriptArgv(script: string): string[] {
  const path = resolve(script);
  if (extname(path) === '.go') {
    // `go run` compiles to a temporary binary and forwards signals to it; the launcher also signals
    // the whole process group, so the compiled worker never outlives a stop.
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
    } catch {
      throw new InvalidArgumentError('target', `worker script not found: ${path}`);
    }
    return ['go', 'run', path];
  }
  const resolved = resolveWorkerCommand(path);
  return [resolved.command, ...resolved.args];
}

/**
 * argv of the reference worker: the compiled script under node when it is a `.js` file, else the
 * TypeScript source under tsx (when the kit itself runs from source).
 */
export function referenceArgv(): string[] {
  return scriptArgv(referenceWorkerPath);
}

/** The instrumented child the kit gives a parent driver (compiled when available). */
export function instrumentedChildArgv(instrumentedChildPath: string): string[] {
  return scriptArgv(instrumentedChildPath);
}

/** One line describing a target for the report header. */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'command':
      return `command ${target.label}`;
    case 'service':
      return `service '${target.serviceId}'`;
    case 'reference':
      return 'reference worker (TypeScript)';
    case 'parent-driver':
      return `parent driver ${target.label}`;
  }
}
