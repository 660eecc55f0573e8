/**
 * JUnit XML for CI test tabs: one `<testsuite>` per feature file, one `<testcase>` per scenario, and a
 * `coverage (<role>)` testsuite with one `<testcase>` per MUST and SHOULD clause that binds the role.
 * A blocking failure is `<failure>`; a timeout is `<error>`; skipped, informational (@may) and baseline
 * (expected) failures are `<skipped>` with the reason, so they show but never turn the job red. A clause
 * not checked is `<skipped>` with the reason. Names are unique and stable: the clause ids in brackets, and
 * ` #n` (the n-th by line) when one outline's Examples rows share a name; `file` and `line` locate them.
 */
import { OUTCOME_LABEL, coverageOf, type ClauseCoverage } from '../coverage.js';
import type { Report, ScenarioResult } from '../results.js';
import { isBlockingFailure } from '../results.js';
import {
  extraFailureClause,
  failureFields,
  failureHeadline,
  originText,
  processHeadline,
  processTail,
} from './failure-details.js';
import { formatTraceEntry } from './trace-format.js';

/** Escapes text for XML content and attributes; drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

function failureText(result: ScenarioResult): string {
  const f = result.failure;
  const lines: string[] = [];
  for (const clause of result.clauses) {
    lines.push(`${clause.id} (${clause.level ?? '?'}) ${clause.text ?? ''}`);
    const origin = originText(clause);
    if (origin !== undefined) lines.push(`  origin: ${origin}`);
  }
  if (f !== undefined) {
    if (f.step !== undefined) lines.push(`step: ${f.step}`);
    const extra = extraFailureClause(result);
    if (extra !== undefined)
      lines.push(`clause: ${extra}`, ...(originText(extra) === undefined ? [] : [`  origin: ${originText(extra)!}`]));
    for (const [label, value] of failureFields(f)) lines.push(`${label}: ${value}`);
  }
  if (result.trace !== undefined) lines.push('wire trace:', ...result.trace.map(formatTraceEntry));
  return lines.join('\n');
}

function systemErr(result: ScenarioResult): string {
  if (result.processes.length === 0) return '';
  const lines = result.processes.flatMap((p) => [processHeadline(p), ...processTail(p, 40).map((line) => `  ${line}`)]);
  return `\n      <system-err>${xmlEscape(lines.join('\n'))}</system-err>`;
}

/** Unique, stable names within one feature: `name [clauses]`, plus ` #n` by line when names collide. */
function testNames(results: readonly ScenarioResult[]): Map<ScenarioResult, string> {
  const base = (r: ScenarioResult): string => `${r.name} [${r.clauses.map((c) => c.id).join(' ')}]`;
  const groups = new Map<string, ScenarioResult[]>();
  for (const r of results) groups.set(base(r), [...(groups.get(base(r)) ?? []), r]);
  const names = new Map<ScenarioResult, string>();
  for (const [name, group] of groups) {
    const byLine = [...group].sort((a, b) => a.line - b.line || a.id.localeCompare(b.id));
    byLine.forEach((r, index) => names.set(r, group.length === 1 ? name : `${name} #${index + 1}`));
  }
  return names;
}

function testcase(result: ScenarioResult, name: string, strict: boolean): string {
  const head = `    <testcase classname="${xmlEscape(result.feature)}" name="${xmlEscape(name)}" time="${(result.durationMs / 1000).toFixed(3)}" file="${xmlEscape(`features/${result.uri}`)}" line="${result.line}"`;
  const firstLine = failureHeadline(result.failure);
  if (isBlockingFailure(result, strict)) {
    const tag = result.verdict === 'timeout' ? 'error' : 'failure';
    return `${head}>\n      <${tag} message="${xmlEscape(firstLine)}" type="${result.verdict}">${xmlEscape(failureText(result))}</${tag}>${systemErr(result)}\n    </testcase>`;
  }
  if (result.verdict === 'pass') return `${head}/>`;
  const why =
    result.verdict === 'skipped'
      ? (result.reason ?? 'skipped')
      : result.verdict === 'expected-fail'
        ? `expected failure (baseline): ${firstLine}`
        : `${result.level} ${result.verdict}: ${firstLine}`;
  const out =
    result.failure !== undefined
      ? `\n      <system-out>${xmlEscape(failureText(result))}</system-out>${systemErr(result)}`
      : '';
  return `${head}>\n      <skipped message="${xmlEscape(why)}"/>${out}\n    </testcase>`;
}

