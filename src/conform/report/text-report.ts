/**
 * The terminal report: one line per scenario as it finishes (a live progress line on a TTY), then the
 * details of every failure (clause text, expected vs actual, the wire trace) and the one-line summary.
 */
import type { Report, ScenarioResult, Verdict } from '../results.js';
import { summaryLine } from '../results.js';
import { formatTraceEntry } from './trace-format.js';

const MARK: Record<Verdict, string> = {
  pass: 'PASS ',
  fail: 'FAIL ',
  timeout: 'TIME ',
  skipped: 'SKIP ',
  info: 'INFO ',
  'expected-fail': 'XFAIL',
};

/** One line for a finished scenario. */
export function scenarioLine(result: ScenarioResult): string {
  const clauses = result.clauses.map((c) => c.id).join(' ');
  const reason = result.verdict === 'skipped' && result.reason !== undefined ? ` (${result.reason})` : '';
  return `${MARK[result.verdict]} ${result.level.padEnd(6)} ${result.id}  ${result.name}${clauses === '' ? '' : `  [${clauses}]`}${reason}`;
}

/** The detail block of a failing (or informational, or expected) scenario. */
export function failureBlock(result: ScenarioResult, withTrace: boolean): string[] {
  const lines = [`--- ${MARK[result.verdict].trim()} ${result.id}  ${result.name}`];
  for (const clause of result.clauses) lines.push(`    ${clause.id} (${clause.level ?? '?'}) ${clause.text ?? '(not in docs/spec.md)'}`);
  const failure = result.failure;
  if (failure !== undefined) {
    if (failure.step !== undefined) lines.push(`    step:     ${failure.step}`);
    if (failure.clause !== undefined && !result.clauses.some((c) => c.id === failure.clause)) lines.push(`    clause:   ${failure.clause}`);
    if (failure.expected !== undefined || failure.actual !== undefined) {
      lines.push(`    expected: ${failure.expected ?? '?'}`, `    actual:   ${failure.actual ?? '?'}`);
    } else {
      lines.push(...failure.message.split('\n').slice(0, 12).map((l) => `    ${l}`));
    }
  }
  if (withTrace && result.trace !== undefined) {
    lines.push(`    wire trace (${result.trace.length} messages):`);
    lines.push(...result.trace.slice(-60).map((entry) => `      ${formatTraceEntry(entry)}`));
  }
  return lines;
}

/** The full text report (after the live lines). */
export function textReport(report: Report, options: { trace: boolean }): string {
  const lines: string[] = [];
  const details = report.scenarios.filter((s) => s.verdict === 'fail' || s.verdict === 'timeout' || s.verdict === 'info' || (options.trace && s.trace !== undefined));
  for (const result of details) lines.push(...failureBlock(result, true), '');
  for (const extra of report.extras) lines.push(`=== ${extra.title}: ${extra.ok ? 'ok' : 'FAILED'}`, ...extra.lines.map((l) => `    ${l}`), '');
  if (report.summary.stale.length > 0) lines.push(`stale baseline entries (now passing, remove them): ${report.summary.stale.join(', ')}`, '');
  lines.push(summaryLine(report));
  return lines.join('\n');
}

/**
 * Progress output: on a TTY one self-rewriting line with counts, failures printed in full as they come;
 * elsewhere (CI) one plain line per scenario.
 */
export class ProgressPrinter {
  private done = 0;
  private failed = 0;

  constructor(
    private readonly out: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean },
    private readonly total: number,
  ) {}

  scenario(result: ScenarioResult): void {
    this.done += 1;
    if (result.verdict === 'fail' || result.verdict === 'timeout') this.failed += 1;
    if (this.out.isTTY === true) {
      if (result.verdict !== 'pass') this.out.write(`\r\x1b[K${scenarioLine(result)}\n`);
      this.out.write(`\r\x1b[K[${this.done}/${this.total}] ${this.failed} failing  ${result.name.slice(0, 60)}`);
    } else {
      this.out.write(`${scenarioLine(result)}\n`);
    }
  }

  end(): void {
    if (this.out.isTTY === true) this.out.write('\r\x1b[K');
  }
}
