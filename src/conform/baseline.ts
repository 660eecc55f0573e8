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
  source: string;
}

/** Reads and checks a baseline file. @throws InvalidArgumentError on a line that is neither kind of id. */
export function readBaseline(path: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError('expected-failures', `cannot read ${path}: ${(error as Error).message}`);
  }
  const entries: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (!/^MF-[A-Z]+-\d+$/.test(line) && !/^\S+\.feature:\d+$/.test(line)) {
      throw new InvalidArgumentError('expected-failures', `${path}:${index + 1}: '${line}' is neither a clause id (MF-XXX-n) nor a scenario id (file.feature:line)`);
    }
    entries.push(line);
  });
  return { entries, source: path };
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
export function applyBaseline(results: ScenarioResult[], baseline: Baseline): { results: ScenarioResult[]; stale: string[] } {
  const stale: string[] = [];
  for (const entry of baseline.entries) {
    const ran = results.filter((r) => matches(entry, r) && r.verdict !== 'skipped');
    if (ran.length > 0 && !ran.some(isFailure)) stale.push(entry);
  }
  const marked = results.map((r) => (isFailure(r) && baseline.entries.some((e) => matches(e, r)) ? { ...r, verdict: 'expected-fail' as const } : r));
  return { results: marked, stale };
}
