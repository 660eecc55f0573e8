/**
 * One self-contained HTML file (inline CSS, no script, no network): the summary first, then every
 * failure open with its clause, expected vs actual and wire trace, then the whole catalogue in a table.
 * `<details>` elements do the folding, so it reads the same in any browser, offline.
 */
import type { Report, ScenarioResult, Verdict } from '../results.js';
import { summaryLine } from '../results.js';
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
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:75em;color:#1b1b1b;padding:0 1em}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin-top:1.6em}
.summary{padding:.8em 1em;border-radius:6px;font-weight:600}
.summary.ok{background:#e6f4ea;border:1px solid #34a853}.summary.bad{background:#fce8e6;border:1px solid #d93025}
.meta{color:#555;margin:.5em 0 1em}.meta td{padding:0 1em 0 0}
.counts span{display:inline-block;margin-right:1.2em}
.v-pass{color:#137333}.v-fail,.v-timeout{color:#c5221f;font-weight:700}.v-skipped{color:#777}.v-info{color:#b06000}.v-expected-fail{color:#8430ce}
.failure{border:1px solid #ddd;border-left:5px solid #d93025;border-radius:4px;padding:.6em 1em;margin:1em 0}
.failure.info{border-left-color:#f9ab00}.failure.expected-fail{border-left-color:#8430ce}
.clause{margin:.2em 0}.clause b{font-family:ui-monospace,monospace}
dl.ea{display:grid;grid-template-columns:7em 1fr;gap:.2em .8em;margin:.6em 0}
dl.ea dt{font-weight:600}dl.ea dd{margin:0;font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
pre{background:#f6f8fa;padding:.6em;overflow:auto;font-size:12px;max-height:30em;white-space:pre-wrap;word-break:break-all}
table.all{border-collapse:collapse;width:100%}table.all td,table.all th{border-bottom:1px solid #eee;padding:.25em .5em;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace}
`;

function failureSection(result: ScenarioResult): string {
  const f = result.failure;
  const clauses = result.clauses
    .map((c) => `<div class="clause"><b>${esc(c.id)}</b> (${esc(c.level ?? '?')}) ${esc(c.text ?? 'not in docs/spec.md')}</div>`)
    .join('');
  const ea =
    f === undefined
      ? ''
      : f.expected !== undefined || f.actual !== undefined
        ? `<dl class="ea"><dt>step</dt><dd>${esc(f.step ?? '?')}</dd><dt>expected</dt><dd class="expected">${esc(f.expected ?? '?')}</dd><dt>actual</dt><dd class="actual">${esc(f.actual ?? '?')}</dd></dl>`
        : `<dl class="ea"><dt>step</dt><dd>${esc(f.step ?? '?')}</dd><dt>error</dt><dd class="actual">${esc(f.message)}</dd></dl>`;
  const trace =
    result.trace === undefined
      ? '<p><i>no wire trace attached</i></p>'
      : `<details open class="trace"><summary>wire trace (${result.trace.length} messages)</summary><pre>${esc(result.trace.map(formatTraceEntry).join('\n'))}</pre></details>`;
  return `<section class="failure ${result.verdict}" id="${esc(result.id)}"><h3><span class="v-${result.verdict}">${LABEL[result.verdict]}</span> ${esc(result.name)} <small><code>${esc(result.id)}</code></small></h3>${clauses}${ea}${trace}</section>`;
}

function row(result: ScenarioResult): string {
  const why = result.verdict === 'skipped' ? esc(result.reason ?? '') : result.failure !== undefined ? esc(result.failure.expected !== undefined ? `expected ${result.failure.expected}, actual ${result.failure.actual ?? '?'}` : result.failure.message.split('\n')[0] ?? '') : '';
  return `<tr><td class="v-${result.verdict}">${LABEL[result.verdict]}</td><td>${result.level}</td><td>${esc(result.name)}<br><code>${esc(result.id)}</code></td><td>${esc(result.clauses.map((c) => c.id).join(' '))}</td><td>${why}</td><td>${result.durationMs.toFixed(0)} ms</td></tr>`;
}

/** The HTML document of a report. */
export function htmlReport(report: Report): string {
  const s = report.summary;
  const ok = s.blocking === 0 && s.stale.length === 0 && report.extras.every((e) => e.ok);
  const i = report.info;
  const problems = report.scenarios.filter((r) => r.verdict === 'fail' || r.verdict === 'timeout' || r.verdict === 'info' || r.verdict === 'expected-fail');
  const extras = report.extras.map((e) => `<h2>${esc(e.title)}: ${e.ok ? 'ok' : 'FAILED'}</h2><pre>${esc(e.lines.join('\n'))}</pre>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>multifrost-conform: ${esc(i.target)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>${CSS}</style></head><body>
<h1>Multifrost conformance report</h1>
<div class="summary ${ok ? 'ok' : 'bad'}" id="summary">${esc(summaryLine(report))}</div>
<table class="meta"><tr><td>target</td><td>${esc(i.target)} (role ${i.role})</td></tr>
<tr><td>profile</td><td>${esc(i.profile)} — ${esc(i.profileSource)}</td></tr>
<tr><td>transport</td><td>${esc(i.transport)}</td></tr>
<tr><td>started</td><td>${esc(i.startedAt)}, ${(i.durationMs / 1000).toFixed(1)} s</td></tr>
<tr><td>kit</td><td>multifrost-conform ${esc(i.kitVersion)}${i.strict ? ', --strict' : ''}${i.tags === undefined ? '' : `, tags <code>${esc(i.tags)}</code>`}${i.faults === undefined ? '' : `, faults <code>${esc(i.faults)}</code> seed ${i.seed ?? '?'}`}</td></tr></table>
<p class="counts"><span class="v-pass">${s.pass} passed</span><span class="v-fail">${s.fail} failed</span><span class="v-timeout">${s.timeout} timed out</span><span class="v-skipped">${s.skipped} skipped</span><span class="v-info">${s.info} informational</span><span class="v-expected-fail">${s.expectedFail} expected failures</span></p>
${s.stale.length > 0 ? `<p class="v-fail">Stale baseline entries (they pass now; remove them): ${esc(s.stale.join(', '))}</p>` : ''}
${problems.length > 0 ? `<h2>Failures</h2>${problems.map(failureSection).join('\n')}` : '<h2>No failures</h2>'}
${extras}
<h2>All scenarios</h2>
<table class="all"><thead><tr><th>verdict</th><th>level</th><th>scenario</th><th>clauses</th><th>detail</th><th>time</th></tr></thead><tbody>
${report.scenarios.map(row).join('\n')}
</tbody></table>
</body></html>
`;
}
