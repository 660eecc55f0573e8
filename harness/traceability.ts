/**
 * Traceability between docs/spec.md and the Gherkin catalogue (features/*.feature).
 *
 * Fails (exit 1) when:
 * - a MUST clause has no scenario citing it (tag `@MF-XXX-n`, on the scenario, its feature or its Examples);
 * - a scenario cites a clause that does not exist in the spec;
 * - a scenario lacks exactly one level tag (`@must`, `@should`, `@may`) or exactly one role tag
 *   (`@child`, `@parent`, `@internal`);
 * - a clause of the spec has no `Roles:` annotation or no `Origin:` annotation.
 * Prints coverage per level (`MUST x/y`, `SHOULD x/y`, `MAY x/y`), the uncovered SHOULD and MAY clauses
 * (informational) and, per role (child, parent), how many of the clauses binding it are checked against
 * foreign implementations (`@child` / `@parent` scenarios), checked only in-process (`@internal`, the
 * TypeScript implementation alone), not checkable from outside, or have no scenario, with their ids.
 * Run: `node --import tsx harness/traceability.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AstBuilder, GherkinClassicTokenMatcher, Parser, compile } from '@cucumber/gherkin';
import { IdGenerator } from '@cucumber/messages';
import { type Clause, type ClauseLevel, appliesTo, specClauses } from '../src/conform/spec-clauses.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const featuresDir = join(root, 'features');

interface ScenarioTags {
  name: string;
  where: string;
  tags: string[];
}

function featureFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'steps' || entry.name === 'support' ? [] : featureFiles(path);
    return entry.name.endsWith('.feature') ? [path] : [];
  });
}

/** Every pickle (one per scenario or Examples row) of the catalogue, with its inherited tags. */
function scenarios(): ScenarioTags[] {
  const newId = IdGenerator.incrementing();
  const parser = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher());
  return featureFiles(featuresDir).flatMap((path) => {
    const uri = relative(root, path);
    const document = parser.parse(readFileSync(path, 'utf8'));
    const lines = new Map<string, number>();
    const walk = (
      children: ReadonlyArray<{
        scenario?: { id: string; location: { line: number } };
        rule?: { children: ReadonlyArray<{ scenario?: { id: string; location: { line: number } } }> };
      }>,
    ): void => {
      for (const child of children) {
        if (child.scenario !== undefined) lines.set(child.scenario.id, child.scenario.location.line);
        if (child.rule !== undefined) walk(child.rule.children);
      }
    };
    walk(document.feature?.children ?? []);
    return compile({ ...document, uri }, uri, newId).map((pickle) => ({
      name: pickle.name,
      where: `${uri}:${lines.get(pickle.astNodeIds[0] ?? '') ?? '?'}`,
      tags: pickle.tags.map((tag) => tag.name),
    }));
  });
}

/** Clause ids cited by pickles carrying `roleTag`. */
function citedWith(pickles: readonly ScenarioTags[], roleTag: string): Set<string> {
  const ids = new Set<string>();
  for (const pickle of pickles) {
    if (!pickle.tags.includes(roleTag)) continue;
    for (const tag of pickle.tags) if (/^@MF-[A-Z]+-\d+$/.test(tag)) ids.add(tag.slice(1));
  }
  return ids;
}

/** Per role: the clauses binding it, split by how the catalogue checks them. */
function roleReport(role: 'child' | 'parent', clauses: readonly Clause[], pickles: readonly ScenarioTags[]): string[] {
  const foreign = citedWith(pickles, `@${role}`);
  const internal = citedWith(pickles, '@internal');
  const bind = clauses.filter((clause) => appliesTo(clause, role) && clause.level !== 'MAY');
  const groups: Array<[string, Clause[]]> = [
    ['checked against foreign implementations', bind.filter((c) => foreign.has(c.id))],
    ['checked only in-process (@internal)', bind.filter((c) => !foreign.has(c.id) && internal.has(c.id))],
    [
      'not checkable from outside',
      bind.filter((c) => !foreign.has(c.id) && !internal.has(c.id) && c.checkability?.extent === 'none'),
    ],
    [
      'checked by a section of the report',
      bind.filter((c) => !foreign.has(c.id) && !internal.has(c.id) && c.checkedBy !== undefined),
    ],
    [
      'no scenario',
      bind.filter(
        (c) =>
          !foreign.has(c.id) && !internal.has(c.id) && c.checkability?.extent !== 'none' && c.checkedBy === undefined,
      ),
    ],
  ];
  const must = (list: readonly Clause[]): number => list.filter((c) => c.level === 'MUST').length;
  const lines = [
    `${role}: ${bind.length} MUST/SHOULD clauses bind it (${must(bind)} MUST); ${groups.map(([label, list]) => `${label} ${list.length}`).join(', ')}`,
  ];
  for (const [label, list] of groups.slice(1))
    if (list.length > 0) lines.push(`  ${label}: ${list.map((c) => c.id).join(' ')}`);
  const stale = bind.filter((c) => foreign.has(c.id) && c.checkability?.extent === 'none');
  if (stale.length > 0)
    lines.push(
      `  annotated "Not checkable from outside" yet cited by @${role} scenarios (check the annotation): ${stale.map((c) => c.id).join(' ')}`,
    );
  const unbound = clauses.filter((c) => foreign.has(c.id) && !appliesTo(c, role));
  if (unbound.length > 0)
    lines.push(
      `  cited by @${role} scenarios though the spec does not bind the ${role} (informational): ${unbound.map((c) => c.id).join(' ')}`,
    );
  return lines;
}

