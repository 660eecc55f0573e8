/**
 * The determinism self-check: a simulated program runs twice on fresh networks and clocks with one seed, and
 * the two traces are compared line by line. A program is deterministic when they are byte-identical; the
 * first line where they part is the first thing the program did differently (a `Math.random()`, a
 * `Date.now()`, real I/O or a real timer inside a handler), which is where to look.
 */
import { VirtualClock } from '../../time/virtual-clock.js';
import { SimNetwork, type SimNetworkOptions } from './sim-network.js';

/** What one run of the program gets: its own clock and network, built from the same seed each time. */
export interface SimRun {
  readonly seed: number;
  readonly clock: VirtualClock;
  readonly network: SimNetwork;
}

/** A simulated program: drives its own clock (e.g. `clock.autoAdvance()`) and returns when done. */
export type SimRunProgram = (run: SimRun) => Promise<void>;

export interface DeterminismOptions extends Omit<SimNetworkOptions, 'clock' | 'trace' | 'seed'> {
  readonly seed: number;
  /** Trace lines shown before the divergence in {@link DeterminismResult.report}. Default 3. */
  readonly context?: number;
}

/** Where the two runs first differ. `line` is 1-based; a side that ended earlier has `undefined`. */
export interface Divergence {
  readonly line: number;
  readonly first: string | undefined;
  readonly second: string | undefined;
  /** The top-level trace fields whose values differ (e.g. `frames`, `message`, `t`). */
  readonly fields: readonly string[];
  /** The common lines just before it. */
  readonly before: readonly string[];
}

export interface DeterminismResult {
  readonly deterministic: boolean;
  readonly seed: number;
  /** Each run's trace, ending with an `end` line saying whether the program returned or threw (and what). */
  readonly traces: readonly [readonly string[], readonly string[]];
  readonly divergence: Divergence | undefined;
  /** A printable verdict: the seed and line count, or the first divergence with its context. */
  readonly report: string;
}

/**
 * Runs `program` twice with `options.seed` and compares the traces (plus how the program ended).
 * Never throws for the program's own error: an error in one run and not the other is a divergence.
 */
export async function checkDeterminism(
  program: SimRunProgram,
  options: DeterminismOptions,
): Promise<DeterminismResult> {
  const first = await traceOf(program, options);
  const second = await traceOf(program, options);
  const divergence = firstDivergence(first, second, options.context ?? 3);
  return {
    deterministic: divergence === undefined,
    seed: options.seed,
    traces: [first, second],
    divergence,
    report: describe(options.seed, first.length, divergence),
  };
}

async function traceOf(program: SimRunProgram, options: DeterminismOptions): Promise<string[]> {
  const { context: _context, ...networkOptions } = options;
  const clock = new VirtualClock();
  const lines: string[] = [];
  const network = new SimNetwork({ ...networkOptions, clock, trace: (line) => void lines.push(line) });
  let outcome: string;
  try {
    await program({ seed: options.seed, clock, network });
    outcome = 'returned';
  } catch (error) {
    outcome = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
  lines.push(JSON.stringify({ t: clock.nowMs(), ev: 'end', outcome }));
  return lines;
}

function firstDivergence(a: readonly string[], b: readonly string[], context: number): Divergence | undefined {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] === b[i]) continue;
    return {
      line: i + 1,
      first: a[i],
      second: b[i],
      fields: differingFields(a[i], b[i]),
      before: a.slice(Math.max(0, i - context), i),
    };
  }
  return undefined;
}

function differingFields(a: string | undefined, b: string | undefined): string[] {
  if (a === undefined || b === undefined) return [];
  const x = JSON.parse(a) as Record<string, unknown>;
  const y = JSON.parse(b) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
  return keys.filter((key) => JSON.stringify(x[key]) !== JSON.stringify(y[key]));
}

function describe(seed: number, lines: number, divergence: Divergence | undefined): string {
  if (divergence === undefined) return `deterministic: seed ${seed}, two runs, ${lines} identical trace lines`;
  const where =
    divergence.fields.length === 0 ? 'one run ended earlier' : `differing fields: ${divergence.fields.join(', ')}`;
  return [
    `NOT deterministic: seed ${seed}, the traces first differ at line ${divergence.line} (${where})`,
    ...divergence.before.map((line) => `  ${line}`),
    `- run 1: ${divergence.first ?? '(trace ended)'}`,
    `+ run 2: ${divergence.second ?? '(trace ended)'}`,
  ].join('\n');
}
