/**
 * A simulated process for a ChildWorker living inside the test's Node process: its own environment, pid,
 * signals, exit and output streams. Used by {@link SimLauncher}.
 */
import type { ChildHost, StopSignal } from '../child/child-host.js';
import type { OutputStream } from '../shared/process-launcher.js';

export class SimHost implements ChildHost {
  /** What the process wrote to its own streams (not forwarded), in order. */
  readonly rawOutput: Array<{ stream: OutputStream; text: string }> = [];
  private readonly stopHandlers = new Set<(signal: StopSignal) => void>();
  private readonly goneHandlers = new Set<() => void>();
  private capture: ((stream: OutputStream, text: string) => boolean) | undefined;
  private exitCode: number | undefined;

  constructor(
    readonly pid: number,
    private readonly environment: Readonly<Record<string, string>>,
    private readonly onExit: (code: number) => void,
    private readonly onRawWrite: (stream: OutputStream, text: string) => void = () => undefined,
  ) {}

  get exited(): boolean {
    return this.exitCode !== undefined;
  }

  env(name: string): string | undefined {
    return this.environment[name];
  }

  onStopSignal(handler: (signal: StopSignal) => void): () => void {
    this.stopHandlers.add(handler);
    return () => this.stopHandlers.delete(handler);
  }

  onParentGone(handler: () => void): () => void {
    this.goneHandlers.add(handler);
    return () => this.goneHandlers.delete(handler);
  }

  exit(code: number): void {
    if (this.exitCode !== undefined) return;
    this.exitCode = code;
    this.onExit(code);
  }

  writeRaw(stream: OutputStream, text: string): void {
    this.rawOutput.push({ stream, text });
    this.onRawWrite(stream, text);
  }

  captureOutput(sink: (stream: OutputStream, text: string) => boolean): () => void {
    this.capture = sink;
    return () => {
      if (this.capture === sink) this.capture = undefined;
    };
  }

  /** What the program writes to "its stdout/stderr" (the simulated `process.stdout.write`). */
  write(stream: OutputStream, text: string): void {
    if (this.capture?.(stream, text) === true) return;
    this.writeRaw(stream, text);
  }

  /** Delivers a stop signal; returns false when nothing handles it (the process then dies of it). */
  signal(signal: StopSignal): boolean {
    if (this.stopHandlers.size === 0) return false;
    for (const handler of [...this.stopHandlers]) handler(signal);
    return true;
  }

  /** The parent went away (its end of stdin closed). */
  parentGone(): void {
    for (const handler of [...this.goneHandlers]) handler();
  }
}
