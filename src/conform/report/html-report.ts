/**
 * One self-contained HTML file (inline CSS, no script, no network): the summary first, then every
 * failure open with its clauses and their origin, expected vs actual, the processes and the wire trace,
 * then the coverage per clause, then the whole catalogue in a table whose failing rows link to their cards.
 * `<details>` elements do the folding, so it reads the same in any browser, offline. The layout wraps
 * within a 1280 px page whatever the values: long unbreakable text breaks anywhere, clause ids never.
 */
import { OUTCOME_LABEL, conformanceClaim, coverageOf, type ClauseCoverage } from '../coverage.js';
import type { Report, ScenarioResult, Verdict } from '../results.js';
import { runPassed, sectionVerdict, summaryLine } from '../verdict.js';
import {
  extraFailureClause,
  failureFields,
  failureHeadline,
  originText,
  processHeadline,
  processTail,
} from './failure-details.js';
import { formatTraceEntry } from './trace-format.js';

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const LABEL: Record<Verdict, string> = {
  pass: 'pass',
  fail: 'FAIL',
  timeout: 'TIMEOUT',
  skipped: 'skipped',
  info: 'info (MAY)',
  'expected-fail': 'expected failure',
};

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:75em;color:#1b1b1b;padding:0 1em;overflow-wrap:anywhere}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin-top:1.6em}
.summary{padding:.8em 1em;border-radius:6px;font-weight:600}
.summary.ok{background:#e6f4ea;border:1px solid #34a853}.summary.bad{background:#fce8e6;border:1px solid #d93025}
.meta{color:#555;margin:.5em 0 1em}.meta td{padding:0 1em 0 0}
.counts span{display:inline-block;margin-right:1.2em}
.v-pass{color:#137333}.v-fail,.v-timeout{color:#c5221f;font-weight:700}.v-skipped{color:#777}.v-info{color:#b06000}.v-expected-fail{color:#8430ce}
.failure{border:1px solid #ddd;border-left:5px solid #d93025;border-radius:4px;padding:.6em 1em;margin:1em 0}
.failure.info{border-left-color:#f9ab00}.failure.expected-fail{border-left-color:#8430ce}
.clause{margin:.2em 0}.origin{margin:0 0 .4em 1.5em;color:#444;font-size:.92em}.origin b{font-weight:600}
.cid{font-family:ui-monospace,monospace;white-space:nowrap;display:inline-block;font-weight:600}
dl.ea{display:grid;grid-template-columns:7em minmax(0,1fr);gap:.2em .8em;margin:.6em 0}
dl.ea dt{font-weight:600}dl.ea dd{margin:0;font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all;min-width:0}
pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:12px;max-height:30em;white-space:pre-wrap;word-break:break-all}
table.all,table.coverage{border-collapse:collapse;width:100%;table-layout:fixed}
table.all td,table.all th,table.coverage td,table.coverage th{border-bottom:1px solid #eee;padding:.25em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.detail{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.o-pass{color:#137333}.o-fail{color:#c5221f;font-weight:700}.o-skipped,.o-not-run,.o-no-scenario{color:#777}.o-in-process-only{color:#b06000}.o-not-checkable{color:#555;font-style:italic}
code{font-family:ui-monospace,monospace}
`;

/** A fragment id for a scenario (`values.feature:10` -> `f-values-feature-10`). */
function anchor(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function clauseIds(ids: readonly string[]): string {
  return ids.map((id) => `<span class="cid">${esc(id)}</span>`).join(' ');
}

function originDiv(clause: Parameters<typeof originText>[0]): string {
  const origin = originText(clause);
  return origin === undefined ? '' : `<div class="origin"><b>origin:</b> ${esc(origin)}</div>`;
}

function failureValues(result: ScenarioResult): string {
  const f = result.failure;
  if (f === undefined) return '';
  const rows = failureFields(f)
    .map(
      ([label, value]) =>
        `<dt>${esc(label)}</dt><dd class="${label === 'expected' ? 'expected' : label === 'actual' || label === 'error' ? 'actual' : esc(label)}">${esc(value)}</dd>`,
    )
    .join('');
  return `<dl class="ea"><dt>step</dt><dd>${esc(f.step ?? '?')}</dd>${rows}</dl>`;
}

function processesBlock(result: ScenarioResult): string {
  if (result.processes.length === 0) return '';
  const lines = result.processes.flatMap((p) => [processHeadline(p), ...processTail(p, 40).map((line) => `  ${line}`)]);
  return `<details open class="processes"><summary>processes (${result.processes.length})</summary><pre>${esc(lines.join('\n'))}</pre></details>`;
}

function failureSection(result: ScenarioResult): string {
  const clauses = result.clauses
    .map(
      (c) =>
        `<div class="clause"><b class="cid">${esc(c.id)}</b> (${esc(c.level ?? '?')}) ${esc(c.text ?? 'not in docs/spec.md')}</div>${originDiv(c)}`,
    )
    .join('');
  const extra = extraFailureClause(result);
  const extraClause =
    extra === undefined
      ? ''
      : `<div class="clause">failing clause <b class="cid">${esc(extra)}</b></div>${originDiv(extra)}`;
  const trace =
    result.trace === undefined
      ? '<p><i>no wire trace attached</i></p>'
      : `<details open class="trace"><summary>wire trace (${result.trace.length} messages)</summary><pre>${esc(result.trace.map(formatTraceEntry).join('\n'))}</pre></details>`;
  const back = `<a href="#${anchor('s', result.id)}">row in the table</a>`;
  return `<section class="failure ${result.verdict}" id="${anchor('f', result.id)}"><h3><span class="v-${result.verdict}">${LABEL[result.verdict]}</span> ${esc(result.name)} <small><code>${esc(result.id)}</code> ${back}</small></h3>${clauses}${extraClause}${failureValues(result)}${processesBlock(result)}${trace}</section>`;
}

function hasCard(result: ScenarioResult): boolean {
  return (
    result.verdict === 'fail' ||
    result.verdict === 'timeout' ||
    result.verdict === 'info' ||
    result.verdict === 'expected-fail'
  );
}

function row(result: ScenarioResult): string {
  const why = result.verdict === 'skipped' ? esc(result.reason ?? '') : esc(failureHeadline(result.failure));
  const name = hasCard(result) ? `<a href="#${anchor('f', result.id)}">${esc(result.name)}</a>` : esc(result.name);
  return `<tr id="${anchor('s', result.id)}"><td class="v-${result.verdict}">${LABEL[result.verdict]}</td><td>${result.level}</td><td>${name}<br><code>${esc(result.id)}</code></td><td>${clauseIds(result.clauses.map((c) => c.id))}</td><td class="detail">${why}</td><td>${result.durationMs.toFixed(0)} ms</td></tr>`;
}

function coverageRow(clause: ClauseCoverage): string {
  const scenarios = clause.scenarios.map((id) => `<code>${esc(id)}</code>`).join(' ');
  return `<tr><td><span class="cid">${esc(clause.id)}</span></td><td>${clause.level}</td><td class="o-${clause.outcome}">${OUTCOME_LABEL[clause.outcome]}</td><td>${esc(clause.origin?.kind ?? '?')}</td><td>${esc(clause.reason ?? '')}${scenarios === '' ? '' : `<br>${scenarios}`}</td></tr>`;
}

function coverageSection(report: Report): string {
  const coverage = coverageOf(report);
  const m = coverage.must;
  const s = coverage.should;
  const note = coverage.catalogueKnown
    ? ''
    : '<p><i>This report does not list the whole catalogue: clauses filtered out or checked in-process only read "no scenario".</i></p>';
  return `<h2 id="coverage">Coverage (role ${coverage.role}): ${esc(conformanceClaim(coverage, runPassed(report)))}</h2>
<p>MUST: ${m.checked} of ${m.applicable - m.notCheckable} checked (${m.passed} passed, ${m.failed} failed), ${m.notCheckable} not checkable from outside. SHOULD: ${s.checked} of ${s.applicable - s.notCheckable} checked (${s.passed} passed, ${s.failed} failed).</p>${note}
<table class="coverage"><colgroup><col style="width:8em"><col style="width:5em"><col style="width:9em"><col style="width:6em"><col></colgroup>
<thead><tr><th>clause</th><th>level</th><th>outcome</th><th>origin</th><th>reason, scenarios</th></tr></thead><tbody>
${coverage.clauses.map(coverageRow).join('\n')}
</tbody></table>`;
}

/** The HTML document of a report. */
export function htmlReport(report: Report): string {
  const s = report.summary;
  const ok = runPassed(report);
  const i = report.info;
  const problems = report.scenarios.filter(hasCard);
  const extras = report.extras
    .map((e) => `<h2>${esc(e.title)}: ${sectionVerdict(e)}</h2><pre>${esc(e.lines.join('\n'))}</pre>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>multifrost-conform: ${esc(i.target)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>${CSS}</style></head><body>
<h1>Multifrost conformance report</h1>
<div class="summary ${ok ? 'ok' : 'bad'}" id="summary">${esc(summaryLine(report))}</div>
<table class="meta"><tr><td>target</td><td>${esc(i.target)} (role ${i.role})</td></tr>
<tr><td>profile</td><td>${esc(i.profile)} — ${esc(i.profileSource)}</td></tr>
<tr><td>transport</td><td>${esc(i.transport)}</td></tr>
<tr><td>started</td><td>${esc(i.startedAt)}, ${(i.durationMs / 1000).toFixed(1)} s</td></tr>
<tr><td>kit</td><td>multifrost-conform ${esc(i.kitVersion)}${i.strict ? ', --strict' : ''}${i.tags === undefined ? '' : `, tags <code>${esc(i.tags)}</code>`}${i.faults === undefined ? '' : `, faults <code>${esc(i.faults)}</code> seed ${i.seed ?? '?'}`}</td></tr></table>
<p class="counts"><span class="v-pass">${s.pass} passed</span><span class="v-fail">${s.fail} failed</span><span class="v-timeout">${s.timeout} timed out</span><span class="v-skipped">${s.skipped} skipped</span><span class="v-info">${s.info} informational</span><span class="v-expected-fail">${s.expectedFail} expected failures</span> <a href="#coverage">coverage per clause</a></p>
${report.stoppedEarly === undefined ? '' : `<p class="v-fail">The run stopped early: ${esc(report.stoppedEarly)}</p>`}
${s.stale.length > 0 ? `<p class="v-fail">Stale baseline entries (they pass now; remove them): ${esc(s.stale.join(', '))}</p>` : ''}
${problems.length > 0 ? `<h2>Failures</h2>${problems.map(failureSection).join('\n')}` : '<h2>No failures</h2>'}
${extras}
${coverageSection(report)}
<h2>All scenarios</h2>
<table class="all"><colgroup><col style="width:7em"><col style="width:5em"><col style="width:30%"><col style="width:16%"><col><col style="width:5em"></colgroup>
<thead><tr><th>verdict</th><th>level</th><th>scenario</th><th>clauses</th><th>detail</th><th>time</th></tr></thead><tbody>
${report.scenarios.map(row).join('\n')}
</tbody></table>
</body></html>
`;
}
