/**
 * A parent implementation under test, through its driver (spec section 14): the kit starts the driver with
 * its instrumented child as the child to spawn, writes call lines to the driver's stdin, reads result and
 * event lines from its stdout, and reads what the child saw and did from the child's observation log
 * (src/conform/kit-child-observer.ts). Every process is released after the scenario, even when it fails:
 * the driver's process group, the child (which the driver put in a group of its own) and its grandchild.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Clock } from '../../src/time/clock.js';
import { within } from './expect.js';

/** One line the driver printed, with when it arrived on the run's clock. */
export interface DriverLine {
  atMs: number;
  /** Epoch ms, comparable with the child's log times. */
  atEpochMs: number;
  line: Record<string, unknown>;
}

/** One observation of the kit's child (see kit-child-observer.ts). */
export type ChildObservation = Record<string, unknown> & { t: number; event: string };

export interface DriverLaunch {
  argv: string[];
  env: Record<string, string>;
}

/** Process ids the cleanup must end, whatever state the scenario left them in. */
function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export class DriverSession {
  readonly lines: DriverLine[] = [];
  readonly stderr: string[] = [];
  readonly stdout: string[] = [];
  /** When each call line was written, by its seq, on the run's clock (how long a call took to settle). */
  readonly sentAtMs = new Map<unknown, number>();
  readonly logPath: string;
  readonly pid: number | undefined;
  exitStatus: { code: number | null; signal: string | null } | undefined;
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly waiters = new Set<() => void>();
  private readonly dir: string;
  private readonly write: (text: string) => void;

  constructor(
    readonly launch: DriverLaunch,
    private readonly clock: Clock,
    private readonly note: (text: string) => void,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'mf-driver-'));
    this.logPath = join(this.dir, 'kit-child.jsonl');
    const env = { ...launch.env, MULTIFROST_KIT_LOG: this.logPath };
    const child = spawn(launch.argv[0]!, launch.argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env,
    });
    this.pid = child.pid;
    child.stdin.on('error', () => undefined);
    this.write = (text) => void child.stdin.write(text);
    createInterface({ input: child.stdout }).on('line', (text) => this.onLine(text));
    createInterface({ input: child.stderr }).on('line', (text) => {
      this.stderr.push(text);
      this.wake();
    });
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.stderr.push(`could not start the driver: ${error.message}`);
        this.exitStatus = { code: null, signal: null };
        this.wake();
        resolve(this.exitStatus);
      });
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        this.note(`driver exited (code ${String(code)}, signal ${String(signal)})`);
        this.wake();
        resolve(this.exitStatus);
      });
    });
  }

  /** Sends one line to the driver's stdin. */
  send(line: Record<string, unknown>): void {
    this.note(`kit->driver ${JSON.stringify(line)}`);
    if ('seq' in line && !this.sentAtMs.has(line['seq'])) this.sentAtMs.set(line['seq'], this.clock.nowMs());
    this.write(`${JSON.stringify(line)}\n`);
  }

  /** Waits for a driver line matching `match` (or the driver's exit); undefined when none came in time. */
  async waitForLine(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<DriverLine | undefined> {
    return this.waitUntil(() => this.lines.find((entry) => match(entry.line)), timeoutMs);
  }

  /** The lines answering call `seq`. */
  answers(seq: unknown): DriverLine[] {
    return this.lines.filter((entry) => entry.line['seq'] === seq && 'ok' in entry.line);
  }

  /** The event lines named `name`. */
  events(name: string): DriverLine[] {
    return this.lines.filter((entry) => entry.line['event'] === name);
  }

  /** What the kit's child has logged so far. */
  observations(): ChildObservation[] {
    let text: string;
    try {
      text = readFileSync(this.logPath, 'utf8');
    } catch {
      return [];
    }
    const entries: ChildObservation[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line) as ChildObservation);
      } catch {
        // a line being written right now: read on the next poll
      }
    }
    return entries;
  }

  /** The messages the kit's child received, in order. */
  received(): Array<
    ChildObservation & {
      frames: number;
      delimiterEmpty: boolean;
      message: Record<string, unknown> | null;
      /** The payload's bytes, for CALLs. */
      payloadHex?: string;
    }
  > {
    return this.observations().filter((o) => o.event === 'recv') as ReturnType<DriverSession['received']>;
  }

  /**
   * Waits until the child's log holds an observation for which `found` returns a value. The log is a file the
   * child appends to, so this polls it (every 20 ms): it waits for the event, never for a fixed time.
   */
  async waitForObservation<T>(
    found: (log: ChildObservation[]) => T | undefined,
    timeoutMs: number,
  ): Promise<T | undefined> {
    const deadline = this.clock.nowMs() + timeoutMs;
    for (;;) {
      const value = found(this.observations());
      if (value !== undefined || this.clock.nowMs() >= deadline) return value;
      await this.clock.sleep(20);
    }
  }

  /** Ends every process the scenario left: the driver's group, the child's group and the child's grandchild. */
  async release(): Promise<void> {
    if (this.pid !== undefined && this.exitStatus === undefined) killQuietly(-this.pid);
    for (const entry of this.observations()) {
      if (entry.event === 'start' && typeof entry['pid'] === 'number') {
        const self = entry['self'] as { pgid?: number } | undefined;
        // Only a group the child leads: never signal a group the kit itself belongs to.
        if (self?.pgid === entry['pid']) killQuietly(-entry['pid']);
        killQuietly(entry['pid']);
      }
      if (entry.event === 'grandchild' && typeof entry['pid'] === 'number') killQuietly(entry['pid']);
    }
    await within(this.clock, 5_000, this.exited);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private onLine(text: string): void {
    this.stdout.push(text);
    this.note(`driver stdout: ${text}`);
    let line: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      line =
        typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : { unparsable: text };
    } catch {
      line = { unparsable: text };
    }
    this.lines.push({ atMs: this.clock.nowMs(), atEpochMs: this.clock.epochMs(), line });
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private async waitUntil<T>(found: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    const now = found();
    if (now !== undefined || this.exitStatus !== undefined) return now;
    let release: (() => void) | undefined;
    const arrived = new Promise<T | undefined>((resolve) => {
      release = () => {
        const hit = found();
        if (hit !== undefined || this.exitStatus !== undefined) resolve(hit);
      };
      this.waiters.add(release);
    });
    try {
      return await within(this.clock, timeoutMs, arrived);
    } finally {
      if (release !== undefined) this.waiters.delete(release);
    }
  }
}
