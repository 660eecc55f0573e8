/**
 * A ProcessLauncher for the simulator: a "process" is a program (normally a ChildWorker) started in this
 * Node process on the simulated network, with a {@link SimHost}. It can exit, be signalled, crash and be
 * restarted exactly like a real child, on virtual time.
 */
import type { Clock, TimerHandle } from '../../time/clock.js';
import { sleepOn } from '../../time/real-clock.js';
import type { Transport } from '../../transport/transport.js';
import type {
  ExitInfo,
  LaunchedProcess,
  LaunchSpec,
  OutputStream,
  ProcessLauncher,
} from '../shared/process-launcher.js';
import { TailBuffer } from '../shared/process-launcher.js';
import { SimHost } from './sim-host.js';
import { TrackingTransport } from './tracking-transport.js';

export interface SimProgramContext {
  transport: Transport;
  host: SimHost;
  clock: Clock;
  argv: readonly string[];
}

/** Starts the program; the returned promise settles when the program's main function ends. */
export type SimProgram = (context: SimProgramContext) => Promise<void>;

export interface SimLauncherOptions {
  /** Makes the transport of a new simulated process (e.g. `name => network.transport(name)`). */
  transportFor: (processName: string) => Transport;
  clock: Clock;
  /** Programs by command name (`argv[0]`). */
  programs: Readonly<Record<string, SimProgram>>;
  /** First simulated pid. Default 1000. */
  firstPid?: number;
}

/**
 * The clock as one simulated process sees it: its timers die with the process, as a real process's do.
 */
class ProcessClock implements Clock {
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly clock: Clock) {}

  nowMs(): number {
    return this.clock.nowMs();
  }

  epochMs(): number {
    return this.clock.epochMs();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.clock.setTimer(delayMs, () => {
      this.timers.delete(handle);
      callback();
    });
    this.timers.add(handle);
    return handle;
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, delayMs, signal);
  }

  cancelAll(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
  }
}

class SimProcess implements LaunchedProcess {
  readonly exit: Promise<ExitInfo>;
  exited: ExitInfo | undefined;
  readonly tail = new TailBuffer();
  host!: SimHost;
  private resolveExit!: (info: ExitInfo) => void;

  readonly processClock: ProcessClock;

  constructor(
    readonly pid: number,
    private readonly transport: TrackingTransport,
    private readonly clock: Clock,
  ) {
    this.processClock = new ProcessClock(clock);
    this.exit = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  stderrTail(): string {
    return this.tail.toString();
  }

  /** Ends the process: its sockets close at once, the exit is reported on the next clock tick. */
  end(info: ExitInfo): void {
    if (this.exited !== undefined) return;
    this.exited = info;
    this.processClock.cancelAll();
    void this.transport.closeAll();
    this.clock.setTimer(0, () => this.resolveExit(info));
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.exited !== undefined) return;
    if (signal === 'SIGTERM' && this.host.signal('SIGTERM')) return;
    this.end({ code: null, signal });
  }
}

export class SimLauncher implements ProcessLauncher {
  private nextPid: number;
  private readonly live = new Map<number, SimProcess>();

  constructor(private readonly options: SimLauncherOptions) {
    this.nextPid = options.firstPid ?? 1000;
  }

  /** Processes started and not yet exited. */
  get liveProcesses(): readonly LaunchedProcess[] {
    return [...this.live.values()];
  }

  launch(spec: LaunchSpec, onRawOutput: (stream: OutputStream, line: string) => void): LaunchedProcess {
    const pid = this.nextPid++;
    const transport = new TrackingTransport(this.options.transportFor(`${spec.command}#${pid}`));
    const child = new SimProcess(pid, transport, this.options.clock);
    const onRawWrite = (stream: OutputStream, text: string): void => {
      for (const line of text.replace(/\n$/, '').split('\n')) {
        if (stream === 'stderr') child.tail.push(`${line}\n`);
        onRawOutput(stream, line);
      }
    };
    child.host = new SimHost(pid, spec.env, (code) => child.end({ code, signal: null }), onRawWrite);
    this.live.set(pid, child);
    void child.exit.then(() => this.live.delete(pid));
    const program = this.options.programs[spec.command];
    if (program === undefined) {
      child.end({
        code: null,
        signal: null,
        error: new Error(`spawn ${spec.command} ENOENT (no such simulated program)`),
      });
      return child;
    }
    program({ transport, host: child.host, clock: child.processClock, argv: [spec.command, ...spec.args] }).then(
      () => child.host.exit(0),
      (error: unknown) => {
        child.host.writeRaw(
          'stderr',
          `Uncaught ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        child.host.exit(1);
      },
    );
    return child;
  }

  /** Crashes a live process as SIGKILL would. */
  crash(pid: number): boolean {
    const child = this.live.get(pid);
    if (child === undefined) return false;
    child.kill('SIGKILL');
    return true;
  }
}
