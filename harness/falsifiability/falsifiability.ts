/**
 * Which breakage proves that each clause checked on a foreign child can fail, and how a run against it is
 * judged. Used by broken-workers.test.ts; fixtures/broken/README.md shows the same table to people.
 *
 * A breakage is the kit's instrumented child (`dist/src/conform/instrumented-child.js`) with one
 * `MULTIFROST_MISBEHAVE` item (src/conform/misbehaving-transport.ts), or a script of fixtures/broken/ when the
 * breakage is not at the socket boundary (a stderr line, a signal handler). Most items are scoped to a call
 * shape that only the scenarios of their clause send (`@add([3,4])`), so that nothing else fails.
 */
import { join } from 'node:path';
import { BROKEN, REPO_ROOT } from '../test/cli/cli-process.js';

export const INSTRUMENTED_CHILD: string = join(REPO_ROOT, 'dist', 'src', 'conform', 'instrumented-child.js');

export interface Breakage {
  /** The clause it breaks. */
  clause: string;
  /** `MULTIFROST_MISBEHAVE` for the instrumented child; or `script`. */
  misbehave?: string;
  /** A worker script of fixtures/broken/. */
  script?: string;
  /**
   * Scenarios that check this clause in a shared step without citing it: they may fail too, but only on
   * this clause (`failure.clause`). Each entry says which catalogue change would make it unnecessary.
   */
  uncited?: { name: RegExp; why: string };
  /**
   * A tag expression the breakage always runs with, also when proving exactness: for a breakage that no
   * scenario can get past (a registry the kit cannot find), where "the rest passes" cannot hold.
   */
  only?: string;
}

