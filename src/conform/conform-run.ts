/**
 * One conformance run, start to finish: resolve the target, check that it starts (profile probe for a child,
 * hello line for a parent driver), run the catalogue over real ZeroMQ, apply the baseline, add fault and fuzz
 * sections, write the reports, and decide the exit code. The CLI is a thin shell around {@link runConformance}.
 *
 * The run stops starting scenarios (the rest is reported as not run) on `--fail-fast`'s first blocking
 * failure, when a `--service` is gone, and on SIGINT/SIGTERM, which also stop every process the kit started
 * (see {@link RunInterrupt}) and end the run with exit status 130 and the reports of what was done.
 */
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { realClock } from '../time/real-clock.js';
import { locateCatalogue } from './catalogue.js';
import type { ConformOptions, ConformOutcome, Stream } from './conform-options.js';
import { EXIT } from './exit-codes.js';
import { FAULT_ANSWER_MS_ENV, FAULT_PROFILE_ENV } from './fault-relay-command.js';
import { ProgressPrinter } from './report/text-report.js';
import { isBlockingFailure } from './results.js';
import { listCatalogue, requestStop, runCatalogue } from './run-catalogue.js';
import { messageOf, RunEnvironment, type RunContext } from './run-context.js';
import { finish, interruptedEarly } from './run-finish.js';
import { INTERRUPT_REPORT_WAIT_MS, RunInterrupt } from './run-interrupt.js';
import { startup, UsageProblem, worldParameters, type Startup } from './run-startup.js';
import { ScenarioCollector } from './scenario-collector.js';
import { specClauses } from './spec-clauses.js';
import { describeTarget } from './target.js';

export { EXIT };
export { DEFAULT_STARTUP_TIMEOUT_MS } from './conform-options.js';
export type { ConformOptions, ConformOutcome } from './conform-options.js';

/** The role tag and the user's tag expression, combined. */
export function tagExpression(role: 'child' | 'parent', tags: string | undefined): string {
  const roleTag = role === 'parent' ? '@parent' : '@child';
  return tags === undefined || tags.trim() === '' ? roleTag : `${roleTag} and (${tags})`;
}

/**
 * Runs the whole conformance check. Never throws for a worker's misbehaviour: setup and usage problems give
 * exit 2, an interrupt 130.
 */
export async function runConformance(options: ConformOptions): Promise<ConformOutcome> {
  const err = options.err ?? process.stderr;
  // With the JSON report on stdout, everything meant for people goes to stderr.
  const human: Stream = options.json === '-' ? err : (options.out ?? process.stdout);
  const context: RunContext = {
    human,
    err,
    interrupt: options.handleSignals === false ? undefined : new RunInterrupt(realClock),
    env: new RunEnvironment(),
    startedAt: new Date(realClock.epochMs()).toISOString(),
    startedMs: realClock.nowMs(),
  };
  try {
    return await run(options, context);
  } finally {
    context.env.restore();
    await context.interrupt?.finish();
  }
}

async function run(options: ConformOptions, context: RunContext): Promise<ConformOutcome> {
  const { human, err, interrupt } = context;
  const role = options.target.kind === 'parent-driver' ? 'parent' : 'child';
  let setup: Startup;
  try {
    setup = await startup(options);
  } catch (error) {
    if (interrupt?.signal !== undefined) return interruptedEarly(context, 'during the start-up check');
    const what =
      role === 'parent'
        ? `${describeTarget(options.target)} did not start as the driver contract says`
        : `${describeTarget(options.target)} did not start as a worker`;
    err.write(
      error instanceof UsageProblem
        ? `multifrost-conform: ${error.message}\n`
        : `multifrost-conform: setup error: ${what}\n${messageOf(error)}\n`,
    );
    return { exitCode: EXIT.SETUP, report: undefined };
  }
  if (options.quiet !== true) {
    human.write(
      `multifrost-conform: ${describeTarget(options.target)}, profile ${setup.profile} (${setup.profileSource})\n`,
    );
    if (setup.capabilities !== undefined)
      human.write(
        `multifrost-conform: driver capabilities (hello line): ${setup.capabilities.join(', ') || 'none declared'}\n`,
      );
  }
  const catalogue = options.catalogue ?? locateCatalogue();
  const tags = tagExpression(role, options.tags);
  const parameters = worldParameters(options, setup);
  let total: number;
  let support: ISupportCodeLibrary;
  try {
    const listed = await listCatalogue({
      catalogue,
      worldParameters: parameters,
      tags,
      ...(options.names === undefined ? {} : { names: options.names }),
    });
    total = listed.pickles.length;
    support = listed.support;
  } catch (error) {
    err.write(`multifrost-conform: setup error: cannot load the catalogue: ${messageOf(error)}\n`);
    return { exitCode: EXIT.SETUP, report: undefined };
  }
  if (total === 0) {
    // A typo in --tags or --name must not pass CI with nothing checked.
    err.write(
      `multifrost-conform: setup error: no scenario matches ${tags}${options.names === undefined ? '' : ` and --name ${options.names.join(', ')}`}\n`,
    );
    return { exitCode: EXIT.SETUP, report: undefined };
  }
  context.env.useStopFile();
  if (options.faults !== undefined) {
    context.env.set(FAULT_PROFILE_ENV, setup.profile);
    // Half a step: the relay must judge "no answer" while the kit is still waiting (it kills the relay after).
    context.env.set(FAULT_ANSWER_MS_ENV, String(Math.max(1000, Math.round((options.stepTimeoutMs ?? 5000) / 2))));
  }
  const progress = new ProgressPrinter(options.quiet === true ? { write: () => true } : human, total);
  const cutShort = new Set<string>();
  const collector = new ScenarioCollector(
    specClauses(),
    catalogue.featuresDir,
    (result) => {
      // Finished after an interrupt: the kit stopped its worker, so its verdict says nothing about the target.
      if (interrupt?.signal !== undefined) cutShort.add(result.id);
      progress.scenario(result);
      if (options.failFast === true && isBlockingFailure(result, options.strict === true))
        requestStop(`--fail-fast: stopped after the first blocking failure, ${result.id} (${result.name})`);
    },
    options.trace === true,
  );
  const running = runCatalogue({
    catalogue,
    worldParameters: parameters,
    tags,
    ...(options.names === undefined ? {} : { names: options.names }),
    ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
    // A service is one shared process: scenarios in parallel would trip over each other.
    ...(options.parallel === undefined || options.target.kind === 'service' ? {} : { parallel: options.parallel }),
    support,
    onEnvelope: (envelope) => collector.push(envelope),
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
  const failure =
    interrupt === undefined
      ? await running
      : await Promise.race([running, interrupt.interrupted.then(() => undefined)]);
  // After an interrupt the kit has stopped every process: the scenario in flight ends quickly, or is left out.
  if (interrupt?.signal !== undefined) await settledWithin(running, INTERRUPT_REPORT_WAIT_MS);
  progress.end();
  if (failure !== undefined && interrupt?.signal === undefined) {
    err.write(`multifrost-conform: setup error: the catalogue could not run: ${messageOf(failure)}\n`);
    return { exitCode: EXIT.SETUP, report: undefined };
  }
  return finish(options, context, { role, setup, total, results: collector.results(), cutShort });
}

/** Waits for `promise` at most `ms`, leaving no timer behind. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: { cancel(): void } | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = realClock.setTimer(ms, resolve)))]);
  timer?.cancel();
}
