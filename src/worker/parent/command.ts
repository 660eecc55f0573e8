/**
 * Which program runs a worker script: `.py` with python3, `.ts` with Node and the tsx loader (in-process,
 * so no wrapper process stands between us and the worker), `.js`/`.mjs`/`.cjs` with this Node, a file with
 * the execute bit directly. No shell is ever involved.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../../errors.js';

export interface ResolvedCommand {
  command: string;
  args: string[];
}

/** The tsx ESM loader as an `--import` argument, resolved from this package or the working directory. */
function tsxImport(): string {
  for (const base of [import.meta.url, pathToFileURL(`${process.cwd()}/`).href]) {
    try {
      return pathToFileURL(createRequire(base).resolve('tsx/esm')).href;
    } catch {
      // Try the next place.
    }
  }
  return 'tsx';
}

/**
 * Resolves how to run `scriptPath`. With `executable` given it is used as is (`executable script ...args`).
 * @throws InvalidArgumentError when the file does not exist or its runtime cannot be inferred.
 */
export function resolveWorkerCommand(
  scriptPath: string,
  executable?: string,
  args: readonly string[] = [],
): ResolvedCommand {
  const script = resolve(scriptPath);
  if (executable !== undefined) return { command: executable, args: [script, ...args] };
  let isFile: boolean;
  try {
    isFile = statSync(script).isFile();
  } catch {
    throw new InvalidArgumentError('scriptPath', `worker script not found: ${script}`);
  }
  if (!isFile) throw new InvalidArgumentError('scriptPath', `not a file: ${script}`);
  switch (extname(script)) {
    case '.py':
      return { command: 'python3', args: ['-u', script, ...args] };
    case '.ts':
    case '.mts':
      return { command: process.execPath, args: ['--import', tsxImport(), script, ...args] };
    case '.js':
    case '.mjs':
    case '.cjs':
      return { command: process.execPath, args: [script, ...args] };
    default:
      break;
  }
  try {
    accessSync(script, constants.X_OK);
    return { command: script, args: [...args] };
  } catch {
    throw new InvalidArgumentError('executable', `cannot infer how to run ${script}: pass the executable explicitly`);
  }
}