function main(): number {
  const clauses = specClauses();
  const pickles = scenarios();
  const problems: string[] = [];
  for (const clause of clauses.values()) {
    if (clause.roles.length === 0)
      problems.push(`${clause.id} has no "Roles:" annotation in docs/spec.md (child, parent or library)`);
    if (clause.origin === undefined)
      problems.push(
        `${clause.id} has no "Origin:" annotation in docs/spec.md (design, erratum or addition, with a note)`,
      );
    else if (clause.origin.note.trim() === '')
      problems.push(`${clause.id}: its origin (${clause.origin.kind}) has no note citing the design`);
  }
  const citedBy = new Map<string, Set<string>>();
  for (const pickle of pickles) {
    const levels = pickle.tags.filter((tag) => ['@must', '@should', '@may'].includes(tag));
    const roles = pickle.tags.filter((tag) => ['@child', '@parent', '@internal'].includes(tag));
    if (levels.length !== 1)
      problems.push(
        `${pickle.where} "${pickle.name}": needs exactly one of @must/@should/@may, has ${levels.join(' ') || 'none'}`,
      );
    if (roles.length !== 1)
      problems.push(
        `${pickle.where} "${pickle.name}": needs exactly one of @child/@parent/@internal, has ${roles.join(' ') || 'none'}`,
      );
    const cited = pickle.tags.filter((tag) => /^@MF-[A-Z]+-\d+$/.test(tag)).map((tag) => tag.slice(1));
    if (cited.length === 0) problems.push(`${pickle.where} "${pickle.name}": cites no clause`);
    for (const id of cited) {
      if (!clauses.has(id))
        problems.push(`${pickle.where} "${pickle.name}": cites ${id}, which docs/spec.md does not define`);
      const roleSet = citedBy.get(id) ?? new Set<string>();
      for (const role of roles) roleSet.add(role.slice(1));
      citedBy.set(id, roleSet);
    }
  }
  const levels: ClauseLevel[] = ['MUST', 'SHOULD', 'MAY'];
  const summary: string[] = [];
  for (const level of levels) {
    const all = [...clauses.values()].filter((clause) => clause.level === level);
    const covered = all.filter((clause) => citedBy.has(clause.id));
    summary.push(`${level} ${covered.length}/${all.length}`);
    const missing = all.filter((clause) => !citedBy.has(clause.id));
    if (level === 'MUST')
      for (const clause of missing) problems.push(`${clause.id} (MUST) has no scenario: ${clause.text}`);
    else if (missing.length > 0)
      console.log(
        `${level} clauses without a scenario (informational): ${missing.map((clause) => clause.id).join(', ')}`,
      );
  }
  const byRole = (role: string): number => [...citedBy.values()].filter((roles) => roles.has(role)).length;
  console.log(`traceability: ${pickles.length} scenarios (Examples rows counted), ${citedBy.size} clauses cited`);
  console.log(
    `clauses cited by role tag: child ${byRole('child')}, parent ${byRole('parent')}, internal ${byRole('internal')}`,
  );
  console.log(`coverage: ${summary.join(', ')}`);
  for (const role of ['child', 'parent'] as const)
    for (const line of roleReport(role, [...clauses.values()], pickles)) console.log(line);
  const library = [...clauses.values()].filter((c) => c.roles.length > 0 && c.roles.every((r) => r === 'library'));
  console.log(
    `library (TypeScript API only, never judged on a foreign port): ${library.length} clauses, ${library.filter((c) => citedBy.get(c.id)?.has('internal') === true).length} checked in-process`,
  );
  const origins = ['design', 'erratum', 'addition'].map(
    (kind) => `${kind} ${[...clauses.values()].filter((c) => c.origin?.kind === kind).length}`,
  );
  console.log(`origins: ${origins.join(', ')}`);
  if (problems.length > 0) {
    console.error(`traceability FAILED (${problems.length}):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    return 1;
  }
  console.log('traceability OK: every MUST clause has a scenario, every cited clause exists');
  return 0;
}

process.exitCode = main();
