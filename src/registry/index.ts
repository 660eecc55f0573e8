/** The service registry (connect mode): explicit barrel. @see MF-REG-1..MF-REG-18, MF-SEC-4 */
export { ServiceRegistry } from './service-registry.js';
export type { DiscoverOptions } from './service-registry.js';
export { resolveRegistryOptions, defaultRegistryBaseDir } from './registry-options.js';
export type { RegistryOptions, ResolvedRegistryOptions } from './registry-options.js';
export type { RegistryEntry } from './registry-entry.js';
export type {
  RegistryStore,
  LockSnapshot,
  RegistryFileSnapshot,
  ClaimSnapshot,
  ClaimOutcome,
  LockClaim,
  Leftover,
} from './registry-store.js';
export { RegistryFileError, LockLostError } from './registry-errors.js';
export type { FileKind } from './registry-errors.js';
export { newLockContent } from './lock-content.js';
export { FileRegistryStore } from './file-store.js';
export type { FileRegistryStoreOptions, FileOwnerStat } from './file-store.js';
export { MemoryRegistryStore } from './memory-store.js';
export type { MemoryRegistryStoreOptions } from './memory-store.js';
export { RegistryLock, lockHolderPid } from './registry-lock.js';
export type { RegistryLockOptions, HeldLock, LockVerdict } from './registry-lock.js';
export { realProcessProbe, SimulatedProcessTable, isValidPid, isZombie } from './process-probe.js';
export type { ProcessProbe } from './process-probe.js';
export { parseRegistryText, formatRegistryText } from './registry-document.js';
export type { ParsedRegistry, RegistryMember } from './registry-document.js';
