/**
 * File operations of the registry that never follow a symbolic link, never block on a FIFO and never spin on
 * a name that exists but cannot be read (MF-REG-15), and the complete-or-nothing creation of lock and claim
 * files (MF-REG-13: write a unique temporary file, then link(2) it to its name).
 * @see MF-REG-13, MF-REG-15, MF-REG-17
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type BigIntStats } from 'node:fs';
import { link, open, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RegistryFileError, type FileKind } from './registry-errors.js';

/** Mode of every registry file (MF-REG-11). */
export const FILE_MODE = 0o600;

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function kindOf(stats: BigIntStats): FileKind {
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSocket()) return 'socket';
  if (stats.isSymbolicLink()) return 'symbolic link';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  return 'unknown file type';
}

/** A regular file opened for reading: its handle, mtime and inode from one fstat. */
export interface RegularFile {
  readonly handle: FileHandle;
  /** Modification time, epoch milliseconds (from the nanosecond field, so no precision is lost on the way). */
  readonly modifiedEpochMs: number;
  /** The inode number in decimal (exact, read as a bigint). */
  readonly inode: string;
  /** Size in bytes when opened. */
  readonly size: number;
}

/**
 * Opens `path` for reading only if it is a regular file. O_NOFOLLOW refuses a symbolic link (ELOOP) and
 * O_NONBLOCK makes opening a FIFO return at once, so the fstat that follows can refuse it. Resolves
 * undefined when the name does not exist; the caller closes the handle.
 */
export async function openRegular(path: string): Promise<RegularFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') throw new RegistryFileError(path, 'symbolic link');
    if (code === 'ENXIO') throw new RegistryFileError(path, 'socket');
    throw error;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) throw new RegistryFileError(path, kindOf(stats));
    return {
      handle,
      modifiedEpochMs: Number(stats.mtimeNs) / 1e6,
      inode: stats.ino.toString(),
      size: Number(stats.size),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Lock and claim files are a line or two; anything longer is read whole all the same. */
const SMALL_FILE_BYTES = 4096;

/** Reads a small regular file (a lock or a claim) whole; undefined when it does not exist. */
export async function readRegular(
  path: string,
): Promise<{ text: string; modifiedEpochMs: number; inode: string } | undefined> {
  const file = await openRegular(path);
  if (file === undefined) return undefined;
  try {
    let text: string;
    if (file.size < SMALL_FILE_BYTES) {
      const buffer = Buffer.alloc(SMALL_FILE_BYTES);
      const { bytesRead } = await file.handle.read(buffer, 0, SMALL_FILE_BYTES, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } else {
      text = await file.handle.readFile('utf8');
    }
    return { text, modifiedEpochMs: file.modifiedEpochMs, inode: file.inode };
  } finally {
    await file.handle.close();
  }
}

/** Unlinks `path`; a name already gone is fine. */
export async function unlinkIfThere(path: string): Promise<void> {
  await unlink(path).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT') throw error;
  });
}

/** `<dir>/services.lock.tmp-<pid>-<hex>`: the temporary file a lock or claim is written to first. */
export function lockTemporaryPath(lockPath: string): string {
  return join(dirname(lockPath), `${basename(lockPath)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Creates `path` holding `content`, or nothing: the content goes to a unique temporary file first, which
 * link(2) then gives the name `path` (EEXIST when taken). So the file never exists without its content,
 * whoever reads it and whenever its creator dies (MF-REG-13). Resolves false when `path` exists.
 * The temporary file is removed on every path.
 */
export async function createComplete(
  path: string,
  content: string,
  temporaryPath = lockTemporaryPath(path),
): Promise<boolean> {
  const handle = await open(temporaryPath, 'wx', FILE_MODE);
  try {
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    await link(temporaryPath, path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    await unlinkIfThere(temporaryPath);
  }
}
