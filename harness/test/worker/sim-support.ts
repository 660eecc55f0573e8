// A simulated world for worker tests: virtual clock, simulated network and processes, the reference worker
// as a program. Everything is exact and deterministic; minutes of virtual time pass in milliseconds.
import { createSimNetwork, type FaultRule, type SimNetwork } from '../../../src/sim.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { referenceProgram } from '../../../src/conform/reference-worker.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import type { ParentWorkerOptions } from '../../../src/worker/parent/parent-options.js';
import { SimLauncher, type SimProgram } from '../../../src/worker/sim/sim-launcher.js';
import type { WorkerEvent } from '../../../src/worker/parent/events.js';

export interface ConformanceApi {
  add(a: number, b: number): number;
  echo(value: unknown): unknown;
  fail(message: string): never;
  nothing(): void;
  sleep(ms: number): number;
  pid(): number;
  crash(code: number): void;
  profile(): string;
  write_stdout(text: string): void;
  write_stderr(text: string): void;
}

export interface SimWorld {
  clock: VirtualClock;
  network: SimNetwork;
  launcher: SimLauncher;
  worker: ParentWorker<ConformanceApi>;
  events: WorkerEvent[];
  output: Array<[string, string]>;
  /** Stops auto-advancing time (tests that step time by hand call this first). */
  manualTime(): void;
}

export function simWorld(
  options: {
    faults?: FaultRule[];
    seed?: number;
    worker?: ParentWorkerOptions;
    programs?: Record<string, SimProgram>;
    command?: string;
  } = {},
): SimWorld {
  const clock = new VirtualClock();
  const stopAdvancing = clock.autoAdvance();
  const network = createSimNetwork({ clock, seed: options.seed ?? 1, faults: options.faults ?? [] });
  const launcher = new SimLauncher({
    transportFor: (name) => network.transport(name),
    clock,
    programs: { reference: referenceProgram, ...options.programs },
  });
  const output: Array<[string, string]> = [];
  const worker = ParentWorker.spawnCommand<ConformanceApi>([options.command ?? 'reference'], {
    transport: network.transport('parent'),
    launcher,
    clock,
    idPrefix: 'p',
    outputSink: (stream, text) => void output.push([stream, text]),
    ...options.worker,
  });
  const events: WorkerEvent[] = [];
  worker.on((event) => void events.push(event));
  return { clock, network, launcher, worker, events, output, manualTime: stopAdvancing };
}

/** Settles a promise into a value or the error, for assertions. */
export function outcome<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.then(
    (value) => value,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}
