/** The matrix as text (the terminal report) and as JSON (schema `multifrost-conform/matrix@1`). */
import type { Matrix, MatrixCell } from './matrix.js';

export const MATRIX_SCHEMA = 'multifrost-conform/matrix@1';

const CELL: Record<string, string> = {
  pass: 'pass',
  fail: 'FAIL',
  skipped: 'skip',
  error: 'ERROR',
  'not-run': 'not run',
  'not-checkable': 'n/c',
  'no-scenario': '-',
  'in-process-only': 'internal',
};

/** A cell's short text: pass, FAIL, skip, ERROR (no report), not run, n/c, -. */
export function cellText(cell: MatrixCell): string {
  return CELL[cell.outcome] ?? cell.outcome;
}

/** How one target's cell reads under a disagreement: the outcome, then each failure's expected vs actual. */
export function cellDetail(cell: MatrixCell): string[] {
  if (cell.outcome === 'fail')
    return cell.failures.flatMap((f) => [
      `FAIL ${f.scenario} ${f.name}${f.verdict === 'timeout' ? ' (timed out)' : ''}`,
      ...(f.expected === undefined ? [] : [`    expected: ${f.expected}`]),
      ...(f.actual === undefined ? [] : [`    actual:   ${f.actual}`]),
    ]);
  if (cell.outcome === 'pass') return ['pass: as the clause expects'];
  return [`${cellText(cell)}${cell.reason === undefined ? '' : `: ${cell.reason}`}`];
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

export function matrixText(matrix: Matrix): string {
  const keys = matrix.targets.map((t) => t.key);
  const disagreements = matrix.rows.filter((r) => r.disagree);
  const idWidth = Math.max(6, ...matrix.rows.map((r) => r.id.length));
  const width = Math.max(...keys.map((k) => k.length), 8);
  const lines = [
    `=== Clause x target matrix (role ${matrix.role}): ${matrix.rows.length} clause(s) checked by some target, the targets disagree on ${disagreements.length}`,
    `    ${pad('clause', idWidth)}  ${pad('level', 6)}  ${keys.map((k) => pad(k, width)).join('  ')}`.trimEnd(),
    ...matrix.rows.map((row) =>
      `${row.disagree ? ' !  ' : '    '}${pad(row.id, idWidth)}  ${pad(row.level, 6)}  ${keys
        .map((k) => pad(cellText(row.cells[k]!), width))
        .join('  ')}`.trimEnd(),
    ),
  ];
  if (disagreements.length > 0) {
    lines.push('', '=== Where the targets disagree (! above)');
    for (const row of disagreements) {
      lines.push(`    ${row.id} (${row.level}) ${row.text}`);
      for (const target of matrix.targets) {
        const [first, ...rest] = cellDetail(row.cells[target.key]!);
        lines.push(`      ${target.key} ${target.label}: ${first}`, ...rest.map((l) => `        ${l}`));
      }
    }
  }
  lines.push('', '=== Targets');
  for (const target of matrix.targets)
    lines.push(
      `    ${target.key} ${target.label} (exit ${target.exitCode}, ${(target.durationMs / 1000).toFixed(1)} s): ${target.summary}`,
    );
  return `${lines.join('\n')}\n`;
}

export function matrixJson(matrix: Matrix, exitCode: number): string {
  return `${JSON.stringify({ schema: MATRIX_SCHEMA, exitCode, ...matrix }, null, 2)}\n`;
}
