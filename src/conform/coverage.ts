/**
 * Coverage per clause: for the role a run checked, every MUST and SHOULD clause of docs/spec.md that binds
 * that role, with what the run found out about it. A run "passes" when nothing blocking failed; it is
 * *conformant* only when, besides, every applicable MUST clause that can be checked from outside was
 * checked and passed. The reports (text, JSON, JUnit, HTML) all read this one computation.
 */
import type { CatalogueScenario, ExtraSection, Report, ScenarioResult } from './results.js';
import { appliesTo, specClauses, type Clause, type ClauseLevel, type ClauseOrigin } from './spec-clauses.js';

/**
 * - `pass`: at least one scenario citing it ran and passed, and none failed.
 * - `fail`: a scenario citing it failed (or timed out, or is a baseline failure).
 * - `skipped`: every scenario citing it was skipped (the reasons are given).
 * - `not-run`: scenarios of the role cite it, but none ran (filtered out by --tags/--name, or the run stopped early).
 * - `in-process-only`: only `@internal` scenarios cite it: checked on the TypeScript implementation alone.
 * - `not-checkable`: the spec says nothing visible from outside decides it (the reason is the spec's).
 * - `no-scenario`: no scenario of the catalogue cites it for this role.
 */
export type CoverageOutcome =
  'pass' | 'fail' | 'skipped' | 'not-run' | 'in-process-only' | 'not-checkable' | 'no-scenario';

export const COVERAGE_OUTCOMES: readonly CoverageOutcome[] = [
  'pass',
  'fail',
  'skipped',
  'not-run',
  'in-process-only',
  'not-checkable',
  'no-scenario',
];

export interface ClauseCoverage {
  id: string;
  level: Exclude<ClauseLevel, 'MAY'>;
  text: string;
  section: string;
  origin: ClauseOrigin | undefined;
  outcome: CoverageOutcome;
  /** Ids (`file.feature:line`) of this run's scenarios of the role that cite the clause, any verdict. */
  scenarios: string[];
  /** Why it is not a plain pass (skip reasons, failing scenarios, the spec's note); for a pass, what stays unchecked. */
  reason: string | undefined;
}

export interface CoverageCounts {
  /** Clauses of this level that bind the role. */
  applicable: number;
  /** Outcome `pass` or `fail`. */
  checked: number;
  passed: number;
  failed: number;
  /** Outcome `not-checkable`: excluded from what conformance asks for. */
  notCheckable: number;
  byOutcome: Record<CoverageOutcome, number>;
}

export interface Coverage {
  role: 'child' | 'parent';
  /**
   * Whether the report listed the whole catalogue. Without it, scenarios filtered out (not run) and
   * `@internal` ones (in-process only) cannot be told from missing ones: such clauses are `no-scenario`.
   */
  catalogueKnown: boolean;
  must: CoverageCounts;
  should: CoverageCounts;
  /** Every applicable MUST clause that is checkable from outside was checked and passed. */
  mustComplete: boolean;
  clauses: ClauseCoverage[];
}

export interface CoverageInput {
  role: 'child' | 'parent';
  clauses: ReadonlyMap<string, Clause>;
  results: readonly ScenarioResult[];
  /** Every scenario of the catalogue, all roles, before --tags/--name (see {@link Report.catalogue}). */
  catalogue?: readonly CatalogueScenario[] | undefined;
  /** Why the run stopped before the end, when it did (fail-fast, interrupted). */
  stoppedEarly?: string | undefined;
  /** Sections after the catalogue; those naming `clauses` check them too (timing checks MF-SVC-3). */
  sections?: readonly ExtraSection[] | undefined;
}

const FAILED = new Set(['fail', 'timeout', 'expected-fail', 'info']);

function cites(tags: readonly string[], id: string): boolean {
  return tags.includes(`@${id}`);
}

