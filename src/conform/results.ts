/**
 * The report model: one verdict per scenario with the clauses it checks, shared by every reporter
 * (text, JSON, JUnit, HTML) and by the exit code.
 */
import type { ClauseLevel, ClauseOrigin } from './spec-clauses.js';

/**
 * - `pass`: every step passed.
 * - `fail`: a step failed (a MUST or SHOULD scenario); `failure` says why.
 * - `timeout`: a step ran past the step timeout.
 * - `skipped`: the scenario could not run against this target (`reason` says why, e.g. a missing method).
 * - `info`: a `@may` scenario that failed: reported, never fails the run.
 * - `expected-fail`: a failure listed in the `--expected-failures` baseline.
 */
export type Verdict = 'pass' | 'fail' | 'timeout' | 'skipped' | 'info' | 'expected-fail';

export interface ClauseRef {
  id: string;
  level: ClauseLevel | undefined;
  /** The clause text from docs/spec.md (undefined when the catalogue cites an unknown id). */
  text: string | undefined;
  /** Where the clause comes from (design / erratum / addition); the reports look it up in the spec when absent. */
  origin?: ClauseOrigin | undefined;
}

export interface FailureDetail {
  /** The clause the failing step checks (from ConformanceFailure), when known. */
  clause: string | undefined;
  expected: string | undefined;
  actual: string | undefined;
  /** The full failure message (or error stack for a step that threw something else). */
  message: string;
  /** The step that failed, as written in the feature file. */
  step: string | undefined;
}

/**
 * A process the scenario started (the worker, a parent driver, the kit's child under a driver), as it ended:
 * shown with every failure so a crash or a FATAL line is never hidden.
 */
export interface ProcessOutcome {
  /** What it was: `worker`, `driver`, `kit-child`, ... */
  role: string;
  argv: string[];
  pid: number | undefined;
  /** Exit status; null when killed by a signal; undefined while still running at the end of the scenario. */
  exitCode: number | null | undefined;
  signal: string | null | undefined;
  /** Last lines the process wrote to its own stderr / stdout (not forwarded as messages). */
  stderrTail: string[];
  stdoutTail: string[];
}

/** One decoded message of a scenario's wire trace (the catalogue's `application/vnd.multifrost.trace+json`). */
export type TraceEntry = Record<string, unknown>;

export interface ScenarioResult {
  /** Stable id: `<feature file>:<line>` (relative to the features directory). */
  id: string;
  name: string;
  feature: string;
  uri: string;
  line: number;
  tags: string[];
  clauses: ClauseRef[];
  /** Strongest level among the scenario's tags (`@must` > `@should` > `@may`); MUST when untagged. */
  level: ClauseLevel;
  role: string | undefined;
  verdict: Verdict;
  durationMs: number;
  failure: FailureDetail | undefined;
  /** Why a scenario was skipped. */
  reason: string | undefined;
  /** The decoded wire trace, kept for failures (all scenarios with `--trace`). */
  trace: TraceEntry[] | undefined;
  /** Lines the steps logged (`this.log`). */
  logs: string[];
  /** The processes the scenario started, with their exit status and output tails. */
  processes: ProcessOutcome[];
}

/** What the run was about, shown at the top of every report. */
export interface RunInfo {
  target: string;
  role: 'child' | 'parent';
  profile: string;
  /** How the profile was chosen, e.g. `detected (accepts v3, v4)` or `--profile`. */
  profileSource: string;
  transport: 'zmq' | 'memory';
  startedAt: string;
  durationMs: number;
  kitVersion: string;
  strict: boolean;
  tags: string | undefined;
  faults: string | undefined;
  seed: number | undefined;
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  timeout: number;
  skipped: number;
  info: number;
  expectedFail: number;
  /** Failures that fail the run (MUST always, SHOULD with --strict), after the baseline. */
  blocking: number;
  /** Baseline entries that now pass (a stale baseline fails the run). */
  stale: string[];
}

/** Extra sections appended after the catalogue: fault injection, fuzzing, value fuzzing, timing. */
export interface ExtraSection {
  title: string;
  /** False when the section fails the run. */
  ok: boolean;
  lines: string[];
  /** Clauses the section checks: the coverage counts them checked by it (see coverage.ts). */
  clauses?: string[];
  /** False when the section's check did not run (its first line says why): its clauses are then skipped. */
  checked?: boolean;
  /** The check found a violation, blocking or not (a SHOULD clause without --strict leaves `ok` true). */
  violated?: boolean;
  /** What the section measured, by name (`target_p50_ms`...), for tools that compare runs. */
  figures?: Record<string, number>;
}

/** A scenario of the catalogue as listed, whatever the filters: enough for coverage to see what it cites. */
export interface CatalogueScenario {
  name: string;
  /** Tags with their `@`, inherited ones included (role, level, clause ids). */
  tags: string[];
}

export interface Report {
  info: RunInfo;
  scenarios: ScenarioResult[];
  summary: Summary;
  extras: ExtraSection[];
  /**
   * Every scenario of the catalogue, all roles, before --tags/--name. With it the coverage section tells
   * clauses whose scenarios were filtered out (`not-run`) or are `@internal` (`in-process-only`) from
   * clauses no scenario checks (`no-scenario`); without it those all read `no-scenario`.
   */
  catalogue?: CatalogueScenario[] | undefined;
  /** Why the run stopped before the end of the catalogue (fail-fast, interrupted), when it did. */
  stoppedEarly?: string | undefined;
}

/** True when `result` failed and that failure fails the run (before the baseline). */
export function isBlockingFailure(result: ScenarioResult, strict: boolean): boolean {
  if (result.verdict !== 'fail' && result.verdict !== 'timeout') return false;
  return result.level === 'MUST' || (strict && result.level === 'SHOULD');
}

/** Counts verdicts. `stale` baseline entries are passed in (see baseline.ts). */
export function summarize(scenarios: readonly ScenarioResult[], strict: boolean, stale: string[] = []): Summary {
  const count = (verdict: Verdict): number => scenarios.filter((s) => s.verdict === verdict).length;
  return {
    total: scenarios.length,
    pass: count('pass'),
    fail: count('fail'),
    timeout: count('timeout'),
    skipped: count('skipped'),
    info: count('info'),
    expectedFail: count('expected-fail'),
    blocking: scenarios.filter((s) => isBlockingFailure(s, strict)).length,
    stale,
  };
}
