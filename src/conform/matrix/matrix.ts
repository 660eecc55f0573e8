/**
 * The clause x target matrix: one row per clause some target's run checked (or skipped), one cell per target
 * with the clause's outcome in that run (coverage.ts's outcome), and, for a failure, each failing scenario's
 * expected and actual. A row where the targets' outcomes differ is a disagreement: the reports show it with
 * every target's cell side by side.
 */
import type { TargetReport, TargetRun } from './run-targets.js';

/** A coverage outcome, or `error` when the target's run ended before its report (setup or usage error). */
export type CellOutcome = string;

export interface CellFailure {
  scenario: string;
  name: string;
  verdict: string;
  expected: string | undefined;
  actual: string | undefined;
  message: string;
}

export interface MatrixCell {
  outcome: CellOutcome;
  /** The failing scenarios citing the clause (outcome `fail`). */
  failures: CellFailure[];
  /** Skip reasons, or why the run gave no verdict. */
  reason: string | undefined;
}

export interface MatrixRow {
  id: string;
  level: 'MUST' | 'SHOULD';
  text: string;
  cells: Record<string, MatrixCell>;
  disagree: boolean;
}

export interface MatrixTargetSummary {
  key: string;
  label: string;
  exitCode: number;
  durationMs: number;
  /** The target's own summary line, or its setup error. */
  summary: string;
  reported: boolean;
}

export interface Matrix {
  role: 'child' | 'parent';
  targets: MatrixTargetSummary[];
  rows: MatrixRow[];
}

/** Outcomes that say something about the target (the others: not run, no scenario, not checkable). */
const SEEN = new Set(['pass', 'fail', 'skipped']);

export function buildMatrix(runs: readonly TargetRun[], role: 'child' | 'parent'): Matrix {
  const order: Array<{ id: string; level: 'MUST' | 'SHOULD'; text: string }> = [];
  const known = new Set<string>();
  for (const run of runs)
    for (const clause of run.report?.coverage ?? [])
      if (SEEN.has(clause.outcome) && !known.has(clause.id)) {
        known.add(clause.id);
        order.push({ id: clause.id, level: clause.level, text: clause.text });
      }
  const rows = order.map((clause) => {
    const cells: Record<string, MatrixCell> = {};
    for (const run of runs) cells[run.target.key] = cellOf(run, clause.id);
    const outcomes = new Set(
      Object.values(cells)
        .filter((c) => c.outcome !== 'error')
        .map((c) => c.outcome),
    );
    return { ...clause, cells, disagree: outcomes.size > 1 };
  });
  return { role, targets: runs.map(summaryOf), rows };
}

function cellOf(run: TargetRun, clause: string): MatrixCell {
  const report = run.report;
  if (report === undefined) return { outcome: 'error', failures: [], reason: setupReason(run) };
  const coverage = report.coverage.find((c) => c.id === clause);
  const outcome = coverage?.outcome ?? 'no-scenario';
  const citing = report.scenarios.filter((s) => s.clauses.some((c) => c.id === clause));
  const failures = citing.filter((s) => s.verdict === 'fail' || s.verdict === 'timeout').map(failureOf(clause));
  const skips = citing.filter((s) => s.verdict === 'skipped' && s.reason !== undefined).map((s) => s.reason!);
  return { outcome, failures, reason: skips[0] ?? (outcome === 'pass' ? undefined : coverage?.reason) };
}

function failureOf(clause: string): (s: TargetReport['scenarios'][number]) => CellFailure {
  return (s) => ({
    scenario: s.id,
    name: s.name,
    verdict: s.verdict,
    // A step checking another clause failed first: its expected/actual still say what went wrong.
    expected: s.failure?.expected,
    actual: s.failure?.actual ?? (s.failure?.clause !== clause ? s.failure?.message : undefined),
    message: s.failure?.message ?? s.verdict,
  });
}

/** The setup error's first two lines, and the last line of the worker's or driver's stderr where shown. */
function setupReason(run: TargetRun): string {
  const [own = '', tail] = run.stderr.split(STDERR_TAIL);
  const lines = own
    .split('\n')
    .map((l) => l.replace(/^multifrost-conform: (setup error: )?/, '').trim())
    .filter((l) => l !== '' && !l.startsWith('Run multifrost-conform --help'));
  const reason = lines.slice(0, 2).join(' ') || `the run ended with exit status ${run.exitCode} and no report`;
  // The target's own last words (a FATAL line, a traceback's last line) usually name the cause.
  const last = tail
    ?.split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .at(-1);
  return last === undefined
    ? reason
    : `${reason}; its stderr ends: ${last.length > 300 ? `${last.slice(0, 300)}...` : last}`;
}

/** Where a setup error's output shows the tail of the target's stderr. */
const STDERR_TAIL = /^--- child stderr \(tail\) ---$/m;

/** A target's one-line outcome: its run's summary line, or its setup error with the cause. */
export function runSummary(run: TargetRun): string {
  return run.report?.summaryLine.replace(/^multifrost-conform: /, '') ?? `setup error: ${setupReason(run)}`;
}

function summaryOf(run: TargetRun): MatrixTargetSummary {
  return {
    key: run.target.key,
    label: run.target.label,
    exitCode: run.exitCode,
    durationMs: run.durationMs,
    summary: runSummary(run),
    reported: run.report !== undefined,
  };
}