/** The role a result checked: its role tag, or the run's role when it carries none. */
function resultRole(result: ScenarioResult, runRole: string): string {
  return result.role ?? runRole;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Outcome and reason from the scenarios of the role that ran; undefined when none did. */
function fromResults(
  clause: Clause,
  ran: readonly ScenarioResult[],
): { outcome: CoverageOutcome; reason: string | undefined } | undefined {
  if (ran.length === 0) return undefined;
  // A failing scenario fails every clause it cites: a step names one clause, but its check is often the
  // other clauses' check too (MF-CALL-5 and MF-SEC-2 probe the same names), so nothing here is passed.
  const failed = ran.filter((r) => FAILED.has(r.verdict));
  if (failed.length > 0) {
    const what = failed.map((r) => {
      const how =
        r.verdict === 'expected-fail'
          ? 'failed (baseline)'
          : r.verdict === 'info'
            ? 'failed (@may)'
            : r.verdict === 'timeout'
              ? 'timed out'
              : 'failed';
      const on = r.failure?.clause !== undefined && r.failure.clause !== clause.id ? ` on ${r.failure.clause}` : '';
      return `${r.id} ${how}${on}`;
    });
    return { outcome: 'fail', reason: what.join('; ') };
  }
  const passed = ran.filter((r) => r.verdict === 'pass');
  const skipped = ran.filter((r) => r.verdict === 'skipped');
  if (passed.length > 0) {
    const parts = [
      ...(skipped.length > 0 ? [`${skipped.length} of ${ran.length} scenarios skipped`] : []),
      ...(clause.checkability?.extent === 'partial' ? [`not checked from outside: ${clause.checkability.note}`] : []),
    ];
    return { outcome: 'pass', reason: parts.length === 0 ? undefined : parts.join('; ') };
  }
  return {
    outcome: 'skipped',
    reason: unique(skipped.map((r) => (r.reason ?? 'skipped').replace(/^skipped:\s*/, ''))).join('; '),
  };
}

type Found = { outcome: CoverageOutcome; reason: string | undefined };

/** Outcome from the sections that check `clause`; undefined when none names it. */
function fromSections(clause: Clause, sections: readonly ExtraSection[]): Found | undefined {
  const mine = sections.filter((s) => s.clauses?.includes(clause.id) === true);
  if (mine.length === 0) return undefined;
  const said = (s: ExtraSection): string => `${s.title}: ${s.lines[0] ?? ''}`;
  const violated = mine.filter((s) => s.checked !== false && (s.violated === true || !s.ok));
  if (violated.length > 0) return { outcome: 'fail', reason: violated.map(said).join('; ') };
  if (mine.some((s) => s.checked !== false)) return { outcome: 'pass', reason: undefined };
  return { outcome: 'skipped', reason: mine.map(said).join('; ') };
}

/** One outcome from the scenarios' and the sections' (a failure of either wins, then a pass of either). */
function combine(scenarios: Found, sections: Found | undefined): Found {
  if (sections === undefined || scenarios.outcome === 'fail') return scenarios;
  if (sections.outcome === 'fail' || scenarios.outcome !== 'pass') {
    const scenariosSaidNothing = ['no-scenario', 'not-run', 'in-process-only', 'skipped'].includes(scenarios.outcome);
    if (sections.outcome !== 'skipped' || scenariosSaidNothing) return sections;
  }
  return scenarios;
}

/** Outcome when no scenario of the role ran: from the spec's annotation and the catalogue. */
function withoutResults(
  clause: Clause,
  input: CoverageInput,
  role: string,
): { outcome: CoverageOutcome; reason: string | undefined } {
  if (clause.checkability?.extent === 'none') return { outcome: 'not-checkable', reason: clause.checkability.note };
  const internalRan = input.results.some((r) => r.role === 'internal' && r.clauses.some((c) => c.id === clause.id));
  if (input.catalogue === undefined) {
    if (internalRan)
      return {
        outcome: 'in-process-only',
        reason: 'only @internal scenarios cite it: checked on the TypeScript implementation alone',
      };
    return {
      outcome: 'no-scenario',
      reason: 'no scenario of this run cites it (the report does not list the whole catalogue)',
    };
  }
  const planned = input.catalogue.filter((s) => cites(s.tags, clause.id));
  const ofRole = planned.filter((s) => s.tags.includes(`@${role}`));
  if (ofRole.length > 0) {
    const why =
      input.stoppedEarly === undefined
        ? 'filtered out by --tags/--name'
        : `the run stopped early (${input.stoppedEarly}) or they were filtered out`;
    return {
      outcome: 'not-run',
      reason: `${ofRole.length} scenario${ofRole.length === 1 ? '' : 's'} cite${ofRole.length === 1 ? 's' : ''} it but did not run: ${why}`,
    };
  }
  if (internalRan || planned.some((s) => s.tags.includes('@internal'))) {
    return {
      outcome: 'in-process-only',
      reason: 'only @internal scenarios cite it: checked on the TypeScript implementation alone',
    };
  }
  return { outcome: 'no-scenario', reason: `no scenario of the catalogue checks it on a ${role}` };
}

function counts(entries: readonly ClauseCoverage[]): CoverageCounts {
  const byOutcome = Object.fromEntries(
    COVERAGE_OUTCOMES.map((o) => [o, entries.filter((e) => e.outcome === o).length]),
  ) as Record<CoverageOutcome, number>;
  return {
    applicable: entries.length,
    checked: byOutcome.pass + byOutcome.fail,
    passed: byOutcome.pass,
    failed: byOutcome.fail,
    notCheckable: byOutcome['not-checkable'],
    byOutcome,
  };
}

/** Coverage of every MUST and SHOULD clause that binds `input.role`, in spec order. */
export function computeCoverage(input: CoverageInput): Coverage {
  const role = input.role;
  const entries: ClauseCoverage[] = [];
  for (const clause of input.clauses.values()) {
    if (clause.level === 'MAY' || !appliesTo(clause, role)) continue;
    const ran = input.results.filter((r) => resultRole(r, role) === role && r.clauses.some((c) => c.id === clause.id));
    const { outcome, reason } = combine(
      fromResults(clause, ran) ?? withoutResults(clause, input, role),
      fromSections(clause, input.sections ?? []),
    );
    entries.push({
      id: clause.id,
      level: clause.level,
      text: clause.text,
      section: clause.section,
      origin: clause.origin,
      outcome,
      scenarios: ran.map((r) => r.id),
      reason,
    });
  }
  const must = counts(entries.filter((e) => e.level === 'MUST'));
  const should = counts(entries.filter((e) => e.level === 'SHOULD'));
  return {
    role,
    catalogueKnown: input.catalogue !== undefined,
    must,
    should,
    mustComplete: must.passed === must.applicable - must.notCheckable,
    clauses: entries,
  };
}

const memo = new WeakMap<Report, Coverage>();

/** The coverage of a report (computed once per report object, from this package's spec). */
export function coverageOf(report: Report, clauses: ReadonlyMap<string, Clause> = specClauses()): Coverage {
  const known = memo.get(report);
  if (known !== undefined) return known;
  const coverage = computeCoverage({
    role: report.info.role,
    clauses,
    results: report.scenarios,
    catalogue: report.catalogue,
    stoppedEarly: report.stoppedEarly,
    sections: report.extras,
  });
  memo.set(report, coverage);
  return coverage;
}

/**
 * The conformance claim, worded so it never says more than the run showed:
 * `conformant: 45 of 45 applicable MUST clauses checked and passed` only when `passed` (no blocking
 * failure) and every checkable applicable MUST clause passed; else `not conformant: 31 of 45 ... checked`.
 */
export function conformanceClaim(coverage: Coverage, passed: boolean): string {
  const m = coverage.must;
  const checkable = m.applicable - m.notCheckable;
  const notCheckable = m.notCheckable > 0 ? `; ${m.notCheckable} more not checkable from outside` : '';
  if (passed && coverage.mustComplete)
    return `conformant: ${m.passed} of ${checkable} applicable MUST clauses checked and passed${notCheckable}`;
  const failed = m.failed > 0 ? `, ${m.failed} failed` : '';
  return `not conformant: ${m.checked} of ${checkable} applicable MUST clauses checked${failed}${notCheckable}`;
}

/** Human wording of an outcome, as the text and HTML reports print it. */
export const OUTCOME_LABEL: Record<CoverageOutcome, string> = {
  pass: 'pass',
  fail: 'FAIL',
  skipped: 'skipped',
  'not-run': 'not run',
  'in-process-only': 'in-process only',
  'not-checkable': 'not checkable',
  'no-scenario': 'no scenario',
};
