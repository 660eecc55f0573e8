/**
 * A ChildHost for a ChildWorker that runs inside the harness process on real sockets: no environment but what
 * it is given, exits recorded instead of performed, and log lines counted by drop reason instead of kept (a
 * fuzz run logs hundreds of thousands of drops; keeping them would look like a leak).
 */
import type { LogFields, Logger } from '../../src/logging/logger.js';
import type { ChildHost, StopSignal } from '../../src/worker/child/child-host.js';
import type { OutputStream } from '../../src/worker/shared/process-launcher.js';

export class CountingHost implements ChildHost {
  readonly exits: number[] = [];
  /** Dropped messages the worker logged, by reason. */
  readonly drops = new Map<string, number>();
  /** The last log lines, for failure messages. */
  readonly lastLines: string[] = [];
  private readonly stopHandlers = new Set<(signal: StopSignal) => void>();

  constructor(
    readonly pid: number,
    private readonly environment: Readonly<Record<string, string>>,
  ) {}

  env(name: string): string | undefined {
    return this.environment[name];
  }

  onStopSignal(handler: (signal: StopSignal) => void): () => void {
    this.stopHandlers.add(handler);
    return () => this.stopHandlers.delete(handler);
  }

  onParentGone(): () => void {
    return () => undefined;
  }

  /** Records the exit; like a real process, only the first exit counts (later ones are recorded apart). */
  exit(code: number): void {
    if (this.exits.length === 0) this.exits.push(code);
    else this.laterExits++;
  }

  /** exit() calls after the first (a real process would already be gone). */
  laterExits = 0;

  write(stream: OutputStream, text: string): void {
    this.writeRaw(stream, text);
  }

  writeRaw(_stream: OutputStream, text: string): void {
    this.keep(text.trimEnd());
  }

  /** The worker's logger (give it as the `logger` option): drops counted by reason, the rest kept as lines. */
  readonly logger: Logger = (() => {
    const line = (level: string) => (fields: LogFields, message: string) => {
      const reason = fields['reason'];
      if (message === 'dropped message' && typeof reason === 'string')
        this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
      this.keep(`${level}: ${message} ${JSON.stringify(fields)}`);
    };
    return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  })();

  private keep(line: string): void {
    this.lastLines.push(line);
    if (this.lastLines.length > 20) this.lastLines.shift();
  }

  captureOutput(): () => void {
    return () => undefined;
  }

  /** Delivers SIGTERM as the real process would (the worker stops and "exits" 0). */
  terminate(): void {
    for (const handler of [...this.stopHandlers]) handler('SIGTERM');
  }
}
