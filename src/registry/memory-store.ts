/**
 * The registry in memory, for the simulator and for exact unit tests on a `VirtualClock`. It keeps the
 * registry as text (so corrupt files can be played), the lock and its claims with modification times from the
 * clock, and moved-aside files by name. Operations are atomic by construction (one JavaScript turn each).
 * @see MF-REG-3, MF-REG-6, MF-REG-7, MF-REG-13, MF-REG-14
 */
import type { Clock } from '../time/clock.js';
import { lockHolderPid } from './lock-content.js';
import type {
  ClaimOutcome,
  ClaimSnapshot,
  Leftover,
  LockSnapshot,
  RegistryFileSnapshot,
  RegistryStore,
} from './registry-store.js';

export interface MemoryRegistryStoreOptions {
  /** Source of lock modification times. */
  clock: Clock;
  /** Virtual base directory used in paths and messages. Default `/virtual/.multifrost`. */
  baseDir?: string;
  /** Owner uid reported for the registry file (MF-SEC-4). Default: `process.getuid()` where it exists. */
  ownerUid?: number;
}

export class MemoryRegistryStore implements RegistryStore {
  readonly registryPath: string;
  readonly lockPath: string;
  /** Files moved aside, by path (MF-REG-7). */
  readonly asideFiles = new Map<string, string>();
  /** Claims by the identity of the lock they claim (MF-REG-14). */
  readonly claims = new Map<string, ClaimSnapshot>();
  /** How many times the registry was written (each write is one atomic replace). */
  writeCount = 0;
  private readonly clock: Clock;
  private registry: RegistryFileSnapshot | undefined;
  private lock: LockSnapshot | undefined;
  private ownerUid: number | undefined;
  private nextIdentity = 1;

  constructor(options: MemoryRegistryStoreOptions) {
    const baseDir = options.baseDir ?? '/virtual/.multifrost';
    this.registryPath = `${baseDir}/services.json`;
    this.lockPath = `${baseDir}/services.lock`;
    this.clock = options.clock;
    this.ownerUid = options.ownerUid ?? process.getuid?.();
  }

  /** The registry text, or undefined when there is no file. */
  get registryText(): string | undefined {
    return this.registry?.text;
  }

  /** Replaces the registry file as another program would (any text, any owner). */
  setRegistryText(text: string, ownerUid: number | undefined = this.ownerUid): void {
    this.registry = { text, ownerUid };
  }

  /** The uid that new writes of the registry file get. */
  setOwnerUid(uid: number | undefined): void {
    this.ownerUid = uid;
    if (this.registry !== undefined) this.registry = { ...this.registry, ownerUid: uid };
  }

  /** The current lock, for assertions. */
  get currentLock(): LockSnapshot | undefined {
    return this.lock;
  }

  /** Puts a lock in place as another process would; `modifiedEpochMs` defaults to now. Returns it. */
  setLock(content: string, modifiedEpochMs = this.clock.epochMs()): LockSnapshot {
    this.lock = { content, modifiedEpochMs, identity: String(this.nextIdentity++) };
    return this.lock;
  }

  /** Puts a claim on lock `identity` in place as another process would. */
  setClaim(identity: string, content: string, modifiedEpochMs = this.clock.epochMs()): void {
    this.claims.set(identity, { content, modifiedEpochMs });
  }

  createLock(content: string): Promise<boolean> {
    if (this.lock !== undefined) return Promise.resolve(false);
    this.setLock(content);
    return Promise.resolve(true);
  }

  readLock(): Promise<LockSnapshot | undefined> {
    return Promise.resolve(this.lock);
  }

  claimLock(lock: LockSnapshot, claimContent: string): Promise<ClaimOutcome> {
    const { identity } = lock;
    const holder = this.claims.get(identity);
    if (holder !== undefined) return Promise.resolve({ kind: 'busy', holder });
    if (this.lock?.identity !== identity || this.lock.content !== lock.content)
      return Promise.resolve({ kind: 'changed' });
    const mine: ClaimSnapshot = { content: claimContent, modifiedEpochMs: this.clock.epochMs() };
    this.claims.set(identity, mine);
    const drop = (): void => {
      if (this.claims.get(identity) === mine) this.claims.delete(identity);
    };
    return Promise.resolve({
      kind: 'claimed',
      claim: {
        removeLock: () => {
          if (this.lock?.identity === identity) this.lock = undefined;
          drop();
          return Promise.resolve();
        },
        drop: () => {
          drop();
          return Promise.resolve();
        },
      },
    });
  }

  removeClaim(identity: string, expected: ClaimSnapshot): Promise<void> {
    const current = this.claims.get(identity);
    if (current?.content === expected.content && current.modifiedEpochMs === expected.modifiedEpochMs)
      this.claims.delete(identity);
    return Promise.resolve();
  }

  readRegistry(): Promise<RegistryFileSnapshot | undefined> {
    return Promise.resolve(this.registry);
  }

  async writeRegistry(text: string, fence?: () => Promise<void>): Promise<void> {
    await fence?.();
    this.registry = { text, ownerUid: this.ownerUid };
    this.writeCount++;
  }

  moveRegistryAside(tag: string): Promise<string> {
    if (this.registry === undefined) return Promise.reject(new Error(`${this.registryPath} does not exist`));
    const stem = `${this.registryPath}.${tag}`;
    let target = stem;
    for (let attempt = 1; this.asideFiles.has(target); attempt++) target = `${stem}-${attempt}`;
    this.asideFiles.set(target, this.registry.text);
    this.registry = undefined;
    return Promise.resolve(target);
  }

  listLeftovers(): Promise<Leftover[]> {
    return Promise.resolve(
      [...this.claims].map(([identity, claim]) => ({
        name: `services.lock.${identity}.claim`,
        kind: 'claim' as const,
        pid: lockHolderPid(claim.content),
        modifiedEpochMs: claim.modifiedEpochMs,
      })),
    );
  }

  removeLeftover(name: string): Promise<void> {
    const match = /^services\.lock\.(.+)\.claim$/.exec(name);
    if (match !== null) this.claims.delete(match[1]!);
    return Promise.resolve();
  }
}
