/**
 * The child's view of its process: environment, signals, exit, its own output streams. The real host is
 * `process`; the simulator supplies in-process hosts so that many simulated children live in one Node process.
 */
import { ENV_PARENT_PIPE } from '../shared/environment.js';
import type { OutputStream } from '../shared/process-launcher.js';

/** Re-exported where it always was: callers that set up a child's environment import it from here. */
export { ENV_PARENT_PIPE };

export type StopSignal = 'SIGTERM' | 'SIGINT';

export interface ChildHost {
  readonly pid: number;
  env(name: string): string | undefined;
  /** Subscribes to stop signals; returns the unsubscribe function. */
  onStopSignal(handler: (signal: StopSignal) => void): () => void;
  /** Subscribes to "the parent is gone" (stdin closed in spawn mode); returns the unsubscribe function. */
  onParentGone(handler: () => void): () => void;
  /** Ends the process with this status. */
  exit(code: number): void;
  /** Writes as the program would (`process.stdout.write`): forwarded to the parent while capture is on. */
  write(stream: OutputStream, text: string): void;
  /** Writes to the process's own stream, bypassing forwarding. */
  writeRaw(stream: OutputStream, text: string): void;
  /**
   * Routes everything the process writes to stdout/stderr (console.* included) to `sink` until the returned
   * function is called. Text that `sink` declines (returns false) goes to the real stream.
   */
  captureOutput(sink: (stream: OutputStream, text: string) => boolean): () => void;
}

type Write = typeof process.stdout.write;

/** The real process. */
export class ProcessHost implements ChildHost {
  readonly pid = process.pid;
  private readonly originalWrites: Record<OutputStream, Write> = {
    stdout: process.stdout.write.bind(process.stdout) as Write,
    stderr: process.stderr.write.bind(process.stderr) as Write,
  };

  env(name: string): string | undefined {
    return process.env[name];
  }

  onStopSignal(handler: (signal: StopSignal) => void): () => void {
    const onTerm = (): void => handler('SIGTERM');
    const onInt = (): void => handler('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    return () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    };
  }

  onParentGone(handler: () => void): () => void {
    // Only a parent that says so gave us a stdin pipe of our own (the TypeScript ParentWorker does); other
    // parents may pass their own stdin through, whose end says nothing about them.
    if (process.env[ENV_PARENT_PIPE] !== 'stdin') return () => undefined;
    const stdin = process.stdin;
    const onEnd = (): void => handler();
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    stdin.resume();
    return () => {
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
    };
  }

  exit(code: number): void {
    process.exit(code);
  }

  write(stream: OutputStream, text: string): void {
    (stream === 'stdout' ? process.stdout : process.stderr).write(text);
  }

  writeRaw(stream: OutputStream, text: string): void {
    this.originalWrites[stream](text);
  }

  captureOutput(sink: (stream: OutputStream, text: string) => boolean): () => void {
    const patch = (stream: OutputStream, target: NodeJS.WriteStream): (() => void) => {
      const original = target.write;
      const original_ = this.originalWrites[stream];
      target.write = function patchedWrite(this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
        if (sink(stream, text)) {
          const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
          if (callback !== undefined) queueMicrotask(callback);
          return true;
        }
        return (original_ as (...args: unknown[]) => boolean)(chunk, ...rest);
      } as Write;
      return () => {
        target.write = original;
      };
    };
    const restoreOut = patch('stdout', process.stdout);
    const restoreErr = patch('stderr', process.stderr);
    return () => {
      restoreOut();
      restoreErr();
    };
  }
}
