/**
 * The registry lock: `services.lock`, holding `<pid>\n<token>\n`. The pid lets others see whether the owner
 * lives; the random token tells this lock from any other, even two of one pid (two registries in a process).
 *
 * - Creation is complete-or-nothing (MF-REG-13): the store writes the content to a temporary file and links
 *   it to `services.lock`, so a lock never exists without its pid.
 * - Staleness (MF-REG-4): the pid on its first line is dead, or its modification time is at least
 *   `lockStaleMs` (10 s) away from now, in the past or in the future (MF-REG-16).
 * - Removal, by its owner or by a process breaking it as stale, happens only under the lock's claim
 *   (MF-REG-14): of all the processes that judged one lock stale, exactly one gets the claim and removes it;
 *   the others see the claim (busy) or a new lock (changed) and go on waiting or trying.
 * - Fencing (MF-REG-14): a holder claims its own lock just before it renames a new services.json; when the
 *   lock is no longer its own (broken while it was stopped), it writes nothing ({@link LockLostError}).
 * Acquisition polls every `lockPollMs` (100 ms) up to `lockTimeoutMs` (10 s), then fails (MF-REG-5).
 * @see MF-REG-3, MF-REG-4, MF-REG-5, MF-REG-13, MF-REG-14, MF-REG-16, MF-REG-17
 */
