/**
 * Where the registry keeps its two files. The policy (locking rules, staleness, tolerant parsing) lives in
 * `ServiceRegistry` and `RegistryLock`; a store only offers the primitive file operations, so the same rules
 * run on the real file system (`FileRegistryStore`) and in memory for the simulator (`MemoryRegistryStore`).
 * @see MF-REG-1, MF-REG-3, MF-REG-6, MF-REG-7
 */

/** The lock file as read. */
export interface LockSnapshot {
  /** The whole file content (`<pid>\n<token>\n` when written by us; possibly empty or foreign). */
  readonly content: string;
  /** Last modification, epoch milliseconds (file mtime); the lock's age is measured from it (MF-REG-4). */
  readonly modifiedEpochMs: number;
}

/** The registry file as read. */
export interface RegistryFileSnapshot {
  /** The raw text, exactly as stored. */
  readonly text: string;
  /** Numeric uid owning the file, when the platform has one (MF-SEC-4). */
  readonly ownerUid: number | undefined;
}

export interface RegistryStore {
  /** The registry file path, `<base>/services.json` (for messages and errors). */
  readonly registryPath: string;
  /** The lock file path, `<base>/services.lock`. */
  readonly lockPath: string;
  /**
   * Creates the lock exclusively (O_CREAT|O_EXCL) with `content`. Resolves false when a lock already exists.
   * Creates the base directory (mode 0700) when missing.
   */
  createLock(content: string): Promise<boolean>;
  /** The current lock, or undefined when there is none. */
  readLock(): Promise<LockSnapshot | undefined>;
  /** Removes the lock only if its content is still `expectedContent`; resolves whether it removed it. */
  removeLock(expectedContent: string): Promise<boolean>;
  /** The registry file, or undefined when it does not exist. */
  readRegistry(): Promise<RegistryFileSnapshot | undefined>;
  /** Replaces the registry file atomically (unique temp file, fsync, rename), mode 0600. */
  writeRegistry(text: string): Promise<void>;
  /**
   * Moves the registry file aside to a name that did not exist, `services.json.<tag>` (with `-<n>` appended
   * when taken), and resolves that path. Never overwrites anything.
   */
  moveRegistryAside(tag: string): Promise<string>;
}
