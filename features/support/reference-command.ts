/**
 * The argv that starts the reference worker as a real process. The compiled script (`dist/src/...js`) starts
 * about three times faster than the TypeScript source under tsx, which matters when every scenario starts a
 * worker; it is used only when it is at least as new as every source file, so a stale build is never tested.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { referenceWorkerPath } from '../../src/conform/reference-worker.js';
import { resolveWorkerCommand } from '../../src/worker/parent/command.js';

function newestMtimeMs(dir: string, suffix: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path, suffix));
    else if (entry.name.endsWith(suffix)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function pick(): string {
  if (!referenceWorkerPath.endsWith('.ts')) return referenceWorkerPath; // already the compiled script
  const marker = '/src/conform/';
  const root = referenceWorkerPath.slice(0, referenceWorkerPath.lastIndexOf(marker));
  const compiled = join(root, 'dist', 'src', 'conform', 'reference-worker.js');
  try {
    if (
      existsSync(compiled) &&
      newestMtimeMs(join(root, 'dist', 'src'), '.js') >= newestMtimeMs(join(root, 'src'), '.ts')
    )
      return compiled;
  } catch {
    // fall back to the source
  }
  return referenceWorkerPath;
}

let cached: string[] | undefined;

/** argv of the reference worker (compiled when fresh, else the source under tsx). */
export function referenceArgv(): string[] {
  if (cached === undefined) {
    const resolved = resolveWorkerCommand(pick());
    cached = [resolved.command, ...resolved.args];
  }
  return [...cached];
}
