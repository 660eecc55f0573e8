/**
 * `--expected-failures <file>`: a baseline of known failures, so a port can adopt the kit before it is
 * fully conformant and still catch regressions. One entry per line: a clause id (`MF-CALL-6`) or a
 * scenario id (`calls.feature:42`); `#` starts a comment. A listed failure does not fail the run; a listed
 * entry whose scenarios now all pass is *stale* and does fail it, so the baseline only ever shrinks.
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import type { ScenarioResult } from './results.js';

export interface Baseline {
  entries: string[];
  /** The line of each entry in the file (1-based), same order as `entries` (absent for a baseline built in code). */
  lines?: number[];
  source: string;
}

/** What a baseline entry may name: the clause ids of docs/spec.md and the scenario ids of the catalogue. */
export interface KnownIds {
  clauses: ReadonlySet<string>;
  scenarios: ReadonlySet<string>;
}

const CLAUSE_ID = /^MF-[A-Z]+-\d+$/;
const SCENARIO_ID = /^\S+\.feature:\d+$/;

/** Reads and checks a baseline file. @throws InvalidArgumentError on a line that is neither kind of id. */
export function readBaseline(path: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usage(
      `cannot read the baseline --expected-failures ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
  const entries: string[] = [];
  const lines: number[] = [];
  const bad: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (!CLAUSE_ID.test(line) && !SCENARIO_ID.test(line)) {
      bad.push(
        `${path}:${index + 1}: '${line}' is neither a clause id (MF-XXX-n) nor a scenario id (file.feature:line)`,
      );
      return;
    }
    entries.push(line);
    lines.push(index + 1);
  });
  if (bad.length > 0)
    throw usage(`the baseline has ${bad.length} bad ${bad.length === 1 ? 'entry' : 'entries'}:\n  ${bad.join('\n  ')}`);
  return { entries, lines, source: path };
}

/**
 * The entries that name nothing: a clause id that docs/spec.md does not define, or a scenario id that is no
 * scenario of the catalogue (a typo, or a line that moved after an upgrade). One message per entry, with its line.
 */
export function unknownBaselineEntries(baseline: Baseline, known: KnownIds): string[] {
  const problems: string[] = [];
  baseline.entries.forEach((entry, i) => {
    const where = `${baseline.source}:${baseline.lines?.[i] ?? '?'}`;
    if (CLAUSE_ID.test(entry)) {
      if (!known.clauses.has(entry)) problems.push(`${where}: ${entry} is not a clause of docs/spec.md`);
    } else if (!known.scenarios.has(entry)) {
      const file = entry.slice(0, entry.lastIndexOf(':'));
      const inFile = [...known.scenarios].filter((id) => id.startsWith(`${file}:`));
      problems.push(
        inFile.length === 0
          ? `${where}: ${entry} names no scenario: there is no feature file ${file} (multifrost-conform list prints every scenario id)`
          : `${where}: ${entry} names no scenario: ${file} has scenarios at lines ${inFile.map((id) => id.slice(file.length + 1)).join(', ')} (multifrost-conform list prints them)`,
      );
    }
  });
  return problems;
}

/** Reads a baseline and checks every entry names a clause or scenario. @throws InvalidArgumentError naming each bad entry and its line. */
export function readCheckedBaseline(path: string, known: KnownIds): Baseline {
  const baseline = readBaseline(path);
  const problems = unknownBaselineEntries(baseline, known);
  if (problems.length > 0) {
    throw usage(
      `the baseline has ${problems.length} ${problems.length === 1 ? 'entry' : 'entries'} that match nothing (fix or remove ${problems.length === 1 ? 'it' : 'them'}):\n  ${problems.join('\n  ')}`,
    );
  }
  return baseline;
}

/** A usage error whose message is the whole text. */
function usage(message: string): InvalidArgumentError {
  const error = new InvalidArgumentError('--expected-failures', message);
  error.message = message;
  return error;
}

function matches(entry: string, result: ScenarioResult): boolean {
  if (entry === result.id) return true;
  return result.clauses.some((c) => c.id === entry) || result.failure?.clause === entry;
}

function isFailure(result: ScenarioResult): boolean {
  return result.verdict === 'fail' || result.verdict === 'timeout';
}

/**
 * Marks listed failures as `expected-fail` and returns the stale entries (matched scenarios ran, and
 * none of them failed). Entries that matched nothing (filtered out by tags) are neither.
 */
export function applyBaseline(
  results: ScenarioResult[],
  baseline: Baseline,
): { results: ScenarioResult[]; stale: string[] } {
  const stale: string[] = [];
  for (const entry of baseline.entries) {
    const ran = results.filter((r) => matches(entry, r) && r.verdict !== 'skipped');
    if (ran.length > 0 && !ran.some(isFailure)) stale.push(entry);
  }
  const marked = results.map((r) =>
    isFailure(r) && baseline.entries.some((e) => matches(e, r)) ? { ...r, verdict: 'expected-fail' as const } : r,
  );
  return { results: marked, stale };
}