interface Suite {
  text: string;
  tests: number;
  failures: number;
  errors: number;
}

function featureSuite(feature: string, results: ScenarioResult[], strict: boolean): Suite {
  const failures = results.filter((r) => isBlockingFailure(r, strict) && r.verdict === 'fail').length;
  const errors = results.filter((r) => isBlockingFailure(r, strict) && r.verdict === 'timeout').length;
  const skipped = results.filter((r) => r.verdict !== 'pass' && !isBlockingFailure(r, strict)).length;
  const time = results.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
  const names = testNames(results);
  const text = [
    `  <testsuite name="${xmlEscape(feature)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}">`,
    ...results.map((r) => testcase(r, names.get(r)!, strict)),
    '  </testsuite>',
  ].join('\n');
  return { text, tests: results.length, failures, errors };
}

/** A failed clause fails the coverage suite exactly when one of its failing scenarios is blocking. */
function clauseCase(clause: ClauseCoverage, report: Report): { text: string; failed: boolean; skipped: boolean } {
  const head = `    <testcase classname="coverage" name="${xmlEscape(`${clause.id} (${clause.level})`)}" time="0.000"`;
  if (clause.outcome === 'pass') return { text: `${head}/>`, failed: false, skipped: false };
  const reason = `${OUTCOME_LABEL[clause.outcome]}${clause.reason === undefined ? '' : `: ${clause.reason}`}`;
  const blocking =
    clause.outcome === 'fail' &&
    report.scenarios.some((r) => clause.scenarios.includes(r.id) && isBlockingFailure(r, report.info.strict));
  const body = [
    `${clause.id} (${clause.level}) ${clause.text}`,
    ...(clause.origin === undefined ? [] : [`origin: ${clause.origin.kind} - ${clause.origin.note}`]),
    `scenarios: ${clause.scenarios.join(', ') || 'none'}`,
  ].join('\n');
  if (blocking)
    return {
      text: `${head}>\n      <failure message="${xmlEscape(reason)}" type="clause">${xmlEscape(body)}</failure>\n    </testcase>`,
      failed: true,
      skipped: false,
    };
  return {
    text: `${head}>\n      <skipped message="${xmlEscape(reason)}"/>\n      <system-out>${xmlEscape(body)}</system-out>\n    </testcase>`,
    failed: false,
    skipped: true,
  };
}

function coverageSuite(report: Report): Suite {
  const coverage = coverageOf(report);
  const cases = coverage.clauses.map((clause) => clauseCase(clause, report));
  const failures = cases.filter((c) => c.failed).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const text = [
    `  <testsuite name="coverage (${coverage.role})" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0.000">`,
    ...cases.map((c) => c.text),
    '  </testsuite>',
  ].join('\n');
  return { text, tests: cases.length, failures, errors: 0 };
}

/** The JUnit XML document of a report. */
export function junitReport(report: Report): string {
  const byFeature = new Map<string, ScenarioResult[]>();
  for (const result of report.scenarios)
    byFeature.set(result.feature, [...(byFeature.get(result.feature) ?? []), result]);
  const suites = [
    ...[...byFeature.entries()].map(([feature, results]) => featureSuite(feature, results, report.info.strict)),
    coverageSuite(report),
  ];
  const sum = (key: 'tests' | 'failures' | 'errors'): number => suites.reduce((total, suite) => total + suite[key], 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="multifrost-conform ${xmlEscape(report.info.target)} [${report.info.profile}]" tests="${sum('tests')}" failures="${sum('failures')}" errors="${sum('errors')}" time="${(report.info.durationMs / 1000).toFixed(3)}">`,
    ...suites.map((suite) => suite.text),
    '</testsuites>',
    '',
  ].join('\n');
}
