/**
 * The registry lock: `services.lock`, created with O_CREAT|O_EXCL and holding `<pid>\n<token>\n`.
 * The pid lets others see whether the owner lives; the random token lets the owner remove only the lock it
 * created, even when two registries share a pid (one process) or its lock was taken over as stale.
 *
 * Staleness (MF-REG-4): a lock is stale when the pid on its first line is dead, or when it is at least
 * `lockStaleMs` (10 s) old, age being measured from the file's modification time (so locks written by any
 * implementation, even an empty one left by a crash between create and write, age out). A stale lock is
 * removed (only if its content is unchanged since it was judged) and acquisition is retried at once.
 * Acquisition polls every `lockPollMs` (100 ms) up to `lockTimeoutMs` (10 s), then fails (MF-REG-5).
 * @see MF-REG-3, MF-REG-4, MF-REG-5
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode, RegistryError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { isValidPid, type ProcessProbe } from './process-probe.js';
import type { LockSnapshot, RegistryStore } from './registry-store.js';

export interface RegistryLockOptions {
  readonly store: RegistryStore;
  readonly clock: Clock;
  readonly processProbe: ProcessProbe;
  /** Pid written into the lock. */
  readonly pid: number;
  /** Milliseconds; a lock at least this old is stale. */
  readonly lockStaleMs: number;
  /** Milliseconds between two attempts. */
  readonly lockPollMs: number;
  /** Milliseconds before giving up. */
  readonly lockTimeoutMs: number;
}

/** A held lock. `release()` is idempotent and removes the lock only if it is still ours. */
export interface HeldLock {
  /** The exact content we wrote. */
  readonly content: string;
  release(): Promise<void>;
}

/** Who holds a lock and whether it may be broken. */
export interface LockVerdict {
  /** The pid on the lock's first line, when it has one. */
  readonly holderPid: number | undefined;
  readonly ageMs: number;
  /** Why the lock is stale, or undefined when it is live. */
  readonly staleBecause: string | undefined;
}

/** The pid a lock file names: the integer on its first line, if any. */
export function lockHolderPid(content: string): number | undefined {
  const match = /^\s*(\d+)\s*(?:\n|$)/.exec(content);
  const pid = match === null ? undefined : Number(match[1]);
  return isValidPid(pid) ? pid : undefined;
}

export class RegistryLock {
  private readonly options: RegistryLockOptions;

  constructor(options: RegistryLockOptions) {
    this.options = options;
  }

  /** Judges a lock as read now (MF-REG-4). */
  judge(lock: LockSnapshot): LockVerdict {
    const holderPid = lockHolderPid(lock.content);
    const ageMs = this.options.clock.epochMs() - lock.modifiedEpochMs;
    let staleBecause: string | undefined;
    if (holderPid !== undefined && !this.options.processProbe.isAlive(holderPid)) staleBecause = `its owner pid ${holderPid} is dead`;
    else if (ageMs >= this.options.lockStaleMs) staleBecause = `it is ${Math.round(ageMs)} ms old (stale from ${this.options.lockStaleMs} ms)`;
    return { holderPid, ageMs, staleBecause };
  }

  /** Acquires the lock, breaking stale ones; rejects with `RegistryError` (MF_REGISTRY) after the timeout. */
  async acquire(): Promise<HeldLock> {
    const { store, clock, pid, lockPollMs, lockTimeoutMs } = this.options;
    const content = `${pid}\n${randomBytes(8).toString('hex')}\n`;
    const deadlineMs = clock.nowMs() + lockTimeoutMs;
    for (;;) {
      if (await store.createLock(content)) return this.held(content);
      const current = await store.readLock();
      if (current === undefined) continue; // released between our two calls: try again at once
      const verdict = this.judge(current);
      if (verdict.staleBecause !== undefined) {
        await store.removeLock(current.content);
        continue;
      }
      const remainingMs = deadlineMs - clock.nowMs();
      if (remainingMs <= 0) throw this.timeoutError(verdict);
      await clock.sleep(Math.min(lockPollMs, remainingMs));
    }
  }

  /** Runs `action` holding the lock and releases it afterwards, whatever happens. */
  async withLock<T>(action: () => Promise<T>): Promise<T> {
    const lock = await this.acquire();
    try {
      return await action();
    } finally {
      await lock.release();
    }
  }

  private held(content: string): HeldLock {
    let released = false;
    return {
      content,
      release: async () => {
        if (released) return;
        released = true;
        await this.options.store.removeLock(content);
      },
    };
  }

  private timeoutError(verdict: LockVerdict): RegistryError {
    const { store, lockTimeoutMs } = this.options;
    const holder = verdict.holderPid === undefined ? 'an unknown process (no pid in the file)' : `pid ${verdict.holderPid}`;
    return new RegistryError(
      ErrorCode.REGISTRY,
      `could not acquire the registry lock ${store.lockPath} within ${lockTimeoutMs} ms: held by ${holder}, ` +
        `${Math.round(verdict.ageMs)} ms old; remove the file if that process is gone`,
      { details: { lockPath: store.lockPath, registryPath: store.registryPath, ...(verdict.holderPid === undefined ? {} : { holderPid: verdict.holderPid }) } },
    );
  }
}
