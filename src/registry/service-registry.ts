/**
 * The service registry: connect-mode children register `serviceId -> port`, parents discover it.
 * A child binds loopback port 0 first and registers the port it got, so the registry never hands out ports.
 *
 * Mutations (register, unregister) hold the lock, read the file, change one member and write the whole file
 * atomically; every other member is written back byte for byte. Discovery takes no lock (writes are atomic
 * renames, so a reader sees the old file or the new one) and polls until its timeout.
 * @see MF-REG-1..MF-REG-17, MF-SEC-4, MF-LIFE-12
 */
import {
  ErrorCode,
  InvalidArgumentError,
  MultifrostError,
  RegistryError,
  type RegistryErrorDetails,
} from '../errors.js';
import { formatRegistryText, memberOf, parseRegistryText, type RegistryMember } from './registry-document.js';
import { checkEntry, entryJson, validatePort, validateServiceId, type RegistryEntry } from './registry-entry.js';
import { LockLostError } from './registry-errors.js';
import { RegistryLock } from './registry-lock.js';
import { resolveRegistryOptions, type RegistryOptions, type ResolvedRegistryOptions } from './registry-options.js';
import type { RegistryFileSnapshot } from './registry-store.js';

export interface DiscoverOptions {
  /** How long to keep polling (milliseconds). Default: the registry's `discoverTimeoutMs` (5_000). 0 = read once. */
  timeoutMs?: number;
  /** Stops polling early; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What one discovery read saw, for the not-found error. */
type Sighting = { readonly found: RegistryEntry } | { readonly seen: string };

export class ServiceRegistry {
  readonly options: ResolvedRegistryOptions;
  private readonly lock: RegistryLock;

  /** @param options resolved once, see {@link resolveRegistryOptions}; `new ServiceRegistry()` uses the user's file registry. */
  constructor(options: RegistryOptions = {}) {
    this.options = resolveRegistryOptions(options);
    this.lock = new RegistryLock(this.options);
  }

  /** `<base>/services.json`. */
  get registryPath(): string {
    return this.options.store.registryPath;
  }

  /** `<base>/services.lock`. */
  get lockPath(): string {
    return this.options.store.lockPath;
  }

  /**
   * Registers `serviceId` at `port` for this registry's pid. Refuses (MF_ALREADY_REGISTERED) when the id is held
   * by a live pid, including our own; replaces an entry whose pid is dead, or one too malformed to name a pid.
   * `fields` adds keys to the entry, e.g. `curve_public_key` (MF-SEC-7).
   * @see MF-REG-8
   */
  async register(
    serviceId: string,
    port: number,
    fields: Readonly<Record<string, string>> = {},
  ): Promise<RegistryEntry> {
    validateServiceId(serviceId);
    validatePort(port);
    return this.mutate(serviceId, (members) => {
      const existing = members.get(serviceId);
      if (existing !== undefined) {
        const check = checkEntry(existing.value);
        const holderPid = check.ok ? check.entry.pid : check.pid;
        if (holderPid !== undefined && this.options.processProbe.isAlive(holderPid)) {
          throw new RegistryError(
            ErrorCode.ALREADY_REGISTERED,
            `service '${serviceId}' is already registered in ${this.registryPath} by live pid ${holderPid}` +
              (check.ok ? ` (port ${check.entry.port})` : ''),
            { details: { serviceId, registryPath: this.registryPath, holderPid } },
          );
        }
      }
      const entry: RegistryEntry = {
        port,
        pid: this.options.pid,
        started: new Date(this.options.clock.epochMs()).toISOString(),
        extra: { ...fields },
      };
      members.set(serviceId, memberOf({ ...fields, ...entryJson(entry) }));
      return { changed: true, result: entry };
    });
  }

