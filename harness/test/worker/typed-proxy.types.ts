// Type-level tests of the typed call proxy, checked by `npx tsc -p tsconfig.check.json` (harness/**/*.ts is
// in its include list). Nothing here runs: every `@ts-expect-error` line must be a compile error, or the
// type check fails ("Unused '@ts-expect-error' directive"), and every other line must compile.
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import type { CallProxy, RemoteApi } from '../../../src/worker/parent/call-proxy.js';

interface MathApi {
  add(a: number, b: number): number;
  greet(name: string, excited?: boolean): string;
  slow(ms: number): Promise<number>;
  nothing(): void;
  /** Not a method: not on the proxy. */
  version: string;
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

export async function typedProxyCases(worker: ParentWorker<MathApi>): Promise<void> {
  // ---- positive cases --------------------------------------------------------------------------------
  const sum: number = await worker.call.add(1, 2);
  const greeting: string = await worker.call.greet('ada');
  await worker.call.greet('ada', true);
  const slept: number = await worker.call.slow(5); // Promise<number> is not doubled
  await worker.call.nothing();
  await worker.call.withOptions({ timeoutMs: 500, namespace: 'default', clientName: 'me' }).add(1, 2);
  await worker.call.withOptions({ timeoutMs: 5 }).withOptions({ namespace: 'x' }).greet('b');
  await worker.withOptions({ timeout: 5000 }).add(1, 2);
  assertType<Equal<ReturnType<CallProxy<MathApi>['add']>, Promise<number>>>();
  assertType<Equal<ReturnType<RemoteApi<MathApi>['slow']>, Promise<number>>>();
  assertType<Equal<keyof RemoteApi<MathApi>, 'add' | 'greet' | 'slow' | 'nothing'>>();
  void [sum, greeting, slept];

  // ---- wrong argument types and counts ---------------------------------------------------------------
  // @ts-expect-error a string where a number is declared
  await worker.call.add('1', 2);
  // @ts-expect-error too few arguments
  await worker.call.add(1);
  // @ts-expect-error too many arguments
  await worker.call.add(1, 2, 3);
  // @ts-expect-error a number where a string is declared
  await worker.call.greet(42);

  // ---- unknown methods and non-methods ----------------------------------------------------------------
  // @ts-expect-error no such method
  await worker.call.subtract(1, 2);
  // @ts-expect-error a property, not a method, is not callable remotely
  await worker.call.version();
  // @ts-expect-error no such method behind withOptions either
  await worker.call.withOptions({ timeoutMs: 1 }).subtract(1, 2);

  // ---- wrong use of results ---------------------------------------------------------------------------
  // @ts-expect-error the result is a promise: not a number until awaited
  const notAwaited: number = worker.call.add(1, 2);
  // @ts-expect-error add resolves to a number, not a string
  const wrongType: string = await worker.call.add(1, 2);
  // @ts-expect-error a void method's result has no properties
  const voidLength: number = (await worker.call.nothing()).length;

  // ---- options ------------------------------------------------------------------------------------------
  // @ts-expect-error unknown call option
  await worker.call.withOptions({ timeoutSeconds: 5 }).add(1, 2);
  // @ts-expect-error timeoutMs is a number
  await worker.call.withOptions({ timeoutMs: '5' }).add(1, 2);
  void [notAwaited, wrongType, voidLength];
}

/**
 * An untyped worker accepts any name and any arguments; results are unknown. Its proxy is an index signature,
 * so under `noUncheckedIndexedAccess` (this project's setting) a method reads as possibly undefined: `!`.
 */
export async function untypedProxyCases(worker: ParentWorker): Promise<void> {
  const anything: unknown = await worker.call.whatever!(1, 'two', { three: 3 });
  // @ts-expect-error without `!` under noUncheckedIndexedAccess
  await worker.call.whatever(1);
  // @ts-expect-error an unknown result must be narrowed before use
  const asNumber: number = await worker.call.whatever!();
  void [anything, asNumber];
}

/** Spawning infers nothing: the API is the type argument. */
export function spawnCases(): void {
  const typed = ParentWorker.spawn<MathApi>('./math-worker.ts');
  void typed.call.add;
  // @ts-expect-error the type argument must be an object type
  ParentWorker.spawn<number>('./math-worker.ts');
}
