/**
 * The start-up check of a parent driver (`--role parent`), run once before the catalogue: start the driver
 * with the kit's instrumented child, read its hello line (`{"event":"hello","capabilities":[...]}`), tell it
 * to stop, and wait for `{"event":"stopped"}` and its exit. A driver that exits first, reports
 * `start-failed`, stays silent or has no hello line is a setup error that quotes its exit status and the
 * tail of its stderr, instead of every driver scenario failing with an empty answer.
 * @see MF-DRV-1, MF-DRV-2 (docs/spec.md section 14)
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { SpawnError } from '../errors.js';
import type { ProfileName } from '../protocol/profile.js';
import type { Clock } from '../time/clock.js';
import { TailBuffer } from '../worker/shared/process-launcher.js';

/** Options of {@link probeDriver}. */
export interface DriverProbeOptions {
  /** The driver's argv (argv[0] is the program; no shell). */
  argv: readonly string[];
  /** argv of the child the driver spawns (`MULTIFROST_CHILD_COMMAND`). */
  childArgv: readonly string[];
  profile: ProfileName;
  /** `MULTIFROST_CALL_TIMEOUT_MS` given to the driver. */
  callTimeoutMs: number;
  /** How long the driver may take for its hello line, and again for its stop sequence, in ms. */
  startupTimeoutMs: number;
  /**
   * Silence after which the kit sends `{"op":"stop"}` without waiting for the hello line, in ms (default
   * the smaller of 2,000 and `startupTimeoutMs`): a driver that has no hello line still answers it with
   * `stopped`, which tells "no hello line" apart from "not started".
   */
  nudgeMs?: number;
  clock: Clock;
  /** Environment of the driver (default `process.env`), before the contract's variables are added. */
  env?: NodeJS.ProcessEnv;
}

/** What the driver declared. */
export interface DriverHello {
  capabilities: string[];
  /** From start to the hello line, in ms. */
  helloMs: number;
}

type DriverEvent =
  { kind: 'line'; text: string } | { kind: 'exit'; code: number | null; signal: string | null } | { kind: 'timeout' };

const CONTRACT =
  'the driver contract (docs/spec.md section 14, MF-DRV-2) says its first stdout line is {"event":"hello","capabilities":[...]}, printed as soon as it runs, before it starts the worker';

/**
 * Starts the driver once and returns its declared capabilities.
 * @throws SpawnError (exit status and stderr tail in the message) when the driver does not follow the contract at start-up.
 */
export async function probeDriver(options: DriverProbeOptions): Promise<DriverHello> {
  const session = new DriverSession(options);
  try {
    return await session.check();
  } finally {
    session.kill();
  }
}

class DriverSession {
  private readonly child;
  private readonly stderr = new TailBuffer(4096);
  private readonly events: DriverEvent[] = [];
  private waiter: (() => void) | undefined;
  private stopSent = false;
  private exit: { code: number | null; signal: string | null } | undefined;

