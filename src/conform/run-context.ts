/** What the stages of one run share: its output streams, interrupt handling, environment and start time. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MultifrostError } from '../errors.js';
import type { Stream } from './conform-options.js';
import { STOP_FILE_ENV } from './run-catalogue.js';
import type { RunInterrupt } from './run-interrupt.js';

/** Environment variables set for the run (read by the catalogue's hooks and the fault relays), restored after. */
export class RunEnvironment {
  private readonly saved = new Map<string, string | undefined>();
  private stopDir: string | undefined;

  set(name: string, value: string): void {
    if (!this.saved.has(name)) this.saved.set(name, process.env[name]);
    process.env[name] = value;
  }

  /** A fresh stop file for this run (see {@link requestStop}). */
  useStopFile(): void {
    this.stopDir = mkdtempSync(join(tmpdir(), 'mf-run-'));
    this.set(STOP_FILE_ENV, join(this.stopDir, 'stop'));
  }

  restore(): void {
    for (const [name, value] of this.saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (this.stopDir !== undefined) rmSync(this.stopDir, { recursive: true, force: true });
  }
}

export interface RunContext {
  human: Stream;
  err: Stream;
  interrupt: RunInterrupt | undefined;
  env: RunEnvironment;
  startedAt: string;
  startedMs: number;
}

export function messageOf(error: unknown): string {
  if (error instanceof MultifrostError) return `${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
