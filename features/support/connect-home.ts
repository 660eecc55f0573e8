/**
 * The registry directory of a connect-mode scenario (spec section 11), seen from outside the worker: a fresh
 * `MULTIFROST_HOME` under a temporary directory (removed after the scenario), or, for a `service` target,
 * the registry the running service uses (read only). The kit reads `services.json` as the worker wrote it
 * and prepares what a scenario needs (a lock, other services' entries, a file that is not JSON) with plain
 * file operations, never through the worker's code.
 * @see MF-REG-1, MF-REG-3, MF-REG-7, MF-REG-11
 */
import { constants as fsConstants } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a read of `services.json` found. */
export type RegistryRead =
  | { readonly state: 'missing' }
  | { readonly state: 'unusable'; readonly text: string; readonly reason: string }
  | { readonly state: 'ok'; readonly text: string; readonly members: Readonly<Record<string, unknown>> };

/** Modes (permission bits) of the registry directory and file; undefined when missing. */
export interface RegistryModes {
  readonly directory: number | undefined;
  readonly file: number | undefined;
}

const DIRECTORY_MODE = 0o700;
const FILE_MODE = 0o600;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A registry name that holds something other than a regular file (a scenario put it there, MF-REG-15). */
export class NotRegularFile extends Error {}

/** The bytes of a regular file, undefined when missing; never follows a link or waits on a FIFO. */
async function readRegularBytes(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    if (['ELOOP', 'ENXIO'].includes(errorCode(error) ?? ''))
      throw new NotRegularFile(`${path} is not a regular file (${errorCode(error)})`);
    throw error;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new NotRegularFile(`${path} is not a regular file`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Parses registry text the way every reader must accept it (a leading byte order mark is tolerated). */
export function parseRegistry(text: string): RegistryRead {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return { state: 'unusable', text, reason: `not valid JSON (${(error as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      state: 'unusable',
      text,
      reason: `valid JSON but not an object (${Array.isArray(value) ? 'an array' : String(value)})`,
    };
  }
  return { state: 'ok', text, members: value as Record<string, unknown> };
}

/** Octal rendering of a mode, `0700`. */
export function octal(mode: number | undefined): string {
  return mode === undefined ? 'missing' : `0${mode.toString(8).padStart(3, '0')}`;
}

export class RegistryHome {
  readonly registryPath: string;
  readonly lockPath: string;

  private constructor(
    /** The registry directory (`MULTIFROST_HOME`). */
    readonly baseDir: string,
    /** True for a service's own registry: the kit only reads it. */
    readonly readOnly: boolean,
    /** The temporary directory holding `baseDir`, removed by {@link remove}. */
    private readonly temporaryParent: string | undefined,
  ) {
    this.registryPath = join(baseDir, 'services.json');
    this.lockPath = join(baseDir, 'services.lock');
  }

  /**
   * A fresh `MULTIFROST_HOME` that does not exist yet (`<tmp>/mf-connect-XXXX/multifrost`), so the worker
   * creates the directory itself and its mode can be checked (MF-REG-11). Call {@link remove} when done.
   */
  static async fresh(): Promise<RegistryHome> {
    const parent = await mkdtemp(join(tmpdir(), 'mf-connect-'));
    return new RegistryHome(join(parent, 'multifrost'), false, parent);
  }

  /** The registry a running service uses (read only). */
  static existing(baseDir: string): RegistryHome {
    return new RegistryHome(baseDir, true, undefined);
  }

  /** Removes the temporary directory (a service's registry is never touched). */
  async remove(): Promise<void> {
    if (this.temporaryParent !== undefined) await rm(this.temporaryParent, { recursive: true, force: true });
  }

  /** Reads `services.json` once (a name that is not a regular file reads as unusable, MF-REG-15). */
  async read(): Promise<RegistryRead> {
    const bytes = await this.bytes().catch((error: unknown) => {
      if (error instanceof NotRegularFile) return error;
      throw error;
    });
    if (bytes === undefined) return { state: 'missing' };
    if (bytes instanceof NotRegularFile) return { state: 'unusable', text: '', reason: bytes.message };
    return parseRegistry(bytes.toString('utf8'));
  }

  /**
   * The raw bytes of `services.json`, or undefined when it does not exist. Opened with O_NOFOLLOW and
   * O_NONBLOCK, so a scenario that put a FIFO or a link there never makes the kit itself hang
   * (NotRegularFile instead).
   */
  async bytes(): Promise<Buffer | undefined> {
    return readRegularBytes(this.registryPath);
  }

  /** The member `id` of a usable file, or undefined (no file, unusable file, no such member). */
  async entry(id: string): Promise<unknown> {
    const read = await this.read();
    return read.state === 'ok' && Object.prototype.hasOwnProperty.call(read.members, id) ? read.members[id] : undefined;
  }

  /** Writes `services.json` as another program would have left it (directory 0700, file 0600). */
  async writeText(text: string | Buffer): Promise<void> {
    this.assertWritable();
    await this.ensureDirectory();
    const handle = await open(this.registryPath, 'w', FILE_MODE);
    try {
      await handle.chmod(FILE_MODE);
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
  }

  /** Writes `services.json` holding `members`. */
  async writeMembers(members: Record<string, unknown>): Promise<void> {
    await this.writeText(`${JSON.stringify(members, null, 2)}\n`);
  }

  /**
   * Creates `services.lock` exclusively (O_CREAT|O_EXCL) holding `content`; `modifiedEpochMs` sets its
   * modification time, from which its age is measured (MF-REG-4).
   */
  async createLock(content: string, modifiedEpochMs?: number): Promise<void> {
    this.assertWritable();
    await this.ensureDirectory();
    const handle = await open(
      this.lockPath,
      fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
      FILE_MODE,
    );
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    if (modifiedEpochMs !== undefined) await utimes(this.lockPath, modifiedEpochMs / 1000, modifiedEpochMs / 1000);
  }

  /** The lock's content, or undefined when there is none. */
  async lockContent(): Promise<string | undefined> {
    return (await readRegularBytes(this.lockPath))?.toString('utf8');
  }

  /** The path of the claim of the current lock (MF-REG-14): `services.lock.<inode>.claim`. */
  async claimPathOfLock(): Promise<string> {
    return `${this.lockPath}.${(await stat(this.lockPath, { bigint: true })).ino}.claim`;
  }

  /** Creates a file at `name` in the registry directory as another program would (a claim, a leftover). */
  async writeFileNamed(name: string, content: string): Promise<void> {
    this.assertWritable();
    await this.ensureDirectory();
    await writeFile(join(this.baseDir, name), content, { mode: FILE_MODE });
  }

  /** Removes the file `name` of the registry directory (already gone is fine). */
  async removeFileNamed(name: string): Promise<void> {
    this.assertWritable();
    await unlink(join(this.baseDir, name)).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
  }

  /** Puts something that is not a regular file at `name` (MF-REG-15): a dangling symbolic link or a FIFO. */
  async plantOddFile(name: string, what: 'a dangling symbolic link' | 'a FIFO'): Promise<void> {
    this.assertWritable();
    await this.ensureDirectory();
    const path = join(this.baseDir, name);
    if (what === 'a FIFO') execFileSync('mkfifo', ['-m', '600', path]);
    else await symlink(join(this.baseDir, 'nowhere'), path);
  }

  /** What kind of file `name` is now, without following it: 'missing', 'file', 'FIFO', 'symbolic link', ... */
  async kindOf(name: string): Promise<string> {
    try {
      const stats = await lstat(join(this.baseDir, name));
      if (stats.isSymbolicLink()) return 'symbolic link';
      if (stats.isFIFO()) return 'FIFO';
      return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 'missing';
      throw error;
    }
  }

  /** Removes the lock if it still holds `content`; resolves whether it did. */
  async removeLock(content: string): Promise<boolean> {
    if ((await this.lockContent()) !== content) return false;
    await unlink(this.lockPath);
    return true;
  }

  /** Permission bits of the directory and of `services.json`. */
  async modes(): Promise<RegistryModes> {
    const mode = async (path: string): Promise<number | undefined> => {
      try {
        return (await stat(path)).mode & 0o777;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return undefined;
        throw error;
      }
    };
    return { directory: await mode(this.baseDir), file: await mode(this.registryPath) };
  }

  /** Names of the files in the registry directory (none when it does not exist). */
  async files(): Promise<string[]> {
    try {
      return (await readdir(this.baseDir)).sort();
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  }

  /** The bytes of a file of the registry directory. */
  async fileBytes(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(join(this.baseDir, name));
    } catch (error) {
      if (['ENOENT', 'EISDIR'].includes(errorCode(error) ?? '')) return undefined;
      throw error;
    }
  }

  private async ensureDirectory(): Promise<void> {
    const created = await mkdir(this.baseDir, { recursive: true, mode: DIRECTORY_MODE });
    if (created !== undefined) await chmod(this.baseDir, DIRECTORY_MODE);
  }

  private assertWritable(): void {
    if (this.readOnly) throw new Error(`the kit does not write the registry of a running service (${this.baseDir})`);
  }
}