  constructor(private readonly options: DriverProbeOptions) {
    const env: NodeJS.ProcessEnv = {
      ...(options.env ?? process.env),
      MULTIFROST_CHILD_COMMAND: JSON.stringify(options.childArgv),
      MULTIFROST_PROFILE: options.profile,
      MULTIFROST_CALL_TIMEOUT_MS: String(options.callTimeoutMs),
    };
    delete env['MULTIFROST_MISBEHAVE'];
    const [command, ...args] = options.argv;
    // Its own process group, so kill() reaches whatever it started.
    this.child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env });
    this.child.stdin.on('error', () => undefined);
    createInterface({ input: this.child.stdout }).on('line', (text) => this.push({ kind: 'line', text }));
    this.child.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString('utf8')));
    const stdoutClosed = new Promise((resolve) => this.child.stdout.once('close', resolve));
    const ended = (code: number | null, signal: string | null): void => {
      this.exit ??= { code, signal };
      // Lines printed just before the exit come first.
      void stdoutClosed.then(() => this.push({ kind: 'exit', code, signal }));
    };
    this.child.once('exit', ended);
    this.child.once('error', (error) => {
      this.stderr.push(`${error.message}\n`);
      this.exit ??= { code: null, signal: null };
      this.push({ kind: 'exit', code: null, signal: null });
    });
  }

  async check(): Promise<DriverHello> {
    const { clock, startupTimeoutMs } = this.options;
    const started = clock.nowMs();
    const nudge = clock.setTimer(this.options.nudgeMs ?? Math.min(2000, startupTimeoutMs), () => this.sendStop());
    const first = await this.next(started + startupTimeoutMs);
    nudge.cancel();
    const hello = this.readHello(first, startupTimeoutMs);
    const helloMs = clock.nowMs() - started;
    this.sendStop();
    await this.waitStopped(clock.nowMs() + startupTimeoutMs);
    return { capabilities: hello, helloMs };
  }

  private readHello(event: DriverEvent, timeoutMs: number): string[] {
    if (event.kind === 'timeout')
      throw this.error(
        `the driver printed nothing within ${timeoutMs} ms of starting (no hello line, and no answer to {"op":"stop"}); ${CONTRACT}`,
      );
    if (event.kind === 'exit') throw this.error('the driver exited before its hello line');
    const line = parseLine(event.text);
    if (line?.['event'] === 'hello') {
      const capabilities = line['capabilities'];
      if (!Array.isArray(capabilities) || !capabilities.every((c) => typeof c === 'string')) {
        throw this.error(`the driver's hello line has no "capabilities" array of strings: ${event.text}`);
      }
      return capabilities as string[];
    }
    if (line?.['event'] === 'start-failed')
      throw this.error(`the driver could not start its worker: ${String(line['error'] ?? event.text)}`);
    if (line?.['event'] === 'stopped')
      throw this.error(
        `the driver has no hello line: it answered {"op":"stop"} with {"event":"stopped"}, but ${CONTRACT}`,
      );
    throw this.error(`the driver's first stdout line is not its hello line: ${event.text.slice(0, 200)}; ${CONTRACT}`);
  }

  private async waitStopped(deadlineMs: number): Promise<void> {
    for (;;) {
      const event = await this.next(deadlineMs);
      if (event.kind === 'timeout')
        throw this.error(
          `the driver did not print {"event":"stopped"} and exit within ${this.options.startupTimeoutMs} ms of {"op":"stop"}`,
        );
      if (event.kind === 'exit')
        throw this.error('the driver exited without printing {"event":"stopped"} after {"op":"stop"}');
      const line = parseLine(event.text);
      if (line?.['event'] === 'start-failed')
        throw this.error(`the driver could not start its worker: ${String(line['error'] ?? event.text)}`);
      if (line?.['event'] === 'stopped') break;
    }
    const exit = await this.next(deadlineMs);
    if (exit.kind === 'timeout')
      throw this.error(
        `the driver printed {"event":"stopped"} but did not exit within ${this.options.startupTimeoutMs} ms`,
      );
    if (exit.kind === 'exit' && exit.code !== 0)
      throw this.error(
        'the driver printed {"event":"stopped"} but exited with a failure status (the contract: exit 0 after stopped)',
      );
  }

  /** The next line or the exit, in order; `timeout` once `deadlineMs` passes. */
  private async next(deadlineMs: number): Promise<DriverEvent> {
    for (;;) {
      const event = this.events.shift();
      if (event !== undefined) return event;
      const remainingMs = deadlineMs - this.options.clock.nowMs();
      if (remainingMs <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = this.options.clock.setTimer(remainingMs, () => resolve());
        this.waiter = () => {
          timer.cancel();
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  private push(event: DriverEvent): void {
    this.events.push(event);
    this.waiter?.();
  }

  private sendStop(): void {
    if (this.stopSent || this.exit !== undefined) return;
    this.stopSent = true;
    this.child.stdin.write(`${JSON.stringify({ op: 'stop' })}\n`);
  }

  private error(message: string): SpawnError {
    return new SpawnError(
      `${this.options.argv.join(' ')}: ${message}`,
      this.exit?.code ?? null,
      this.exit?.signal ?? null,
      this.stderr.toString(),
    );
  }

  /** Kills the driver's process group if anything of it is left. */
  kill(): void {
    this.child.stdin.destroy();
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
}

function parseLine(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