export const BREAKAGES: Breakage[] = [
  { clause: 'MF-SVC-1', misbehave: 'wrong-result@profile' },
  { clause: 'MF-CALL-1', misbehave: 'args-ignored@add([0.5,-2])' },
  { clause: 'MF-CALL-14', misbehave: 'args-as-array@sleep' },
  { clause: 'MF-CALL-10', misbehave: 'duplicate-reply@add' },
  { clause: 'MF-CALL-6', misbehave: 'void-without-result@nothing' },
  { clause: 'MF-CALL-7', misbehave: 'generic-error@fail' },
  { clause: 'MF-CALL-8', misbehave: 'no-traceback' },
  // Scoped to the envelope scenario's own CALL: a reply of an unknown type fails the service add scenario too.
  { clause: 'MF-MSG-3', misbehave: 'unknown-reply-type@add([19,23])' },
  { clause: 'MF-CALL-2', misbehave: 'answer-without-id' },
  // Answers with id "": the kit must not excuse it as a late reply to the earlier scenario that sent "".
  { clause: 'MF-CALL-2', misbehave: 'answer-with-empty-id' },
  { clause: 'MF-CALL-3', misbehave: 'no-function-answered' },
  { clause: 'MF-CALL-4', misbehave: 'private-callable' },
  { clause: 'MF-CALL-5', misbehave: 'lifecycle-callable' },
  { clause: 'MF-SEC-2', misbehave: 'base-names-callable' },
  { clause: 'MF-CALL-9', misbehave: 'list-private' },
  { clause: 'MF-CALL-11', misbehave: 'serial-calls' },
  {
    clause: 'MF-HB-1',
    misbehave: 'drop-heartbeats',
    uncited: {
      name: /^v3: the echo|^v4: the echo|HEARTBEAT is answered while a call is running|very first message/,
      why: 'their step "the worker echoes it with the same id" checks MF-HB-1; tag them @MF-HB-1 (heartbeat.feature, lifecycle.feature)',
    },
  },
  { clause: 'MF-HB-2', misbehave: 'heartbeat-args-changed' },
  { clause: 'MF-HB-3', misbehave: 'heartbeat-without-hb-response' },
  { clause: 'MF-HB-4', misbehave: 'heartbeats-behind-calls' },
  { clause: 'MF-LIFE-2', script: 'fatal-without-prefix.mjs' },
  { clause: 'MF-LIFE-6', misbehave: 'exit-on-shutdown=2' },
  { clause: 'MF-LIFE-7', script: 'sigterm-unhandled.mjs' },
  { clause: 'MF-LIFE-11', misbehave: 'first-heartbeat-dropped' },
  { clause: 'MF-FRAME-2', misbehave: 'reply-without-delimiter@add' },
  { clause: 'MF-FRAME-3', misbehave: 'duplicate-output' },
  { clause: 'MF-FRAME-3', misbehave: 'unenveloped-output' },
  { clause: 'MF-FRAME-4', misbehave: 'accept-bad-delimiter' },
  { clause: 'MF-FRAME-5', misbehave: 'accept-trailing-bytes' },
  { clause: 'MF-MSG-1', misbehave: 'answer-non-map' },
  { clause: 'MF-MSG-2', misbehave: 'timestamp-ms' },
  {
    clause: 'MF-MSG-8',
    misbehave: 'wrong-id@add([19,23])',
    uncited: {
      name: /^The conformance service answers add$/,
      why: 'it sends the same add [2, 40] as the envelope scenario and every reply wait checks MF-MSG-8; give the envelope scenario (message.feature) arguments of its own',
    },
  },
  { clause: 'MF-MSG-4', misbehave: 'unknown-field-error' },
  { clause: 'MF-MSG-5', misbehave: 'answer-unknown-type' },
  { clause: 'MF-MSG-6', misbehave: 'accept-wrong-app' },
  { clause: 'MF-MSG-7', misbehave: 'reject-camel-client-name' },
  { clause: 'MF-MSG-9', misbehave: 'serve-numeric-id' },
  { clause: 'MF-MSG-10', misbehave: 'oversize-answered' },
  { clause: 'MF-SEC-3', misbehave: 'oversize-crash' },
  { clause: 'MF-PROF-1', misbehave: 'misspelled-app@add' },
  { clause: 'MF-PROF-3', misbehave: 'other-profile-reply@add' },
  { clause: 'MF-PROF-4', misbehave: 'ignore-v4-calls@echo(["v4"])' },
  { clause: 'MF-NS-1', misbehave: 'namespace-required@add([3,4])' },
  { clause: 'MF-NS-2', misbehave: 'any-namespace' },
  { clause: 'MF-NS-3', misbehave: 'explicit-namespace-ignored' },
  { clause: 'MF-OUT-1', misbehave: 'stderr-as-stdout' },
  { clause: 'MF-VAL-2', misbehave: 'wide-integers' },
  { clause: 'MF-VAL-4', misbehave: 'lossy-int64' },
  { clause: 'MF-VAL-5', misbehave: 'bin-as-str' },
  { clause: 'MF-VAL-9', misbehave: 'no-astral-strings' },
  { clause: 'MF-VAL-10', misbehave: 'float32-results' },
  { clause: 'MF-VAL-1', misbehave: 'non-finite-as-float' },
  { clause: 'MF-VAL-11', misbehave: 'rename-proto-key' },
  { clause: 'MF-VAL-12', misbehave: 'drop-unportable-calls' },
  { clause: 'MF-VAL-13', misbehave: 'drop-unportable-calls' },
  { clause: 'MF-SEC-1', misbehave: 'bind-all-interfaces' },
  // Runs because broken-workers.test.ts declares the instrumented child's CURVE (MULTIFROST_CHILD_CAPABILITIES).
  // curve-plaintext keeps every socket plaintext, the connect-mode service's too: it fails the scenarios citing
  // MF-SEC-5 (spawn and connect mode), so as the MF-SEC-6 breakage it runs with the scenario of that clause only.
  { clause: 'MF-SEC-5', misbehave: 'curve-plaintext' },
  { clause: 'MF-SEC-6', misbehave: 'curve-plaintext', only: '@MF-SEC-6' },
  // Connect mode with CURVE (runs with MULTIFROST_CHILD_CAPABILITIES=curve, as every run here).
  { clause: 'MF-SEC-7', script: 'curve-service-plaintext.mjs' },
  // Connect mode: scripts of the registry work (fixtures/broken/registry-*.mjs), judged here like the rest.
  { clause: 'MF-REG-2', script: 'registry-started-not-utc.mjs' },
  { clause: 'MF-REG-3', script: 'registry-ignores-lock.mjs' },
  { clause: 'MF-REG-4', script: 'registry-keeps-stale-locks.mjs' },
  { clause: 'MF-REG-6', script: 'registry-torn-writes.mjs' },
  { clause: 'MF-REG-7', script: 'registry-overwrites-corrupt-file.mjs' },
  { clause: 'MF-REG-8', script: 'registry-overwrites-live-ids.mjs' },
  { clause: 'MF-REG-9', script: 'registry-prunes-dead-entries.mjs' },
  { clause: 'MF-REG-11', script: 'registry-file-mode-0644.mjs' },
  { clause: 'MF-REG-12', script: 'registry-drops-malformed-entries.mjs' },
  { clause: 'MF-REG-13', script: 'registry-lock-written-late.mjs' },
  { clause: 'MF-REG-14', script: 'registry-breaks-without-claim.mjs' },
  { clause: 'MF-REG-15', script: 'registry-follows-odd-files.mjs' },
  { clause: 'MF-REG-16', script: 'registry-future-locks-never-expire.mjs' },
  { clause: 'MF-REG-17', script: 'registry-keeps-leftovers.mjs' },
  { clause: 'MF-LIFE-12', script: 'registry-binds-all-interfaces.mjs' },
  // The kit cannot find a registry kept elsewhere, or an entry under another id: every connect scenario
  // waiting for the entry fails, so these run only with the scenarios citing their clause.
  { clause: 'MF-REG-1', script: 'registry-home-subdir.mjs', only: '@MF-REG-1' },
  { clause: 'MF-SVC-2', script: 'registry-wrong-service-id.mjs', only: '@MF-SVC-2' },
  // Giving up on a held lock also fails the scenarios where the kit holds a claim or races the worker.
  { clause: 'MF-REG-5', script: 'registry-no-lock-wait.mjs', only: '@MF-REG-5' },
];

