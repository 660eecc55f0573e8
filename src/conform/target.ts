/**
 * What the kit checks: a worker script, an arbitrary command, a running service, the built-in reference
 * worker, or (role `parent`) a parent driver. Resolved once, from the command line, into argv arrays that
 * are spawned without a shell.
 * @see MF-LIFE-1 (spawn mode), MF-LIFE-12 (connect mode), MF-DRV-1 (parent driver)
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../errors.js';
import { resolveWorkerCommand } from '../worker/parent/command.js';
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

/** Extensions whose runtime the kit infers, and what runs them. */
const RUNTIMES: Readonly<Record<string, string>> = {
  '.py': 'python3 -u',
  '.ts': 'node --import tsx',
  '.mts': 'node --import tsx',
  '.js': 'node',
  '.mjs': 'node',
  '.cjs': 'node',
  '.go': 'go run',
};

/** Where tsx resolves from for a `.ts` worker: this package (a dependency of it), else the working directory. */
export function tsxResolves(): boolean {
  for (const base of [import.meta.url, pathToFileURL(`${process.cwd()}/`).href]) {
    try {
      createRequire(base).resolve('tsx/esm');
      return true;
    } catch {
      // Try the next place.
    }
  }
  return false;
}

/**
 * argv that runs `script`, with the runtime inferred from its extension: `.py` python3, `.ts` node with
 * the tsx loader, `.js` node, `.go` `go run`, else the file itself when executable.
 * @throws InvalidArgumentError, worded for the command line, when the file is missing, is not a file, or
 * its runtime cannot be inferred (the message says what to type instead).
 */
export function scriptArgv(script: string): string[] {
  const path = resolve(script);
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw usage(
      `worker script not found: ${path}${path === script ? '' : ` (${script} from ${process.cwd()})`}; check the path, or give the command to run after --, e.g. multifrost-conform -- ./my-worker`,
    );
  }
  if (!stats.isFile())
    throw usage(
      `${path} is a directory, not a worker script: give the script itself (e.g. ${script.replace(/\/$/, '')}/worker.py) or a command after --`,
    );
  const extension = extname(path);
  if (extension === '.go') {
    // `go run` compiles to a temporary binary and forwards signals to it; the launcher also signals
    // the whole process group, so the compiled worker never outlives a stop.
    return ['go', 'run', path];
  }
  if ((extension === '.ts' || extension === '.mts') && !tsxResolves()) {
    throw usage(
      `${path} is TypeScript, and tsx (which runs it) is not installed: install it (npm install --save-dev tsx), or compile the worker and give the .js file`,
    );
  }
  if (RUNTIMES[extension] === undefined) {
    try {
      accessSync(path, constants.X_OK);
    } catch {
      const known = Object.keys(RUNTIMES).join(' ');
      throw usage(
        `cannot tell how to run ${path}: its extension is not one of ${known} and it is not executable; make it executable (chmod +x ${script}) or give the command after --, e.g. multifrost-conform -- <program> ${script}`,
      );
    }
  }
  const resolved = resolveWorkerCommand(path);
  return [resolved.command, ...resolved.args];
}

/** A usage error whose message is the whole text (no internal argument name in front). */
function usage(message: string): InvalidArgumentError {
  const error = new InvalidArgumentError('target', message);
  error.message = message;
  return error;
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
