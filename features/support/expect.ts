/**
 * Conformance assertions: every check names the clause it checks and fails with a {@link ConformanceFailure}
 * (clause text, expected, actual), the one failure format the CLI parses into its reports.
 */
import { ConformanceFailure, show } from '../../src/conform/conformance-failure.js';
import type { Clock } from '../../src/time/clock.js';

export { show };

/** Fails with `clause` unless `condition` holds. */
export function conform(
  condition: boolean,
  clause: string,
  expected: string,
  actual: string,
  detail?: string,
): asserts condition {
  if (!condition) throw new ConformanceFailure(clause, expected, actual, detail);
}

/** Structural equality of decoded values (Buffers by content, bigints by value, key order ignored). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
  }
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b) || a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keysA = Object.keys(a).sort();
    const keysB = Object.keys(b).sort();
    return (
      sameValue(keysA, keysB) &&
      keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
    );
  }
  return a === b;
}

/** Fails with `clause` unless `actual` equals `expected` structurally. */
export function conformEqual(actual: unknown, expected: unknown, clause: string, detail?: string): void {
  conform(sameValue(actual, expected), clause, show(expected), show(actual), detail);
}

/**
 * Resolves with the promise's value, or undefined when `timeoutMs` of the run's clock pass first (virtual
 * time on the simulator, so a long timeout costs nothing there).
 */
export async function within<T>(clock: Clock, timeoutMs: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: { cancel(): void } | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = clock.setTimer(timeoutMs, () => resolve(undefined));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    timer?.cancel();
  }
}

/** Settles a promise into its value or its error (for steps that expect a rejection). */
export function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
