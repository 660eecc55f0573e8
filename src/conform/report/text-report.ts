/**
 * The terminal report: one line per scenario as it finishes (a live progress line on a TTY), then the
 * details of every failure (clause text and origin, expected vs actual, the processes, the wire trace),
 * the coverage section and the one-line summary. Colour only on a terminal (see {@link colourEnabled}).
 */
import { OUTCOME_LABEL, coverageOf, type ClauseCoverage } from '../coverage.js';
import type { Report, ScenarioResult, Verdict } from '../results.js';
import { runPassed, sectionVerdict, summaryLine } from '../verdict.js';
import { extraFailureClause, failureFields, originText, processHeadline, processTail } from './failure-details.js';
import { formatTraceEntry } from './trace-format.js';

const MARK: Record<Verdict, string> = {
  pass: 'PASS ',
  fail: 'FAIL ',
  timeout: 'TIME ',
  skipped: 'SKIP ',
  info: 'INFO ',
  'expected-fail': 'XFAIL',
};

const COLOUR: Record<Verdict, string> = {
  pass: '32',
  fail: '31',
  timeout: '31',
  skipped: '2',
  info: '33',
  'expected-fail': '35',
};

/**
 * Whether to colour output written to `stream`: `FORCE_COLOR` decides when set (`0` or `false` off, anything
 * else on), else a non-empty `NO_COLOR` turns colour off (no-color.org), else colour exactly on a TTY.
 * The same precedence as Node's own `tty.WriteStream#hasColors`.
 */
export function colourEnabled(
  stream: { isTTY?: boolean },
  env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true;
}

function paint(text: string, code: string, colour: boolean): string {
  return colour ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** One line for a finished scenario. */
export function scenarioLine(result: ScenarioResult, colour = false): string {
  const clauses = result.clauses.map((c) => c.id).join(' ');
  const reason = result.verdict === 'skipped' && result.reason !== undefined ? ` (${result.reason})` : '';
  return `${paint(MARK[result.verdict], COLOUR[result.verdict], colour)} ${result.level.padEnd(6)} ${result.id}  ${result.name}${clauses === '' ? '' : `  [${clauses}]`}${reason}`;
}

function indentBlock(label: string, value: string): string[] {
  const [first = '', ...rest] = value.split('\n');
  return [`    ${`${label}:`.padEnd(10)}${first}`, ...rest.slice(0, 11).map((line) => `              ${line}`)];
}

/** The detail block of a failing (or informational, or expected) scenario. */
export function failureBlock(result: ScenarioResult, withTrace: boolean, colour = false): string[] {
  const lines = [
    `--- ${paint(MARK[result.verdict].trim(), COLOUR[result.verdict], colour)} ${result.id}  ${result.name}`,
  ];
  for (const clause of result.clauses) {
    lines.push(`    ${clause.id} (${clause.level ?? '?'}) ${clause.text ?? '(not in docs/spec.md)'}`);
    const origin = originText(clause);
    if (origin !== undefined) lines.push(`      origin: ${origin}`);
  }
  const failure = result.failure;
  if (failure !== undefined) {
    if (failure.step !== undefined) lines.push(`    step:     ${failure.step}`);
    const extra = extraFailureClause(result);
    if (extra !== undefined) {
      lines.push(`    clause:   ${extra}`);
      const origin = originText(extra);
      if (origin !== undefined) lines.push(`      origin: ${origin}`);
    }
    for (const [label, value] of failureFields(failure)) lines.push(...indentBlock(label, value));
  }
  for (const process of result.processes) {
    lines.push(`    process: ${processHeadline(process)}`, ...processTail(process).map((line) => `      ${line}`));
  }
  if (withTrace && result.trace !== undefined) {
    lines.push(`    wire trace (${result.trace.length} messages):`);
    lines.push(...result.trace.slice(-60).map((entry) => `      ${formatTraceEntry(entry)}`));
  }
  return lines;
}

function countsLine(level: string, counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([outcome, n]) => `${OUTCOME_LABEL[outcome as keyof typeof OUTCOME_LABEL]} ${n}`);
  return `    ${level.padEnd(7)}${parts.join(', ') || 'none apply'}`;
}

