// Shared helpers for the registry tests: an in-memory registry world on a VirtualClock, and promise probes.
import assert from 'node:assert/strict';
import { MultifrostError, type ErrorCode } from '../../../src/errors.js';
import {
  MemoryRegistryStore,
  ServiceRegistry,
  SimulatedProcessTable,
  type RegistryOptions,
} from '../../../src/registry/index.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';

export interface MemoryWorld {
  readonly clock: VirtualClock;
  readonly processes: SimulatedProcessTable;
  readonly store: MemoryRegistryStore;
  /** A registry acting as a new live simulated process. */
  registryAs(pid?: number, options?: RegistryOptions): ServiceRegistry;
}

export function memoryWorld(): MemoryWorld {
  const clock = new VirtualClock();
  const processes = new SimulatedProcessTable();
  const store = new MemoryRegistryStore({ clock });
  return {
    clock,
    processes,
    store,
    registryAs: (pid = processes.spawn(), options = {}) =>
      new ServiceRegistry({ store, clock, processProbe: processes, pid, ...options }),
  };
}

/** Follows a promise without awaiting it, so a test can check whether it settled at a given virtual time. */
export function track<T>(promise: Promise<T>): {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
  readonly done: Promise<void>;
} {
  const state = {
    settled: false,
    value: undefined as T | undefined,
    error: undefined as unknown,
    done: Promise.resolve(),
  };
  state.done = promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/** Asserts a MultifrostError with `code` and returns it. */
export function assertCode(error: unknown, code: ErrorCode): MultifrostError {
  assert.ok(error instanceof MultifrostError, `expected a MultifrostError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
}

/** Awaits a promise that must reject with `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<MultifrostError> {
  const error = await promise.then(
    (value) => assert.fail(`expected ${code}, resolved with ${JSON.stringify(value)}`),
    (e: unknown) => e,
  );
  return assertCode(error, code);
}