import { ErrorCode, RegistryError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import { lockHolderPid, newLockContent } from './lock-content.js';
import type { ProcessProbe } from './process-probe.js';
import { LockLostError } from './registry-errors.js';
import type { ClaimSnapshot, LockClaim, LockSnapshot, RegistryStore } from './registry-store.js';

export { lockHolderPid } from './lock-content.js';

export interface RegistryLockOptions {
  readonly store: RegistryStore;
  readonly clock: Clock;
  readonly processProbe: ProcessProbe;
  /** Pid written into the lock. */
  readonly pid: number;
  /** Milliseconds; a lock at least this old (or this far in the future) is stale. */
  readonly lockStaleMs: number;
  /** Milliseconds between two attempts. */
  readonly lockPollMs: number;
  /** Milliseconds before giving up. */
  readonly lockTimeoutMs: number;
}

/** A held lock. */
export interface HeldLock {
  /** The exact content we wrote. */
  readonly content: string;
  /**
   * Claims our own lock for a write (MF-REG-14); call it just before the rename. Rejects with
   * {@link LockLostError} when the lock is no longer ours. Idempotent.
   */
  fence(): Promise<void>;
  /** Removes the lock (under its claim) if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** Who holds a lock (or a claim) and whether it may be broken. */
export interface LockVerdict {
  /** The pid on the file's first line, when it has one. */
  readonly holderPid: number | undefined;
  /** Distance between now and the file's modification time, milliseconds (never negative). */
  readonly ageMs: number;
  /** Why the file is stale, or undefined when it is live. */
  readonly staleBecause: string | undefined;
}

/** Immediate retries (a lock that vanished, one just broken) before the next wait of one poll. */
const QUICK_RETRIES = 50;
/**
 * A live claim is held for a few system calls (check, unlink, unlink), so a claim is waited on in steps of a
 * twentieth of the poll interval (5 ms by default) rather than a whole poll.
 */
const CLAIM_POLL_DIVISOR = 20;

export class RegistryLock {
  private readonly options: RegistryLockOptions;

  constructor(options: RegistryLockOptions) {
    this.options = options;
  }

  /** Milliseconds between two looks at a claim held by another process. */
  private get claimPollMs(): number {
    return Math.max(1, this.options.lockPollMs / CLAIM_POLL_DIVISOR);
  }

  /** Judges a lock or a claim as read now (MF-REG-4, MF-REG-16). */
  judge(file: { readonly content: string; readonly modifiedEpochMs: number }): LockVerdict {
    const { clock, processProbe, lockStaleMs } = this.options;
    const holderPid = lockHolderPid(file.content);
    const offsetMs = clock.epochMs() - file.modifiedEpochMs;
    const ageMs = Math.abs(offsetMs);
    let staleBecause: string | undefined;
    if (holderPid !== undefined && !processProbe.isAlive(holderPid))
      staleBecause = `its owner pid ${holderPid} is dead`;
    else if (ageMs >= lockStaleMs) {
      staleBecause =
        offsetMs >= 0
          ? `it is ${Math.round(ageMs)} ms old (stale from ${lockStaleMs} ms)`
          : `it is dated ${Math.round(ageMs)} ms in the future (stale from ${lockStaleMs} ms either way)`;
    }
    return { holderPid, ageMs, staleBecause };
  }

  /**
   * Acquires the lock, breaking stale ones; rejects with `RegistryError` (MF_REGISTRY) at `deadlineMs`
   * (clock `nowMs`), by default `lockTimeoutMs` from now.
   */
  async acquire(deadlineMs = this.options.clock.nowMs() + this.options.lockTimeoutMs): Promise<HeldLock> {
    const { store, clock, pid, lockPollMs } = this.options;
    const content = newLockContent(pid);
    let quickRetries = 0;
    let lastVerdict: LockVerdict | undefined;
    for (;;) {
      if (await store.createLock(content)) return this.held(content);
      const current = await store.readLock();
      let retryNow = current === undefined; // released between our two calls
      let busy = false;
      if (current !== undefined) {
        lastVerdict = this.judge(current);
        if (lastVerdict.staleBecause !== undefined) {
          busy = (await this.breakStale(current)) === 'busy';
          retryNow = !busy;
        }
      }
      if (retryNow && quickRetries++ < QUICK_RETRIES) continue;
      quickRetries = 0;
      const remainingMs = deadlineMs - clock.nowMs();
      if (remainingMs <= 0) throw this.timeoutError(lastVerdict);
      await clock.sleep(Math.min(busy ? this.claimPollMs : lockPollMs, remainingMs));
    }
  }

  /** Runs `action` holding the lock and releases it afterwards, whatever happens. */
  async withLock<T>(action: (lock: HeldLock) => Promise<T>): Promise<T> {
    const lock = await this.acquire();
    try {
      return await action(lock);
    } finally {
      await lock.release();
    }
  }

  /**
   * Removes temporary files and claims left by writers that died or stopped (MF-REG-17): those whose pid is
   * dead or that are at least `lockStaleMs` old. Call it holding the lock. Resolves how many were removed.
   */
  async cleanLeftovers(): Promise<number> {
    const { store, clock, processProbe, lockStaleMs } = this.options;
    let removed = 0;
    for (const leftover of await store.listLeftovers()) {
      const dead = leftover.pid !== undefined && !processProbe.isAlive(leftover.pid);
      if (dead || Math.abs(clock.epochMs() - leftover.modifiedEpochMs) >= lockStaleMs) {
        await store.removeLeftover(leftover.name);
        removed++;
      }
    }
    return removed;
  }

  /** Breaks a lock judged stale, under its claim: 'removed' by us, 'changed' meanwhile, or 'busy' (claimed by a live process). */
  private async breakStale(lock: LockSnapshot): Promise<'removed' | 'changed' | 'busy'> {
    const outcome = await this.options.store.claimLock(lock, newLockContent(this.options.pid));
    if (outcome.kind === 'claimed') {
      await outcome.claim.removeLock();
      return 'removed';
    }
    if (outcome.kind === 'changed') return 'changed';
    return (await this.clearStaleClaim(lock.identity, outcome.holder)) ? 'changed' : 'busy';
  }

  /** A claim whose claimer died or stopped is removed like a stale lock; resolves whether it is out of the way. */
  private async clearStaleClaim(identity: string, holder: ClaimSnapshot | undefined): Promise<boolean> {
    if (holder === undefined) return true; // released meanwhile
    if (this.judge(holder).staleBecause === undefined) return false;
    await this.options.store.removeClaim(identity, holder);
    return true;
  }

  /** Claims our own lock (`content`), or says why it is not ours any more. Waits at most `lockStaleMs` on another's claim. */
  private async claimOwn(content: string): Promise<LockClaim | string> {
    const { store, clock, lockStaleMs } = this.options;
    const deadlineMs = clock.nowMs() + lockStaleMs;
    for (;;) {
      const current = await store.readLock();
      if (current === undefined) return 'services.lock is gone: it was broken as stale';
      if (current.content !== content)
        return `services.lock is now another process's lock (pid ${lockHolderPid(current.content) ?? 'unknown'})`;
      const outcome = await store.claimLock(current, content);
      if (outcome.kind === 'claimed') return outcome.claim;
      if (outcome.kind === 'changed' || (await this.clearStaleClaim(current.identity, outcome.holder))) continue;
      if (clock.nowMs() >= deadlineMs)
        return `another process (pid ${lockHolderPid(outcome.holder?.content ?? '') ?? 'unknown'}) holds the claim of our lock`;
      await clock.sleep(this.claimPollMs);
    }
  }

  private held(content: string): HeldLock {
    let claim: LockClaim | undefined;
    let released = false;
    return {
      content,
      fence: async () => {
        if (claim !== undefined) return;
        const outcome = await this.claimOwn(content);
        if (typeof outcome === 'string') throw new LockLostError(this.options.store.lockPath, outcome);
        claim = outcome;
      },
      release: async () => {
        if (released) return;
        released = true;
        const outcome = claim ?? (await this.claimOwn(content));
        if (typeof outcome !== 'string') await outcome.removeLock();
      },
    };
  }

  private timeoutError(verdict: LockVerdict | undefined): RegistryError {
    const { store, lockTimeoutMs } = this.options;
    const holder =
      verdict === undefined
        ? 'other processes (it kept changing hands)'
        : verdict.holderPid === undefined
          ? 'an unknown process (no pid in the file)'
          : `pid ${verdict.holderPid}`;
    const age = verdict === undefined ? '' : `, ${Math.round(verdict.ageMs)} ms old`;
    return new RegistryError(
      ErrorCode.REGISTRY,
      `could not acquire the registry lock ${store.lockPath} within ${lockTimeoutMs} ms: held by ${holder}${age}; remove the file if that process is gone`,
      {
        details: {
          lockPath: store.lockPath,
          registryPath: store.registryPath,
          ...(verdict?.holderPid === undefined ? {} : { holderPid: verdict.holderPid }),
        },
      },
    );
  }
}