/** The compact coverage section: counts per level, then every clause not checked with the reason. */
export function coverageSection(report: Report): string[] {
  const coverage = coverageOf(report);
  const m = coverage.must;
  const s = coverage.should;
  const lines = [
    `=== Coverage (role ${coverage.role}): MUST ${m.checked} of ${m.applicable - m.notCheckable} checked (${m.passed} passed, ${m.failed} failed), SHOULD ${s.checked} of ${s.applicable - s.notCheckable} checked`,
    countsLine('MUST', m.byOutcome),
    countsLine('SHOULD', s.byOutcome),
  ];
  const unchecked = coverage.clauses.filter((c) => c.outcome !== 'pass' && c.outcome !== 'fail');
  if (unchecked.length > 0) lines.push('    not checked:', ...uncheckedLines(unchecked));
  return lines;
}

/** Clauses not checked, grouped by outcome and reason: one line per group, its ids wrapped below. */
function uncheckedLines(unchecked: readonly ClauseCoverage[]): string[] {
  const groups = new Map<string, ClauseCoverage[]>();
  for (const clause of unchecked) {
    const key = `${OUTCOME_LABEL[clause.outcome]}${clause.reason === undefined ? '' : `: ${clause.reason}`}`;
    groups.set(key, [...(groups.get(key) ?? []), clause]);
  }
  const lines: string[] = [];
  for (const [why, clauses] of groups) {
    const ids = clauses.map((c) => (c.level === 'MUST' ? c.id : `${c.id} (${c.level})`));
    lines.push(`      ${why}`);
    let current = '';
    for (const id of ids) {
      if (current !== '' && current.length + id.length + 1 > 96) {
        lines.push(`        ${current}`);
        current = '';
      }
      current = current === '' ? id : `${current} ${id}`;
    }
    lines.push(`        ${current}`);
  }
  return lines;
}

/** The full text report (after the live lines). `colour` defaults to whether stdout takes colour. */
export function textReport(report: Report, options: { trace: boolean; colour?: boolean }): string {
  const colour = options.colour ?? colourEnabled(process.stdout);
  const lines: string[] = [];
  const details = report.scenarios.filter(
    (s) =>
      s.verdict === 'fail' ||
      s.verdict === 'timeout' ||
      s.verdict === 'info' ||
      (options.trace && s.trace !== undefined),
  );
  for (const result of details) lines.push(...failureBlock(result, true, colour), '');
  for (const extra of report.extras)
    lines.push(`=== ${extra.title}: ${sectionVerdict(extra)}`, ...extra.lines.map((l) => `    ${l}`), '');
  lines.push(...coverageSection(report), '');
  if (report.summary.stale.length > 0)
    lines.push(`stale baseline entries (now passing, remove them): ${report.summary.stale.join(', ')}`, '');
  const summary = summaryLine(report);
  lines.push(
    colour
      ? summary.replace(
          /^(multifrost-conform: )(PASS|FAIL)/,
          (_m, head: string, word: string) => `${head}${paint(word, runPassed(report) ? '32' : '31', true)}`,
        )
      : summary,
  );
  return lines.join('\n');
}

/** Output stream of the progress printer (a terminal has `isTTY` and `columns`). */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** Cuts `text` to `width` characters, marking the cut with `…`. */
function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * Progress output: on a TTY one self-rewriting line with counts, fitted to the terminal's width so it
 * never wraps (a wrapped line cannot be rewritten), and every non-passing scenario printed as it comes;
 * elsewhere (CI) one plain line per scenario. Colour follows {@link colourEnabled}.
 */
export class ProgressPrinter {
  private done = 0;
  private failed = 0;
  private readonly colour: boolean;

  constructor(
    private readonly out: ProgressStream,
    private readonly total: number,
    options: { env?: NodeJS.ProcessEnv | Record<string, string | undefined>; colour?: boolean } = {},
  ) {
    this.colour = options.colour ?? colourEnabled(out, options.env);
  }

  scenario(result: ScenarioResult): void {
    this.done += 1;
    if (result.verdict === 'fail' || result.verdict === 'timeout') this.failed += 1;
    if (this.out.isTTY === true) {
      if (result.verdict !== 'pass') this.out.write(`\r\x1b[K${scenarioLine(result, this.colour)}\n`);
      // One column is kept free: writing into the last column makes some terminals wrap at once.
      const width = (this.out.columns !== undefined && this.out.columns > 0 ? this.out.columns : 80) - 1;
      this.out.write(`\r\x1b[K${fit(`[${this.done}/${this.total}] ${this.failed} failing  ${result.name}`, width)}`);
    } else {
      this.out.write(`${scenarioLine(result, this.colour)}\n`);
    }
  }

  end(): void {
    if (this.out.isTTY === true) this.out.write('\r\x1b[K');
  }
}