  /**
   * Removes `serviceId` when its entry holds this registry's pid; resolves whether it did. An entry of another
   * pid (a successor that took over a dead registration) is left alone.
   * @see MF-REG-9
   */
  async unregister(serviceId: string): Promise<boolean> {
    validateServiceId(serviceId);
    return this.mutate(serviceId, (members) => {
      const existing = members.get(serviceId);
      if (existing === undefined) return { changed: false, result: false };
      const check = checkEntry(existing.value);
      const holderPid = check.ok ? check.entry.pid : check.pid;
      if (holderPid !== this.options.pid) return { changed: false, result: false };
      members.delete(serviceId);
      return { changed: true, result: true };
    });
  }

  /**
   * Finds the entry of a live process under `serviceId`, reading every `discoverPollMs` (100 ms) until
   * `timeoutMs` (default 5_000). Malformed entries and dead pids are ignored. Rejects with
   * MF_SERVICE_NOT_FOUND after the timeout (naming the id, the file and what the last read saw), or at once
   * with MF_REGISTRY when the file belongs to another user (MF-SEC-4) or cannot be read.
   * @see MF-REG-10, MF-REG-12, MF-SEC-4
   */
  async discover(serviceId: string, options: DiscoverOptions = {}): Promise<RegistryEntry> {
    validateServiceId(serviceId);
    const { clock, discoverPollMs } = this.options;
    const timeoutMs = options.timeoutMs ?? this.options.discoverTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new InvalidArgumentError('timeoutMs', `must be a finite number of milliseconds >= 0, got ${timeoutMs}`);
    }
    const deadlineMs = clock.nowMs() + timeoutMs;
    for (;;) {
      options.signal?.throwIfAborted();
      const sighting = await this.lookOnce(serviceId);
      if ('found' in sighting) return sighting.found;
      const remainingMs = deadlineMs - clock.nowMs();
      if (remainingMs <= 0) {
        throw new RegistryError(
          ErrorCode.SERVICE_NOT_FOUND,
          `service '${serviceId}' not found in ${this.registryPath} within ${timeoutMs} ms: ${sighting.seen}`,
          { details: { serviceId, registryPath: this.registryPath } },
        );
      }
      await clock.sleep(Math.min(discoverPollMs, remainingMs), options.signal);
    }
  }

