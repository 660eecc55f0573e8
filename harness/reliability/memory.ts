/** Heap measurements after a forced GC, without needing `--expose-gc` on the command line. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/** Runs a full garbage collection. */
export function forceGc(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Heap in use after a full GC (two passes, a turn apart, so weak callbacks and finalizers have run), bytes. */
export async function settledHeapUsed(): Promise<number> {
  forceGc();
  await new Promise((resolve) => setImmediate(resolve));
  forceGc();
  return process.memoryUsage().heapUsed;
}