/**
 * Clauses cited by @child scenarios that no breakage can fail while the rest of the catalogue passes, and
 * why. Keep this list short and honest: an entry is a gap in what the kit proves, not a convenience.
 */
export const CANNOT_BREAK: Record<string, string> = {
  // Not connecting to 127.0.0.1:<COMLINK_ZMQ_PORT> means no message ever arrives: the CLI's start-up probe
  // stops the run as a setup error (exit 2) before any scenario, so no scenario citing it can fail alone.
  'MF-LIFE-3':
    'a child that connects elsewhere is never reached: the start-up probe fails the run (exit 2) before any scenario, naming MF-LIFE-3',
};

/**
 * What is wrong with the breakage table against the clauses the @child scenarios cite: clauses with no
 * breakage and no reason in CANNOT_BREAK, breakages or reasons for clauses no longer cited, and clauses with
 * both. All empty when the table is complete.
 */
export function tableProblems(cited: ReadonlySet<string>): { missing: string[]; stale: string[]; both: string[] } {
  const broken = new Set(BREAKAGES.map((b) => b.clause));
  return {
    missing: [...cited].filter((clause) => !broken.has(clause) && CANNOT_BREAK[clause] === undefined).sort(),
    stale: [...broken, ...Object.keys(CANNOT_BREAK)].filter((clause) => !cited.has(clause)).sort(),
    both: Object.keys(CANNOT_BREAK).filter((clause) => broken.has(clause)),
  };
}

/** The CLI's target for a breakage. */
export function targetOf(breakage: Breakage): string[] {
  if (breakage.script !== undefined) return [join(BROKEN, breakage.script)];
  return ['--', process.execPath, INSTRUMENTED_CHILD];
}

/** A short, unique label. */
export function labelOf(breakage: Breakage): string {
  return breakage.script ?? breakage.misbehave ?? '?';
}

/** What the JSON report says about one scenario (the fields used here). */
export interface ReportedScenario {
  id: string;
  name: string;
  verdict: string;
  clauses: Array<{ id: string }>;
  failure?: { clause?: string; message: string };
  skipReason?: string;
}

export const failed = (s: ReportedScenario): boolean =>
  s.verdict === 'fail' || s.verdict === 'timeout' || s.verdict === 'info';
export const cites = (s: ReportedScenario, clause: string): boolean => s.clauses.some((c) => c.id === clause);

/**
 * Judges a run against a breakage: returns what is wrong (empty when the breakage fails exactly scenarios
 * of its clause, at least one, and every other scenario keeps its verdict of the unbroken run).
 */
export function judge(
  breakage: Breakage,
  run: ReportedScenario[],
  baseline: ReadonlyMap<string, ReportedScenario>,
): string[] {
  const problems: string[] = [];
  const { clause } = breakage;
  for (const s of run) {
    const before = baseline.get(s.id);
    if (before === undefined) {
      problems.push(`${s.id} ${s.name}: not in the unbroken run`);
      continue;
    }
    // A scenario the unbroken child fails says nothing about this breakage (the baseline test reports it).
    if (failed(before)) continue;
    if (!failed(s)) {
      if (s.verdict !== before.verdict)
        problems.push(
          `${s.id} ${s.name}: ${s.verdict}, unbroken ${before.verdict}${s.skipReason === undefined ? '' : ` (${s.skipReason})`}`,
        );
      continue;
    }
    if (s.failure === undefined || s.failure.message === '')
      problems.push(`${s.id} ${s.name}: fails without saying why`);
    if (cites(s, clause)) continue;
    const allowed =
      breakage.uncited !== undefined && breakage.uncited.name.test(s.name) && s.failure?.clause === clause;
    if (!allowed)
      problems.push(`${s.id} ${s.name}: fails (${s.failure?.clause ?? s.verdict}) but does not cite ${clause}`);
  }
  if (!run.some((s) => failed(s) && cites(s, clause))) problems.push(`no scenario citing ${clause} failed`);
  return problems;
}

/** Clause ids cited by the scenarios of a run. */
export function citedClauses(run: ReportedScenario[]): Set<string> {
  return new Set(run.flatMap((s) => s.clauses.map((c) => c.id)));
}
