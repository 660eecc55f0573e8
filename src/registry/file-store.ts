/**
 * The registry on the real file system: `<base>/services.json`, `<base>/services.lock` and, while a lock is
 * being removed or fenced, its claim `<base>/services.lock.<inode>.claim`.
 * Directory mode 0700 and file mode 0600 are set explicitly (chmod), not left to the umask. Nothing here
 * follows a symbolic link or waits on a FIFO (MF-REG-15).
 * @see MF-REG-1, MF-REG-3, MF-REG-6, MF-REG-7, MF-REG-11, MF-REG-13, MF-REG-14, MF-REG-15, MF-REG-17, MF-SEC-4
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { lockHolderPid } from './lock-content.js';
import type {
  ClaimOutcome,
  ClaimSnapshot,
  Leftover,
  LockSnapshot,
  RegistryFileSnapshot,
  RegistryStore,
} from './registry-store.js';
import {
  FILE_MODE,
  createComplete,
  errorCode,
  lockTemporaryPath,
  openRegular,
  readRegular,
  unlinkIfThere,
} from './safe-files.js';

/** The part of `fs.Stats` the store reads. */
export interface FileOwnerStat {
  readonly uid: number;
}

export interface FileRegistryStoreOptions {
  /** Directory holding `services.json` and `services.lock`. Created with mode 0700 when missing. */
  baseDir: string;
  /**
   * Reads the owner of the open registry file. Default: `handle.stat()`. Tests inject another uid here to
   * exercise MF-SEC-4 without root.
   */
  statRegistryFile?: (handle: FileHandle) => Promise<FileOwnerStat>;
}

const DIRECTORY_MODE = 0o700;
/** How many `-<n>` suffixes to try for a moved-aside file before giving up. */
const ASIDE_ATTEMPTS = 1000;
/** `services.json.tmp-<pid>-<hex>` and `services.lock.tmp-<pid>-<hex>`. */
const TEMPORARY_NAME = /^services\.(?:json|lock)\.tmp-(\d+)-[0-9a-f]+$/;
/** `services.lock.<inode>.claim`. */
const CLAIM_NAME = /^services\.lock\.\d+\.claim$/;

export class FileRegistryStore implements RegistryStore {
  readonly baseDir: string;
  readonly registryPath: string;
  readonly lockPath: string;
  private readonly statRegistryFile: (handle: FileHandle) => Promise<FileOwnerStat>;
  private directoryReady = false;

  constructor(options: FileRegistryStoreOptions) {
    this.baseDir = options.baseDir;
    this.registryPath = join(options.baseDir, 'services.json');
    this.lockPath = join(options.baseDir, 'services.lock');
    this.statRegistryFile = options.statRegistryFile ?? ((handle) => handle.stat());
  }

  /** The claim of the lock with this identity (inode). */
  claimPath(identity: string): string {
    return `${this.lockPath}.${identity}.claim`;
  }

  async createLock(content: string): Promise<boolean> {
    return this.createFile(this.lockPath, content, true);
  }

  async readLock(): Promise<LockSnapshot | undefined> {
    const lock = await readRegular(this.lockPath);
    return lock === undefined
      ? undefined
      : { content: lock.text, modifiedEpochMs: lock.modifiedEpochMs, identity: lock.inode };
  }

  async claimLock(lock: LockSnapshot, claimContent: string): Promise<ClaimOutcome> {
    const claimPath = this.claimPath(lock.identity);
    if (!(await this.createFile(claimPath, claimContent, true))) {
      const holder = await readRegular(claimPath);
      return {
        kind: 'busy',
        holder: holder === undefined ? undefined : { content: holder.text, modifiedEpochMs: holder.modifiedEpochMs },
      };
    }
    // We hold the claim: every remover of this lock needs it, so if services.lock is still the lock judged
    // now, it stays so until we remove it.
    let current: LockSnapshot | undefined;
    try {
      current = await this.readLock();
    } catch (error) {
      await unlinkIfThere(claimPath);
      throw error;
    }
    if (current === undefined || current.identity !== lock.identity || current.content !== lock.content) {
      await unlinkIfThere(claimPath);
      return { kind: 'changed' };
    }
    return {
      kind: 'claimed',
      claim: {
        removeLock: async () => {
          await unlinkIfThere(this.lockPath);
          await unlinkIfThere(claimPath);
        },
        drop: () => unlinkIfThere(claimPath),
      },
    };
  }

