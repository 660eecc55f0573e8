/**
 * SIGINT and SIGTERM during a conformance run: stop starting scenarios, stop every process the kit started,
 * and let the run report what it did before exiting 130.
 */
import type { realClock } from '../time/real-clock.js';
import { EXIT } from './exit-codes.js';
import { requestStop } from './run-catalogue.js';
import { descendants, signalAll } from './worker-session.js';

/** How long the kit waits after an interrupt for the scenario in flight to end, before reporting anyway (ms). */
export const INTERRUPT_REPORT_WAIT_MS = 4000;

/** Time between SIGTERM and SIGKILL for the processes the kit stops on an interrupt (ms). */
const INTERRUPT_GRACE_MS = 1000;

/**
 * SIGINT and SIGTERM during a run. The kit's workers, relays and drivers run in process groups of their own
 * (so a worker's wrapper and grandchildren die with it), which also means a Ctrl-C or a cancelled CI job
 * never reaches them: on the first signal the kit asks the catalogue to start no further scenario, and sends
 * SIGTERM to every process descended from it and to their groups, then SIGKILL after a grace. A second
 * signal kills them at once and exits 130.
 */
export class RunInterrupt {
  signal: NodeJS.Signals | undefined;
  /** Processes the kit had started that were still running when the signal came. */
  stoppedProcesses = 0;
  readonly interrupted: Promise<NodeJS.Signals>;
  private markInterrupted: (signal: NodeJS.Signals) => void = () => undefined;
  private swept: Promise<void> = Promise.resolve();
  private readonly handler = (signal: NodeJS.Signals): void => this.onSignal(signal);

  constructor(private readonly clock: typeof realClock) {
    this.interrupted = new Promise((resolve) => (this.markInterrupted = resolve));
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.signal !== undefined) {
      signalAll(descendants(process.pid), 'SIGKILL');
      process.exit(EXIT.INTERRUPTED);
    }
    this.signal = signal;
    requestStop(`interrupted by ${signal}`);
    const first = descendants(process.pid);
    this.stoppedProcesses = first.length;
    signalAll(first, 'SIGTERM');
    // What ignores SIGTERM, and anything started meanwhile, gets SIGKILL.
    this.swept = this.clock
      .sleep(INTERRUPT_GRACE_MS)
      .then(() => signalAll([...new Set([...first, ...descendants(process.pid)])], 'SIGKILL'));
    this.markInterrupted(signal);
  }

  /**
   * Removes the handlers. After an interrupt: waits for the SIGKILL sweep, and makes sure a step still
   * waiting inside cucumber cannot keep the process alive (the exit status stays 130).
   */
  async finish(): Promise<void> {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    if (this.signal === undefined) return;
    await this.swept;
    signalAll(descendants(process.pid), 'SIGKILL');
    // Not the Clock: this timer must not itself hold the process open (unref), which the Clock cannot say.
    setTimeout(() => process.exit(EXIT.INTERRUPTED), INTERRUPT_REPORT_WAIT_MS).unref();
  }
}
