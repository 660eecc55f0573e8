/**
 * The clauses of docs/spec.md, parsed from its machine-readable lines `- **MF-XXX-n** (LEVEL) text` and the
 * annotation lines under each (`Roles:`, `Origin:`, `Not checkable from outside:`, `Partly checkable from
 * outside:`). Used by the traceability check, by failing steps (to quote the clause), by the coverage
 * section and by the CLI's reports.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ClauseLevel = 'MUST' | 'SHOULD' | 'MAY';

/** Whom a clause binds: the two roles the CLI checks, or the TypeScript API alone. */
export type ClauseRole = 'child' | 'parent' | 'library';

/**
 * Where a clause comes from, against the original design (`multifrost-js-architecture.md`):
 * `design` (the design says so), `erratum` (the design says otherwise, and the note says why that is
 * wrong), `addition` (the design is silent, and the note says why the rule is needed).
 */
export type OriginKind = 'design' | 'erratum' | 'addition';

export interface ClauseOrigin {
  kind: OriginKind;
  /** The justification, citing the design's part and section. */
  note: string;
}

/** How much of a clause a foreign implementation shows from outside. */
export interface ClauseCheckability {
  /** `none`: nothing visible decides it; `partial`: the visible part is checked, `note` says what is not. */
  extent: 'none' | 'partial';
  note: string;
}

export interface Clause {
  id: string;
  level: ClauseLevel;
  text: string;
  /** The section heading the clause sits under. */
  section: string;
  /** Whom it binds; empty when the spec does not annotate it (the traceability check fails then). */
  roles: ClauseRole[];
  /** Undefined when the spec does not annotate it (the traceability check fails then). */
  origin: ClauseOrigin | undefined;
  /** Undefined when the clause is fully checkable from outside. */
  checkability: ClauseCheckability | undefined;
  /** What checks it when no scenario does (`- Checked by ...`: a section of the kit's report, e.g. timing). */
  checkedBy?: string | undefined;
}

const CLAUSE_LINE = /^- \*\*(MF-[A-Z]+-\d+)\*\* \((MUST|SHOULD|MAY)\) (.+)$/;
const ROLES_LINE = /^- Roles: (.+)$/;
const ORIGIN_LINE = /^- Origin: (design|erratum|addition)\.\s*(.*)$/;
const CHECK_LINE = /^- (Not|Partly) checkable from outside: (.+)$/;
const CHECKED_BY_LINE = /^- Checked by (.+)$/;
const ROLE_NAMES = new Set<string>(['child', 'parent', 'library']);

/** Applies one annotation line (trimmed, under a clause line) to `clause`; false when it is not one. */
function annotate(clause: Clause, line: string): boolean {
  const roles = ROLES_LINE.exec(line);
  if (roles !== null) {
    const names = roles[1]!.split(',').map((name) => name.trim());
    clause.roles = names.filter((name): name is ClauseRole => ROLE_NAMES.has(name));
    return true;
  }
  const origin = ORIGIN_LINE.exec(line);
  if (origin !== null) {
    clause.origin = { kind: origin[1] as OriginKind, note: origin[2]!.trim() };
    return true;
  }
  const check = CHECK_LINE.exec(line);
  if (check !== null) {
    clause.checkability = { extent: check[1] === 'Not' ? 'none' : 'partial', note: check[2]!.trim() };
    return true;
  }
  const checkedBy = CHECKED_BY_LINE.exec(line);
  if (checkedBy !== null) {
    clause.checkedBy = checkedBy[1]!.trim();
    return true;
  }
  return false;
}

/** Parses spec markdown into clauses, in document order. */
export function parseClauses(markdown: string): Clause[] {
  const clauses: Clause[] = [];
  let section = '';
  let current: Clause | undefined;
  for (const raw of markdown.split('\n')) {
    if (raw.startsWith('## ')) section = raw.slice(3).trim();
    const line = raw.trim();
    const match = CLAUSE_LINE.exec(line);
    if (match !== null) {
      current = {
        id: match[1]!,
        level: match[2] as ClauseLevel,
        text: match[3]!,
        section,
        roles: [],
        origin: undefined,
        checkability: undefined,
      };
      clauses.push(current);
      continue;
    }
    // Annotations are indented sub-items right under their clause line; anything else ends the clause.
    if (current !== undefined && /^\s+-/.test(raw) && annotate(current, line)) continue;
    current = undefined;
  }
  return clauses;
}

/** True when `clause` binds implementations checked in `role` (library-only rules bind neither). */
export function appliesTo(clause: Clause, role: 'child' | 'parent'): boolean {
  return clause.roles.includes(role);
}

/** `erratum - the design ...`: the origin on one line, as every report shows it with a failure. */
export function originLine(clause: Pick<Clause, 'origin'> | undefined): string | undefined {
  const origin = clause?.origin;
  return origin === undefined ? undefined : `${origin.kind} - ${origin.note}`;
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
