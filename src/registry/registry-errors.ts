/**
 * Registry errors beyond the base `RegistryError` (src/errors.ts): both carry code MF_REGISTRY, so callers
 * that branch on `code` see no change; the classes add the fields a caller or test needs.
 * @see MF-REG-14, MF-REG-15
 */
import { ErrorCode, RegistryError } from '../errors.js';

/** What a registry name held instead of a regular file. */
export type FileKind = 'symbolic link' | 'FIFO' | 'directory' | 'socket' | 'device' | 'unknown file type';

/**
 * `services.json`, `services.lock` or a claim is not a regular file (MF-REG-15). Raised at once: the name is
 * never followed, opened for a blocking read, waited on or replaced.
 */
export class RegistryFileError extends RegistryError {
  /** The offending path. */
  readonly path: string;
  readonly found: FileKind;

  constructor(path: string, found: FileKind) {
    super(
      ErrorCode.REGISTRY,
      `${path} is a ${found}, not a regular file; the registry never follows, waits on or replaces it. ` +
        'Remove it (or move it away) and retry',
      { details: path.endsWith('services.json') ? { registryPath: path } : { lockPath: path } },
    );
    this.path = path;
    this.found = found;
  }
}

/**
 * The lock this operation held was broken (it was judged stale while we were stopped or slow) before we
 * wrote: nothing was written (MF-REG-14). `ServiceRegistry` retries the operation from the start while its
 * lock timeout lasts, and raises this only when that time is up.
 */
export class LockLostError extends RegistryError {
  constructor(lockPath: string, why: string) {
    super(ErrorCode.REGISTRY, `the registry lock ${lockPath} was lost before writing (${why}); nothing was written`, {
      details: { lockPath },
    });
  }
}
