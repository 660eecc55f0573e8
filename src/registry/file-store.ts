/**
 * The registry on the real file system: `<base>/services.json` and `<base>/services.lock`.
 * Directory mode 0700 and file mode 0600 are set explicitly (chmod), not left to the umask.
 * @see MF-REG-1, MF-REG-3, MF-REG-6, MF-REG-7, MF-REG-11, MF-SEC-4
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chmod, link, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LockSnapshot, RegistryFileSnapshot, RegistryStore } from './registry-store.js';

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
const FILE_MODE = 0o600;
/** How many `-<n>` suffixes to try for a moved-aside file before giving up. */
const ASIDE_ATTEMPTS = 1000;

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

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

  async createLock(content: string, retryOnMissingDirectory = true): Promise<boolean> {
    await this.ensureDirectory();
    let handle: FileHandle;
    try {
      // 'wx' is O_CREAT|O_EXCL|O_WRONLY: exactly one process can create the file (MF-REG-3).
      handle = await open(this.lockPath, 'wx', FILE_MODE);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') return false;
      if (errorCode(error) === 'ENOENT' && retryOnMissingDirectory) {
        // The directory vanished since we made it (a test cleaning up, a user deleting it): make it again, once.
        this.directoryReady = false;
        return this.createLock(content, false);
      }
      throw error;
    }
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  }

  async readLock(): Promise<LockSnapshot | undefined> {
    const handle = await this.openIfExists(this.lockPath);
    if (handle === undefined) return undefined;
    try {
      const stats = await handle.stat();
      return { content: await handle.readFile('utf8'), modifiedEpochMs: stats.mtimeMs };
    } finally {
      await handle.close();
    }
  }

  async removeLock(expectedContent: string): Promise<boolean> {
    const current = await this.readLock();
    if (current === undefined || current.content !== expectedContent) return false;
    try {
      await unlink(this.lockPath);
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw error;
    }
  }

  async readRegistry(): Promise<RegistryFileSnapshot | undefined> {
    const handle = await this.openIfExists(this.registryPath);
    if (handle === undefined) return undefined;
    try {
      // Owner and content come from the same open file, so a rename in between cannot mix two files.
      const { uid } = await this.statRegistryFile(handle);
      return { text: await handle.readFile('utf8'), ownerUid: uid };
    } finally {
      await handle.close();
    }
  }

  async writeRegistry(text: string): Promise<void> {
    await this.ensureDirectory();
    const temporaryPath = join(this.baseDir, `${basename(this.registryPath)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      const handle = await open(temporaryPath, 'wx', FILE_MODE);
      try {
        await handle.chmod(FILE_MODE); // the open mode was filtered by the umask
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
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
    throw new Error(`no free name to move ${this.registryPath} aside to (tried ${stem} and ${ASIDE_ATTEMPTS - 1} suffixes)`);
  }

  private async openIfExists(path: string): Promise<FileHandle | undefined> {
    try {
      return await open(path, fsConstants.O_RDONLY);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw error;
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
