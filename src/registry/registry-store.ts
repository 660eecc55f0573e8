/**
 * Where the registry keeps its files. The policy (locking rules, staleness, tolerant parsing) lives in
 * `ServiceRegistry` and `RegistryLock`; a store only offers the primitive file operations, so the same rules
 * run on the real file system (`FileRegistryStore`) and in memory for the simulator (`MemoryRegistryStore`).
 * @see MF-REG-1, MF-REG-3, MF-REG-6, MF-REG-7, MF-REG-13, MF-REG-14, MF-REG-15
 */

/** The lock file as read. */
export interface LockSnapshot {
  /** The whole file content (`<pid>\n<token>\n` when written by us; possibly empty or foreign). */
  readonly content: string;
  /** Last modification, epoch milliseconds (file mtime); the lock's age is measured from it (MF-REG-4). */
  readonly modifiedEpochMs: number;
  /**
   * Which lock file this is, so a later look can tell it from a new lock with the same content: its inode
   * number in decimal on the file system (it names the lock's claim, MF-REG-14), a counter in memory.
   */
  readonly identity: string;
}

/** A claim file as read: `<claimer pid>\n<token>\n`, judged stale like a lock (MF-REG-14). */
export interface ClaimSnapshot {
  readonly content: string;
  readonly modifiedEpochMs: number;
}

/** A claim we hold on the lock it was taken for: until we drop it, nobody else removes that lock. */
export interface LockClaim {
  /** Removes the claimed lock, then the claim. */
  removeLock(): Promise<void>;
  /** Removes the claim only, leaving the lock in place. */
  drop(): Promise<void>;
}

/**
 * What claiming a lock gave: the claim; `changed` when `services.lock` is no longer the lock judged (gone or
 * replaced; nothing is left behind); `busy` when another process holds the claim of that lock.
 */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly claim: LockClaim }
  | { readonly kind: 'changed' }
  | { readonly kind: 'busy'; readonly holder: ClaimSnapshot | undefined };

/** A file a writer may have left behind: a temporary file or a claim (MF-REG-17). */
export interface Leftover {
  /** File name in the base directory. */
  readonly name: string;
  readonly kind: 'temporary' | 'claim';
  /** The pid named by the file name (temporary) or content (claim), when it has one. */
  readonly pid: number | undefined;
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
   * Creates the lock exclusively, complete with `content` (MF-REG-13: a temporary file linked to the lock's
   * name). Resolves false when a lock already exists. Creates the base directory (mode 0700) when missing.
   */
  createLock(content: string): Promise<boolean>;
  /**
   * The current lock, or undefined when there is none. Rejects with `RegistryFileError` when the name holds
   * something other than a regular file (MF-REG-15), never following or waiting on it.
   */
  readLock(): Promise<LockSnapshot | undefined>;
  /**
   * Claims `lock` for removal or for a fenced write (MF-REG-14): creates its claim, complete with
   * `claimContent`, then checks that `services.lock` is still exactly `lock`.
   */
  claimLock(lock: LockSnapshot, claimContent: string): Promise<ClaimOutcome>;
  /** Removes the claim of lock `identity` if it still holds `expected` (a stale claim, MF-REG-14). */
  removeClaim(identity: string, expected: ClaimSnapshot): Promise<void>;
  /** The registry file, or undefined when it does not exist. Rejects with `RegistryFileError` like `readLock`. */
  readRegistry(): Promise<RegistryFileSnapshot | undefined>;
  /**
   * Replaces the registry file atomically (unique temp file, fsync, rename), mode 0600. `fence` runs just
   * before the rename; when it throws, nothing is renamed and the temporary file is removed (MF-REG-14).
   */
  writeRegistry(text: string, fence?: () => Promise<void>): Promise<void>;
  /**
   * Moves the registry file aside to a name that did not exist, `services.json.<tag>` (with `-<n>` appended
   * when taken), and resolves that path. Never overwrites anything.
   */
  moveRegistryAside(tag: string): Promise<string>;
  /** Temporary files and claims in the base directory (MF-REG-17). */
  listLeftovers(): Promise<Leftover[]>;
  /** Removes one leftover by name (already gone is fine). */
  removeLeftover(name: string): Promise<void>;
}
