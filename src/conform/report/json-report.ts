/**
 * The machine-readable report: the {@link Report} model as JSON, with a `schema` tag so tools can check
 * what they read. BigInts (if a trace carries one) become decimal strings with an `n` suffix.
 *
 * Schema `multifrost-conform/report@1`, additions kept compatible (no field changed meaning):
 * - every `scenarios[].clauses[]` carries `origin` (`{ kind: design | erratum | addition, note }`), and a
 *   failure carries the `origin` of its failing clause;
 * - `coverage`: one entry per MUST and SHOULD clause that binds the role checked (see coverage.ts):
 *   `{ id, level, text, section, origin, outcome, scenarios, reason }`;
 * - `coverageSummary`: `{ role, conformant, catalogueKnown, must, should }`, the counts behind the summary line.
 */
import { coverageOf } from '../coverage.js';
import type { Report, ScenarioResult } from '../results.js';
import { runPassed, summaryLine } from '../verdict.js';
import { originOf } from './failure-details.js';

/** Version tag of the JSON layout; bumped on any incompatible change. */
export const JSON_REPORT_SCHEMA = 'multifrost-conform/report@1';

function withOrigins(result: ScenarioResult): ScenarioResult {
  const clauses = result.clauses.map((clause) => ({ ...clause, origin: originOf(clause) }));
  const failure =
    result.failure === undefined ? undefined : { ...result.failure, origin: originOf(result.failure.clause) };
  return { ...result, clauses, failure };
}

export function jsonReport(report: Report): string {
  const coverage = coverageOf(report);
  const { clauses, ...counts } = coverage;
  // The catalogue index only feeds the coverage; the coverage itself is what a reader wants.
  const { catalogue: _catalogue, ...model } = report;
  const document = {
    schema: JSON_REPORT_SCHEMA,
    summaryLine: summaryLine(report),
    ...model,
    scenarios: report.scenarios.map(withOrigins),
    coverageSummary: { ...counts, conformant: runPassed(report) && coverage.mustComplete },
    coverage: clauses,
  };
  return `${JSON.stringify(document, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value), 2)}\n`;
}
