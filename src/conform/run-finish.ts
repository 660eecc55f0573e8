/** The end of a run: baseline, extra sections, reports, the printed verdict and the exit code. */
import { realClock } from '../time/real-clock.js';
import { applyBaseline, readBaseline } from './baseline.js';
import { kitVersion, locateCatalogue } from './catalogue.js';
import type { ConformOptions, ConformOutcome } from './conform-options.js';
import { EXIT } from './exit-codes.js';
import { targetName } from './method-names.js';
import { textReport } from './report/text-report.js';
import { wantsReports, writeReports } from './report-files.js';
import type { CatalogueScenario, Report, RunInfo, ScenarioResult } from './results.js';
import { summarize } from './results.js';
import { summaryLine } from './verdict.js';
import { catalogueScenarios, stopReason } from './run-catalogue.js';
import { CATALOGUE_DEFECT } from './scenario-collector.js';
import { messageOf, type RunContext } from './run-context.js';
import type { Startup } from './run-startup.js';
import { describeTarget } from './target.js';
import { timingRequest, timingSection } from './timing.js';
import { valueFuzzSection } from './value-fuzz-section.js';
import { kitTransport } from './kit-transport.js';

export interface CatalogueOutcome {
  role: 'child' | 'parent';
  setup: Startup;
  total: number;
  results: ScenarioResult[];
  /** Ids of the scenarios that finished after an interrupt. */
  cutShort: ReadonlySet<string>;
}

/** Baseline, extra sections, reports, the printed verdict and the exit code. */
export async function finish(
  options: ConformOptions,
  context: RunContext,
  outcome: CatalogueOutcome,
): Promise<ConformOutcome> {
  const { human, err, interrupt } = context;
  const interruptedBy = (): string | undefined => interrupt?.signal;
  let scenarios = outcome.results.map((result) =>
    outcome.cutShort.has(result.id) ? cutShortResult(result, interruptedBy() ?? 'a signal') : result,
  );
  scenarios.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  const stopped = stopReason();
  let stale: string[] = [];
  if (options.expectedFailures !== undefined) {
    try {
      ({ results: scenarios, stale } = applyBaseline(scenarios, readBaseline(options.expectedFailures)));
    } catch (error) {
      err.write(`multifrost-conform: ${messageOf(error)}\n`);
      return { exitCode: EXIT.SETUP, report: undefined };
    }
  }
  // Fuzzing after an interrupt would start a new worker; the fault statistics are still read.
  const extras =
    options.extraSections === undefined || interruptedBy() !== undefined
      ? []
      : await options.extraSections(outcome.setup.profile);
  if (options.valueFuzz !== undefined && interruptedBy() === undefined)
    extras.push(await valueFuzzSection(options.target, options.valueFuzz, outcome.setup.profile, options.methodNames));
  if (outcome.role === 'child' && interruptedBy() === undefined) {
    const timing = {
      transport: kitTransport(),
      clock: realClock,
      profile: outcome.setup.profile,
      addName: targetName('add', options.methodNames),
      strict: options.strict === true,
    };
    extras.push(await timingSection(options.target, timing, timingRequest(options)));
  }
  const info: RunInfo = {
    target: describeTarget(options.target),
    role: outcome.role,
    profile: outcome.setup.profile,
    profileSource: outcome.setup.profileSource,
    transport: 'zmq',
    startedAt: context.startedAt,
    durationMs: realClock.nowMs() - context.startedMs,
    kitVersion: await kitVersion(),
    strict: options.strict === true,
    tags: options.tags,
    faults: options.faults,
    seed: options.seed,
  };
  const report: Report = {
    info,
    scenarios,
    summary: summarize(scenarios, options.strict === true, stale),
    extras,
    catalogue: await wholeCatalogue(options),
    stoppedEarly: interruptedBy() === undefined ? stopped : `interrupted by ${interruptedBy()}`,
  };
  const unwritten = writeReports(report, options);
  human.write(
    options.quiet === true ? `${summaryLine(report)}\n` : `${textReport(report, { trace: options.trace === true })}\n`,
  );
  const signal = interruptedBy();
  if (signal !== undefined) {
    const done = scenarios.filter((s) => !outcome.cutShort.has(s.id)).length;
    human.write(
      `multifrost-conform: interrupted by ${signal} after ${done} of ${outcome.total} scenarios; stopped ${interrupt?.stoppedProcesses ?? 0} process(es) the kit had started; ${outcome.total - done} scenario(s) not run${unwritten.length === 0 && wantsReports(options) ? '; the reports hold what was done' : ''}\n`,
    );
  } else if (stopped !== undefined) {
    const notRun = outcome.total - scenarios.filter((s) => !s.reason?.startsWith('not run')).length;
    human.write(`multifrost-conform: the run stopped early: ${stopped}; ${notRun} scenario(s) not run\n`);
  }
  for (const problem of unwritten)
    err.write(`multifrost-conform: cannot write the ${problem.kind} report to ${problem.file}: ${problem.reason}\n`);
  if (signal !== undefined) return { exitCode: EXIT.INTERRUPTED, report };
  if (unwritten.length > 0) return { exitCode: EXIT.SETUP, report };
  const defects = scenarios.filter((s) => s.reason?.startsWith(CATALOGUE_DEFECT) === true);
  if (defects.length > 0) {
    // Not the target's fault, and not a verdict: scenarios that could not run mean the kit itself is broken.
    err.write(
      `multifrost-conform: the kit's catalogue is defective: ${defects.length} scenario(s) have undefined or ambiguous steps (${defects.map((s) => s.id).join(', ')}); its step definitions do not match its feature files (a stale build? run npm run build). This run is no verdict on the target.\n`,
    );
    return { exitCode: EXIT.SETUP, report };
  }
  const ok = report.summary.blocking === 0 && stale.length === 0 && extras.every((e) => e.ok);
  return { exitCode: ok ? EXIT.PASS : EXIT.FAIL, report };
}

/**
 * Every scenario of the catalogue, all roles, before the filters: with it the coverage tells a clause whose
 * scenarios were filtered out (not run) or are @internal from one that no scenario checks in this role.
 * Undefined if the feature files cannot be read again (the coverage then says it does not know).
 */
async function wholeCatalogue(options: ConformOptions): Promise<CatalogueScenario[] | undefined> {
  try {
    return (await catalogueScenarios(options.catalogue ?? locateCatalogue())).map(({ name, tags }) => ({ name, tags }));
  } catch {
    return undefined;
  }
}

/** A scenario that ended because the kit stopped its processes on an interrupt: not run to the end. */
function cutShortResult(result: ScenarioResult, signal: string): ScenarioResult {
  if (result.verdict === 'pass' || result.verdict === 'skipped') return result;
  return {
    ...result,
    verdict: 'skipped',
    failure: undefined,
    reason: `not run to the end: interrupted by ${signal} (the kit stopped its worker)`,
  };
}

/** Interrupted before the catalogue started: nothing to report. */
export async function interruptedEarly(context: RunContext, when: string): Promise<ConformOutcome> {
  context.human.write(
    `multifrost-conform: interrupted by ${context.interrupt?.signal ?? 'a signal'} ${when}; stopped ${context.interrupt?.stoppedProcesses ?? 0} process(es) the kit had started; no scenario ran\n`,
  );
  return { exitCode: EXIT.INTERRUPTED, report: undefined };
}
