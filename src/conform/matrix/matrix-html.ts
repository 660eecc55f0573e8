/**
 * The matrix as one self-contained HTML page: the clause x target table (a disagreement row marked, each
 * cell coloured by outcome, a failing cell's expected vs actual in its tooltip), then every disagreement with
 * each target's detail side by side, then one summary line per target.
 */
import type { Matrix } from './matrix.js';
import { cellDetail, cellText } from './matrix-text.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
.pass{background:#dfd}.fail{background:#fcc;font-weight:bold}.skipped{background:#ffd}.error{background:#f99}
tr.disagree th{background:#fe9}pre{margin:0;white-space:pre-wrap}`;

export function matrixHtml(matrix: Matrix, exitCode: number): string {
  const targets = matrix.targets;
  const header = `<tr><th>clause</th><th>level</th>${targets
    .map((t) => `<th title="${escape(t.label)}">${escape(t.key)}</th>`)
    .join('')}</tr>`;
  const rows = matrix.rows.map((row) => {
    const cells = targets.map((t) => {
      const cell = row.cells[t.key]!;
      return `<td class="cell ${escape(cell.outcome)}" data-target="${escape(t.key)}" title="${escape(cellDetail(cell).join('\n'))}">${escape(cellText(cell))}</td>`;
    });
    return `<tr class="${row.disagree ? 'disagree' : 'agree'}" data-clause="${escape(row.id)}"><th title="${escape(row.text)}">${escape(row.id)}</th><td>${row.level}</td>${cells.join('')}</tr>`;
  });
  const disagreements = matrix.rows
    .filter((row) => row.disagree)
    .map(
      (row) =>
        `<section class="disagreement" data-clause="${escape(row.id)}"><h3>${escape(row.id)} (${row.level})</h3><p>${escape(row.text)}</p><table><tr>${targets
          .map((t) => `<th>${escape(t.key)} ${escape(t.label)}</th>`)
          .join('')}</tr><tr>${targets
          .map(
            (t) =>
              `<td class="${escape(row.cells[t.key]!.outcome)}"><pre>${escape(cellDetail(row.cells[t.key]!).join('\n'))}</pre></td>`,
          )
          .join('')}</tr></table></section>`,
    );
  const summaries = targets.map(
    (t) =>
      `<li class="target" data-exit="${t.exitCode}"><b>${escape(t.key)}</b> ${escape(t.label)} (exit ${t.exitCode}): ${escape(t.summary)}</li>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>multifrost-conform: clause x target matrix</title><style>${STYLE}</style></head>
<body data-exit="${exitCode}">
<h1>Clause x target matrix (role ${matrix.role})</h1>
<table id="matrix">${header}${rows.join('\n')}</table>
<h2>Where the targets disagree</h2>
${disagreements.length === 0 ? '<p>Nowhere: every target has the same outcome on every clause.</p>' : disagreements.join('\n')}
<h2>Targets</h2>
<ul>${summaries.join('\n')}</ul>
</body></html>
`;
}
