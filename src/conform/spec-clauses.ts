/**
 * The clauses of docs/spec.md, parsed from its machine-readable lines `- **MF-XXX-n** (LEVEL) text`.
 * Used by the traceability check, by failing steps (to quote the clause) and by the CLI's reports.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ClauseLevel = 'MUST' | 'SHOULD' | 'MAY';

export interface Clause {
  id: string;
  level: ClauseLevel;
  text: string;
  /** The section heading the clause sits under. */
  section: string;
}

const CLAUSE_LINE = /^- \*\*(MF-[A-Z]+-\d+)\*\* \((MUST|SHOULD|MAY)\) (.+)$/;

/** Parses spec markdown into clauses, in document order. */
export function parseClauses(markdown: string): Clause[] {
  const clauses: Clause[] = [];
  let section = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    const match = CLAUSE_LINE.exec(line.trim());
    if (match !== null) clauses.push({ id: match[1]!, level: match[2] as ClauseLevel, text: match[3]!, section });
  }
  return clauses;
}

/** docs/spec.md of this package (works from src/ under tsx and from dist/src/ when compiled). */
export function specPath(): string {
  const here = fileURLToPath(import.meta.url);
  const marker = here.includes('/dist/src/') ? '/dist/src/' : '/src/';
  return `${here.slice(0, here.lastIndexOf(marker))}/docs/spec.md`;
}

let cached: ReadonlyMap<string, Clause> | undefined;

/** All clauses of this package's spec, by id. */
export function specClauses(): ReadonlyMap<string, Clause> {
  cached ??= new Map(parseClauses(readFileSync(specPath(), 'utf8')).map((clause) => [clause.id, clause]));
  return cached;
}
