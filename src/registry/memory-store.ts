/**
 * The registry in memory, for the simulator and for exact unit tests on a `VirtualClock`. It keeps the
 * registry as text (so corrupt files can be played), the lock with a modification time from the clock, and
 * moved-aside files by name. Operations are atomic by construction (one JavaScript turn each).
 * @see MF-REG-3, MF-REG-6, MF-REG-7
 */
import type { Clock } from '../time/clock.js';
import type { LockSnapshot, RegistryFileSnapshot, RegistryStore } from './registry-store.js';

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
  /** How many times the registry was written (each write is one atomic replace). */
  writeCount = 0;
  private readonly clock: Clock;
  private registry: RegistryFileSnapshot | undefined;
  private lock: LockSnapshot | undefined;
  private ownerUid: number | undefined;

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

  /** Puts a lock in place as another process would; `modifiedEpochMs` defaults to now. */
  setLock(content: string, modifiedEpochMs = this.clock.epochMs()): void {
    this.lock = { content, modifiedEpochMs };
  }

  createLock(content: string): Promise<boolean> {
    if (this.lock !== undefined) return Promise.resolve(false);
    this.lock = { content, modifiedEpochMs: this.clock.epochMs() };
    return Promise.resolve(true);
  }

  readLock(): Promise<LockSnapshot | undefined> {
    return Promise.resolve(this.lock);
  }

  removeLock(expectedContent: string): Promise<boolean> {
    if (this.lock?.content !== expectedContent) return Promise.resolve(false);
    this.lock = undefined;
    return Promise.resolve(true);
  }

  readRegistry(): Promise<RegistryFileSnapshot | undefined> {
    return Promise.resolve(this.registry);
  }

  writeRegistry(text: string): Promise<void> {
    this.registry = { text, ownerUid: this.ownerUid };
    this.writeCount++;
    return Promise.resolve();
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
}
