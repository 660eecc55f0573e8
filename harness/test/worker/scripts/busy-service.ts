// A connect-mode service with a CPU-bound handler, for the memory-bound test (process-memory.test.ts).
// Registers under $MF_TEST_SERVICE_ID in $MULTIFROST_HOME.
import { ChildWorker } from '../../../../src/worker/child/child-worker.js';

class BusyService extends ChildWorker {
  /** Blocks the event loop for `ms` milliseconds: nothing else in this process runs meanwhile. */
  busy(ms: number): number {
    const end = performance.now() + Number(ms);
    while (performance.now() < end) {
      // spin
    }
    return ms;
  }

  ping(): string {
    return 'pong';
  }
}

await new BusyService({ serviceId: process.env['MF_TEST_SERVICE_ID'] ?? 'busy' }).run();
