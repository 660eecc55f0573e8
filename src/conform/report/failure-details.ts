/**
 * The parts of a failure that every report shows alike: the values that differ (or the message when a
 * check has only a boolean), the origin of each clause (so a maintainer who followed the original design
 * sees that the failure is deliberate), and the processes of the scenario with their exit status and
 * output tails.
 */
import type { ClauseRef, FailureDetail, ProcessOutcome, ScenarioResult } from '../results.js';
import { specClauses, type ClauseOrigin } from '../spec-clauses.js';

/** The origin of a cited clause: from the result when the collector set it, else from the spec. */
export function originOf(clause: Pick<ClauseRef, 'id' | 'origin'> | string | undefined): ClauseOrigin | undefined {
  if (clause === undefined) return undefined;
  if (typeof clause === 'string') return specClauses().get(clause)?.origin;
  return clause.origin ?? specClauses().get(clause.id)?.origin;
}

/** `erratum - The design ...`, or undefined for a clause the spec does not annotate. */
export function originText(clause: Pick<ClauseRef, 'id' | 'origin'> | string | undefined): string | undefined {
  const origin = originOf(clause);
  return origin === undefined ? undefined : `${origin.kind} - ${origin.note}`;
}

/** Message lines that are not the heading, `expected:` or `actual:` already shown. */
function messageRest(failure: FailureDetail): string[] {
  return failure.message
    .split('\n')
    .filter((line, index) => !(index === 0 && /^MF-[A-Z]+-\d+\b/.test(line)))
    .filter((line) => !/^(expected|actual):/.test(line) && line.trim() !== '');
}

/**
 * `[label, value]` pairs of a failure: expected and actual when it has them, then whatever else its
 * message says (`detail:` lines, other text), so a check that only has a boolean (`expected: true`)
 * still shows what differed; the message itself when there are no values.
 */
export function failureFields(failure: FailureDetail): Array<[string, string]> {
  if (failure.expected === undefined && failure.actual === undefined) return [['error', failure.message]];
  const fields: Array<[string, string]> = [
    ['expected', failure.expected ?? '?'],
    ['actual', failure.actual ?? '?'],
  ];
  const rest = messageRest(failure);
  for (const line of rest) {
    const detail = /^detail:\s*(.*)$/.exec(line);
    if (detail !== null) fields.push(['detail', detail[1]!]);
  }
  const other = rest.filter((line) => !/^detail:/.test(line));
  if (other.length > 0) fields.push(['message', other.join('\n')]);
  return fields;
}

/** One line for a process: `worker pid 4242 (python3 -u w.py): exited with code 1`. */
export function processHeadline(process: ProcessOutcome): string {
  const status =
    process.exitCode === undefined
      ? 'still running at the end of the scenario'
      : process.exitCode === null
        ? `killed by ${process.signal ?? 'a signal'}`
        : `exited with code ${process.exitCode}${process.signal ? ` (${process.signal})` : ''}`;
  const argv = process.argv.length === 0 ? '' : ` (${process.argv.join(' ')})`;
  return `${process.role}${process.pid === undefined ? '' : ` pid ${process.pid}`}${argv}: ${status}`;
}

/** The output tail lines of a process, each prefixed with its stream (at most `limit` per stream). */
export function processTail(process: ProcessOutcome, limit = 20): string[] {
  return [
    ...process.stderrTail.slice(-limit).map((line) => `stderr: ${line}`),
    ...process.stdoutTail.slice(-limit).map((line) => `stdout: ${line}`),
  ];
}

/** The processes block of a scenario as plain lines (headline, then indented tails). */
export function processLines(result: ScenarioResult, indent = '  '): string[] {
  return result.processes.flatMap((p) => [processHeadline(p), ...processTail(p).map((line) => `${indent}${line}`)]);
}

/** The first line a CI tab shows for a failure: `expected X, actual Y`, or the message's first line. */
export function failureHeadline(failure: FailureDetail | undefined): string {
  if (failure === undefined) return '';
  if (failure.expected !== undefined) return `expected ${failure.expected}, actual ${failure.actual ?? '?'}`;
  return failure.message.split('\n')[0] ?? '';
}

/** The failing clause when it is not among the scenario's cited ones (shown separately). */
export function extraFailureClause(result: ScenarioResult): string | undefined {
  const clause = result.failure?.clause;
  return clause !== undefined && !result.clauses.some((c) => c.id === clause) ? clause : undefined;
}