  async removeClaim(identity: string, expected: ClaimSnapshot): Promise<void> {
    const claimPath = this.claimPath(identity);
    const current = await readRegular(claimPath);
    if (
      current !== undefined &&
      current.text === expected.content &&
      current.modifiedEpochMs === expected.modifiedEpochMs
    )
      await unlinkIfThere(claimPath);
  }

  async readRegistry(): Promise<RegistryFileSnapshot | undefined> {
    const file = await openRegular(this.registryPath);
    if (file === undefined) return undefined;
    try {
      // Owner and content come from the same open file, so a rename in between cannot mix two files.
      const { uid } = await this.statRegistryFile(file.handle);
      return { text: await file.handle.readFile('utf8'), ownerUid: uid };
    } finally {
      await file.handle.close();
    }
  }

  async writeRegistry(text: string, fence?: () => Promise<void>): Promise<void> {
    await this.ensureDirectory();
    const temporaryPath = join(
      this.baseDir,
      `${basename(this.registryPath)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    try {
      const handle = await open(temporaryPath, 'wx', FILE_MODE);
      try {
        await handle.chmod(FILE_MODE); // the open mode was filtered by the umask
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fence?.();
      await rename(temporaryPath, this.registryPath);
    } catch (error) {
      await unlink(temporaryPath).catch(() => undefined);
      throw error;
    }
    await this.syncDirectory();
  }

  async moveRegistryAside(tag: string): Promise<string> {
    const stem = `${this.registryPath}.${tag}`;
    for (let attempt = 0; attempt < ASIDE_ATTEMPTS; attempt++) {
      const target = attempt === 0 ? stem : `${stem}-${attempt}`;
      try {
        // link + unlink is a rename that refuses to overwrite an existing file.
        await link(this.registryPath, target);
      } catch (error) {
        if (errorCode(error) === 'EEXIST') continue;
        throw error;
      }
      await unlink(this.registryPath);
      await this.syncDirectory();
      return target;
    }
    throw new Error(
      `no free name to move ${this.registryPath} aside to (tried ${stem} and ${ASIDE_ATTEMPTS - 1} suffixes)`,
    );
  }

  async listLeftovers(): Promise<Leftover[]> {
    let names: string[];
    try {
      names = await readdir(this.baseDir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
    const leftovers: Leftover[] = [];
    for (const name of names) {
      const temporary = TEMPORARY_NAME.exec(name);
      if (temporary === null && !CLAIM_NAME.test(name)) continue;
      const stats = await lstat(join(this.baseDir, name)).catch(() => undefined);
      if (stats === undefined) continue; // gone meanwhile
      if (temporary !== null) {
        leftovers.push({ name, kind: 'temporary', pid: Number(temporary[1]), modifiedEpochMs: stats.mtimeMs });
        continue;
      }
      const claim = stats.isFile() ? await readRegular(join(this.baseDir, name)).catch(() => undefined) : undefined;
      leftovers.push({
        name,
        kind: 'claim',
        pid: claim === undefined ? undefined : lockHolderPid(claim.text),
        modifiedEpochMs: stats.mtimeMs,
      });
    }
    return leftovers;
  }

  async removeLeftover(name: string): Promise<void> {
    await unlinkIfThere(join(this.baseDir, name));
  }

  /** Creates `path` complete with `content` (temporary file + link); a vanished directory is made again, once. */
  private async createFile(path: string, content: string, retryOnMissingDirectory: boolean): Promise<boolean> {
    await this.ensureDirectory();
    try {
      return await createComplete(path, content, lockTemporaryPath(this.lockPath));
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' || !retryOnMissingDirectory) throw error;
      // The directory vanished since we made it (a test cleaning up, a user deleting it).
      this.directoryReady = false;
      return this.createFile(path, content, false);
    }
  }

  private async ensureDirectory(): Promise<void> {
    if (this.directoryReady) return;
    const created = await mkdir(this.baseDir, { recursive: true, mode: DIRECTORY_MODE });
    // Only a directory we created is tightened: an existing one keeps the mode its owner chose.
    if (created !== undefined) await chmod(this.baseDir, DIRECTORY_MODE);
    this.directoryReady = true;
  }

  /** Makes a rename durable where the platform allows fsync on a directory (not on Windows). */
  private async syncDirectory(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      handle = await open(dirname(this.registryPath), fsConstants.O_RDONLY);
      await handle.sync();
    } catch (error) {
      if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF', 'ENOTSUP', 'EACCES'].includes(errorCode(error) ?? '')) throw error;
    } finally {
      await handle?.close();
    }
  }
}