  /**
   * Every well-formed entry of a live pid, by service id (what discovery would return now). Reads once, no lock.
   * Rejects like `discover` on an untrusted file, and with MF_REGISTRY on a file that is not a JSON object.
   */
  async list(): Promise<Record<string, RegistryEntry>> {
    const snapshot = await this.readTrusted();
    const result: Record<string, RegistryEntry> = {};
    if (snapshot === undefined) return result;
    const parsed = parseRegistryText(snapshot.text);
    if (!parsed.ok)
      throw new RegistryError(ErrorCode.REGISTRY, `${this.registryPath} is unusable: ${parsed.reason}`, {
        details: { registryPath: this.registryPath },
      });
    for (const [serviceId, member] of parsed.members) {
      const check = checkEntry(member.value);
      if (check.ok && this.options.processProbe.isAlive(check.entry.pid)) {
        Object.defineProperty(result, serviceId, {
          value: check.entry,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return result;
  }

  private async lookOnce(serviceId: string): Promise<Sighting> {
    const snapshot = await this.readTrusted();
    if (snapshot === undefined) return { seen: 'the registry file does not exist' };
    const parsed = parseRegistryText(snapshot.text);
    if (!parsed.ok) return { seen: `the registry file is unusable (${parsed.reason})` };
    const member = parsed.members.get(serviceId);
    if (member === undefined) {
      const ids = [...parsed.members.keys()];
      return {
        seen: `no entry under that id (${ids.length === 0 ? 'the registry is empty' : `ids present: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''}`})`,
      };
    }
    const check = checkEntry(member.value);
    if (!check.ok) return { seen: `the entry is malformed and ignored (${check.problem}): ${member.raw}` };
    if (!this.options.processProbe.isAlive(check.entry.pid))
      return { seen: `the entry's pid ${check.entry.pid} is dead (port ${check.entry.port})` };
    return { found: check.entry };
  }

  /** Reads the file and refuses one owned by another user (MF-SEC-4). */
  private async readTrusted(): Promise<RegistryFileSnapshot | undefined> {
    const snapshot = await this.guard('read', () => this.options.store.readRegistry());
    const { trustedUid } = this.options;
    if (
      snapshot !== undefined &&
      trustedUid !== null &&
      snapshot.ownerUid !== undefined &&
      snapshot.ownerUid !== trustedUid
    ) {
      throw new RegistryError(
        ErrorCode.REGISTRY,
        `${this.registryPath} is owned by uid ${snapshot.ownerUid}, not by this user (uid ${trustedUid}); ` +
          `its entries are not trusted (MF-SEC-4). Check who wrote it, or point MULTIFROST_HOME at a directory of your own`,
        { details: { registryPath: this.registryPath } },
      );
    }
    return snapshot;
  }

  /**
   * Lock, read, change, write back (fenced), unlock. A file that is not a JSON object is moved aside, never
   * overwritten. When our lock was broken before the write (we were stopped past the stale age), nothing was
   * written and the whole operation runs again, reading the file afresh, while the lock timeout lasts.
   * @see MF-REG-3, MF-REG-7, MF-REG-14, MF-REG-17
   */
  private async mutate<T>(
    serviceId: string,
    change: (members: Map<string, RegistryMember>) => { changed: boolean; result: T },
  ): Promise<T> {
    const deadlineMs = this.options.clock.nowMs() + this.options.lockTimeoutMs;
    return this.guard('update', async () => {
      for (;;) {
        try {
          return await this.mutateOnce(serviceId, change, deadlineMs);
        } catch (error) {
          if (!(error instanceof LockLostError) || this.options.clock.nowMs() >= deadlineMs) throw error;
        }
      }
    });
  }

  private async mutateOnce<T>(
    serviceId: string,
    change: (members: Map<string, RegistryMember>) => { changed: boolean; result: T },
    deadlineMs: number,
  ): Promise<T> {
    const held = await this.lock.acquire(Math.max(deadlineMs, this.options.clock.nowMs()));
    try {
      await this.lock.cleanLeftovers();
      const snapshot = await this.readTrusted();
      const parsed =
        snapshot === undefined
          ? { ok: true as const, members: new Map<string, RegistryMember>() }
          : parseRegistryText(snapshot.text);
      if (!parsed.ok) throw await this.moveAside(serviceId, parsed.reason);
      const { changed, result } = change(parsed.members);
      if (changed) await this.options.store.writeRegistry(formatRegistryText(parsed.members), () => held.fence());
      return result;
    } finally {
      await held.release();
    }
  }

  /**
   * MF-REG-7: keep the unusable file under a new name and fail, naming both paths. The operation is not
   * retried on a fresh registry: the caller learns that entries may have been lost; the next operation
   * starts from an empty registry (the file no longer exists).
   */
  private async moveAside(serviceId: string, reason: string): Promise<RegistryError> {
    const movedToPath = await this.options.store.moveRegistryAside(
      `corrupt-${this.options.clock.epochMs()}-${this.options.pid}`,
    );
    const details: RegistryErrorDetails = { registryPath: this.registryPath, movedToPath, serviceId };
    return new RegistryError(
      ErrorCode.REGISTRY,
      `${this.registryPath} is unusable (${reason}); it was moved aside to ${movedToPath} and not overwritten. ` +
        `The operation on '${serviceId}' was not done; retry it to start a fresh registry, and recover entries from ${movedToPath} by hand if needed`,
      { details },
    );
  }

  /** Turns file-system failures into RegistryError (MF_REGISTRY), keeping the cause. */
  private async guard<T>(what: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof MultifrostError) throw error;
      throw new RegistryError(
        ErrorCode.REGISTRY,
        `could not ${what} the registry ${this.registryPath}: ${(error as Error).message ?? String(error)}`,
        { cause: error, details: { registryPath: this.registryPath, lockPath: this.lockPath } },
      );
    }
  }
}
