import type { Clock } from '../../time/clock.js';
import type { Frames } from '../transport.js';
import { InvalidArgumentError } from '../../errors.js';
import { toHex } from './trace-value.js';

/** Receives each trace line (one JSON object, no newline) as it is written. */
export type TraceSink = (line: string) => void;

/** Frames longer than this many bytes are shown as their first bytes plus a length note. */
const MAX_HEX_BYTES = 256;

/** One frame as trace text: lower-case hex, cut after 256 bytes with `…+<n>` (n = bytes left out). */
export function frameToTrace(frame: Uint8Array): string {
  if (frame.length <= MAX_HEX_BYTES) return toHex(frame);
  return `${toHex(frame.subarray(0, MAX_HEX_BYTES))}…+${frame.length - MAX_HEX_BYTES}`;
}

export function framesToTrace(frames: Frames): string[] {
  return frames.map(frameToTrace);
}

/**
 * The simulator's trace: JSON lines, each `{ "t": <virtual ms>, "ev": <event>, ... }` with keys in a fixed
 * order, so the same seed and program give a byte-identical trace. The first line is always the `plan` event
 * (seed, latency and every fault rule), so a trace says how to replay itself.
 */
export class TraceRecorder {
  private readonly clock: Clock;
  private readonly sink: TraceSink | undefined;
  private readonly kept: string[] | undefined;

  /** @param mode true keeps lines in memory, a function streams them, false records nothing. */
  constructor(clock: Clock, mode: boolean | TraceSink) {
    this.clock = clock;
    this.sink = typeof mode === 'function' ? mode : undefined;
    this.kept = mode === true ? [] : undefined;
  }

  /** False when tracing is off (callers then skip building records). */
  get enabled(): boolean {
    return this.sink !== undefined || this.kept !== undefined;
  }

  /** The lines kept in memory (empty when streaming to a sink or off). */
  get lines(): readonly string[] {
    return this.kept ?? [];
  }

  write(event: string, fields: Record<string, unknown>): void {
    if (!this.enabled) return;
    const line = JSON.stringify({ t: this.clock.nowMs(), ev: event, ...fields });
    this.kept?.push(line);
    this.sink?.(line);
  }
}

/** The plan recorded in a trace's first line. */
export interface TracedPlan {
  readonly seed: number;
  readonly latencyMs: number;
  /** Each rule as JSON; predicates appear as their source text. */
  readonly faults: readonly Record<string, unknown>[];
}

/** Reads the plan back from a trace (its text or its lines). Throws when the first line is not a plan. */
export function readPlan(trace: string | readonly string[]): TracedPlan {
  const first = typeof trace === 'string' ? trace.split('\n', 1)[0] : trace[0];
  const record: unknown = first === undefined || first === '' ? undefined : JSON.parse(first);
  if (typeof record !== 'object' || record === null || (record as { ev?: unknown }).ev !== 'plan') {
    throw new InvalidArgumentError('trace', 'does not start with a plan line');
  }
  const plan = record as { seed: number; latencyMs: number; faults: Record<string, unknown>[] };
  return { seed: plan.seed, latencyMs: plan.latencyMs, faults: plan.faults };
}
