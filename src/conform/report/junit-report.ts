/**
 * JUnit XML for CI test tabs: one `<testsuite>` per feature file, one `<testcase>` per scenario.
 * A blocking failure is `<failure>`; a timeout is `<error>`; skipped, informational (@may) and baseline
 * (expected) failures are `<skipped>` with the reason, so they show but never turn the job red.
 */
import type { Report, ScenarioResult } from '../results.js';
import { isBlockingFailure } from '../results.js';
import { formatTraceEntry } from './trace-format.js';

/** Escapes text for XML content and attributes; drops characters XML 1.0 cannot hold. */
export function xmlEscape(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function failureText(result: ScenarioResult): string {
  const f = result.failure;
  const lines = result.clauses.map((c) => `${c.id} (${c.level ?? '?'}) ${c.text ?? ''}`);
  if (f !== undefined) {
    if (f.step !== undefined) lines.push(`step: ${f.step}`);
    lines.push(f.expected !== undefined ? `expected: ${f.expected}\nactual: ${f.actual ?? '?'}` : f.message);
  }
  if (result.trace !== undefined) lines.push('wire trace:', ...result.trace.map(formatTraceEntry));
  return lines.join('\n');
}

function testcase(result: ScenarioResult, strict: boolean): string {
  const head = `    <testcase classname="${xmlEscape(result.feature)}" name="${xmlEscape(`${result.name} [${result.clauses.map((c) => c.id).join(' ')}]`)}" time="${(result.durationMs / 1000).toFixed(3)}"`;
  const firstLine = (result.failure?.expected !== undefined ? `expected ${result.failure.expected}, actual ${result.failure.actual ?? '?'}` : result.failure?.message.split('\n')[0]) ?? '';
  if (isBlockingFailure(result, strict)) {
    const tag = result.verdict === 'timeout' ? 'error' : 'failure';
    return `${head}>\n      <${tag} message="${xmlEscape(firstLine)}" type="${result.verdict}">${xmlEscape(failureText(result))}</${tag}>\n    </testcase>`;
  }
  if (result.verdict === 'pass') return `${head}/>`;
  const why =
    result.verdict === 'skipped'
      ? result.reason ?? 'skipped'
      : result.verdict === 'expected-fail'
        ? `expected failure (baseline): ${firstLine}`
        : `${result.level} ${result.verdict}: ${firstLine}`;
  return `${head}>\n      <skipped message="${xmlEscape(why)}"/>${result.failure !== undefined ? `\n      <system-out>${xmlEscape(failureText(result))}</system-out>` : ''}\n    </testcase>`;
}

/** The JUnit XML document of a report. */
export function junitReport(report: Report): string {
  const byFeature = new Map<string, ScenarioResult[]>();
  for (const result of report.scenarios) byFeature.set(result.feature, [...(byFeature.get(result.feature) ?? []), result]);
  const strict = report.info.strict;
  const suites = [...byFeature.entries()].map(([feature, results]) => {
    const failures = results.filter((r) => isBlockingFailure(r, strict) && r.verdict === 'fail').length;
    const errors = results.filter((r) => isBlockingFailure(r, strict) && r.verdict === 'timeout').length;
    const skipped = results.filter((r) => r.verdict !== 'pass' && !isBlockingFailure(r, strict)).length;
    const time = results.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
    return [
      `  <testsuite name="${xmlEscape(feature)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}">`,
      ...results.map((r) => testcase(r, strict)),
      '  </testsuite>',
    ].join('\n');
  });
  const s = report.summary;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="multifrost-conform ${xmlEscape(report.info.target)} [${report.info.profile}]" tests="${s.total}" failures="${s.blocking}" time="${(report.info.durationMs / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
