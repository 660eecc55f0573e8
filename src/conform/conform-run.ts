/**
 * One conformance run, start to finish: resolve the target, check that it starts (profile probe for a child,
 * hello line for a parent driver), run the catalogue over real ZeroMQ, apply the baseline, add fault and fuzz
 * sections, write the reports, and decide the exit code. The CLI is a thin shell around {@link runConformance}.
 *
 * The run stops starting scenarios (the rest is reported as not run) on `--fail-fast`'s first blocking
 * failure, when a `--service` is gone, and on SIGINT/SIGTERM, which also stop every process the kit started
 * (see {@link RunInterrupt}) and end the run with exit status 130 and the reports of what was done.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MultifrostError } from '../errors.js';
import { realClock } from '../time/real-clock.js';
import { ZmqTransport } from '../transport/zmq/index.js';
import { applyBaseline, readBaseline } from './baseline.js';
import { kitVersion, locateCatalogue, type CatalogueLocation } from './catalogue.js';
import { ProgressPrinter, textReport } from './report/text-report.js';
import type { ExtraSection, Report, RunInfo, ScenarioResult } from './results.js';
import { isBlockingFailure, summarize, summaryLine } from './results.js';
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';
import {
  listCatalogue,
  requestStop,
  runCatalogue,
  STOP_FILE_ENV,
  stopReason,
  type KitWorldParameters,
} from './run-catalogue.js';
import { probeDriver } from './driver-probe.js';
import { FAULT_ANSWER_MS_ENV, FAULT_PROFILE_ENV } from './fault-relay-command.js';
import { ScenarioCollector } from './scenario-collector.js';
import { specClauses } from './spec-clauses.js';
import { probeProfile, type ProbeResult } from './profile-probe.js';
import { describeTarget, type Target } from './target.js';
import { WorkerSession } from './worker-session.js';
import { targetName, type MethodNames } from './method-names.js';
import { valueFuzzSection, type ValueFuzzRequest } from './value-fuzz-section.js';
import { timingSection } from './timing.js';
import { INTERRUPT_REPORT_WAIT_MS, RunInterrupt } from './run-interrupt.js';
import { wantsReports, writeReports } from './report-files.js';
import { EXIT } from './exit-codes.js';

export { EXIT };

/** Default of {@link ConformOptions.startupTimeoutMs}. */
export const DEFAULT_STARTUP_TIMEOUT_MS = 10_000;

export interface ConformOptions {
  target: Target;
  /** The child the kit gives a parent driver (role parent). */
  childArgv?: string[];
  profile?: 'v3' | 'v4';
  tags?: string;
  names?: string[];
  stepTimeoutMs?: number;
  /** How long the worker (or driver) may take to start before it is a setup error (default 10,000 ms). */
  startupTimeoutMs?: number;
  /** Stop at the first blocking failure (the rest of the catalogue is reported as not run). */
  failFast?: boolean;
  /** How the conformance service's method names are spelled by the target (spec section 13). */
  methodNames?: MethodNames;
  strict?: boolean;
  trace?: boolean;
  expectedFailures?: string;
  junit?: string;
  /** JSON report file; `-` writes it to stdout, and the human-readable output then goes to `err`. */
  json?: string;
  html?: string;
  parallel?: number;
  quiet?: boolean;
  faults?: string;
  seed?: number;
  /** `--fuzz-values N [--seed S] [--fuzz-dir D]`: differential value checking after the catalogue (value-fuzz.ts). */
  valueFuzz?: ValueFuzzRequest;
  /** `--timing`: latency and throughput of `add` on the target and the reference worker (timing.ts). */
  timing?: boolean;
  /** Extra sections (fault and fuzz results) computed by the caller after the catalogue. */
  extraSections?: (profile: 'v3' | 'v4') => Promise<ExtraSection[]>;
  /** Where to find the catalogue (default: this package). */
  catalogue?: CatalogueLocation;
  /** Output streams (default process.stdout/stderr). */
  out?: { write(text: string): boolean; isTTY?: boolean };
  err?: { write(text: string): boolean };
  /**
   * Handle SIGINT and SIGTERM during the run (default true): stop every process the kit started, report what
   * was done, exit status 130.
   */
  handleSignals?: boolean;
}

export interface ConformOutcome {
  exitCode: number;
  report: Report | undefined;
}

/** The role tag and the user's tag expression, combined. */
export function tagExpression(role: 'child' | 'parent', tags: string | undefined): string {
  const roleTag = role === 'parent' ? '@parent' : '@child';
  return tags === undefined || tags.trim() === '' ? roleTag : `${roleTag} and (${tags})`;
}

type Stream = { write(text: string): boolean; isTTY?: boolean };

/** What the start-up check learned. */
interface Startup {
  profile: 'v3' | 'v4';
  profileSource: string;
  /** Capabilities a parent driver declared in its hello line. */
  capabilities: string[] | undefined;
}

/** A setup problem that is the user's to fix on the command line (exit 2, phrased as a usage error). */
class UsageProblem extends Error {}

/**
 * The start-up check: a child is probed for its profiles (a forced `--profile` it does not answer is a
 * usage problem, not 90 timeouts); a parent driver must print its hello line and stop cleanly.
 */
async function startup(options: ConformOptions): Promise<Startup> {
  const startupTimeoutMs = options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
  const target = options.target;
  if (target.kind === 'parent-driver') {
    const profile = options.profile ?? 'v3';
    const hello = await probeDriver({
      argv: target.argv,
      childArgv: options.childArgv ?? [],
      profile,
      callTimeoutMs: options.stepTimeoutMs ?? 5000,
      startupTimeoutMs,
      clock: realClock,
    });
    const profileSource =
      options.profile === undefined ? 'default (parent role: the driver is told the profile)' : '--profile';
    return { profile, profileSource, capabilities: hello.capabilities };
  }
  const session = await WorkerSession.open(target, {
    transport: new ZmqTransport(),
    discoveryTimeoutMs: startupTimeoutMs,
  });
  let probe: ProbeResult;
  try {
    probe = await probeProfile(session, { clock: realClock, timeoutMs: startupTimeoutMs });
  } finally {
    await session.close();
  }
  const accepts = `worker accepts ${probe.accepted.join(', ')}`;
  if (options.profile !== undefined && !probe.accepted.includes(options.profile)) {
    throw new UsageProblem(
      `--profile ${options.profile}: ${describeTarget(target)} does not answer ${options.profile} (during the start-up probe it answered only ${probe.accepted.join(', ')}), so every scenario would wait out its timeout.\n` +
        `Run without --profile to use ${probe.chosen}, or --profile ${probe.chosen}.`,
    );
  }
  return {
    profile: options.profile ?? probe.chosen,
    profileSource: options.profile === undefined ? `detected (${accepts})` : `--profile (${accepts})`,
    capabilities: undefined,
  };
}

function worldParameters(options: ConformOptions, setup: Startup): KitWorldParameters {
  const t = options.target;
  const target: KitWorldParameters['target'] =
    t.kind === 'reference'
      ? { kind: 'command', argv: [...t.argv] }
      : t.kind === 'service'
        ? { kind: 'service', serviceId: t.serviceId }
        : t.kind === 'command'
          ? { kind: 'command', argv: [...t.argv] }
          : { kind: 'parent-driver', argv: [...t.argv], childArgv: options.childArgv ?? [] };
  return {
    transport: 'zmq',
    target,
    profile: setup.profile,
    ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
    ...(options.methodNames === undefined ? {} : { methodNames: options.methodNames }),
    ...(setup.capabilities === undefined ? {} : { capabilities: setup.capabilities }),
  };
}

/** Environment variables set for the run (read by the catalogue's hooks and the fault relays), restored after. */
class RunEnvironment {
  private readonly saved = new Map<string, string | undefined>();
  private stopDir: string | undefined;

  set(name: string, value: string): void {
    if (!this.saved.has(name)) this.saved.set(name, process.env[name]);
    process.env[name] = value;
  }

  /** A fresh stop file for this run (see {@link requestStop}). */
  useStopFile(): void {
    this.stopDir = mkdtempSync(join(tmpdir(), 'mf-run-'));
    this.set(STOP_FILE_ENV, join(this.stopDir, 'stop'));
  }

  restore(): void {
    for (const [name, value] of this.saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (this.stopDir !== undefined) rmSync(this.stopDir, { recursive: true, force: true });
  }
}

interface RunContext {
  human: Stream;
  err: Stream;
  interrupt: RunInterrupt | undefined;
  env: RunEnvironment;
  startedAt: string;
  startedMs: number;
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
  if (options.faults !== undefined && role === 'parent') {
    err.write(
      'multifrost-conform: --faults works on a child target only: with --role parent your driver spawns the child itself, so the kit has no connection to put the fault relay on. Run --faults against a worker (script, -- command or --reference).\n',
    );
    return { exitCode: EXIT.SETUP, report: undefined };
  }
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

interface CatalogueOutcome {
  role: 'child' | 'parent';
  setup: Startup;
  total: number;
  results: ScenarioResult[];
  /** Ids of the scenarios that finished after an interrupt. */
  cutShort: ReadonlySet<string>;
}

/** Baseline, extra sections, reports, the printed verdict and the exit code. */
async function finish(
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
  if (options.timing === true && interruptedBy() === undefined) {
    const timing = {
      transport: new ZmqTransport(),
      clock: realClock,
      profile: outcome.setup.profile,
      addName: targetName('add', options.methodNames),
      strict: options.strict === true,
    };
    extras.push(await timingSection(options.target, timing));
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
  const report: Report = { info, scenarios, summary: summarize(scenarios, options.strict === true, stale), extras };
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
  const ok = report.summary.blocking === 0 && stale.length === 0 && extras.every((e) => e.ok);
  return { exitCode: ok ? EXIT.PASS : EXIT.FAIL, report };
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
async function interruptedEarly(context: RunContext, when: string): Promise<ConformOutcome> {
  context.human.write(
    `multifrost-conform: interrupted by ${context.interrupt?.signal ?? 'a signal'} ${when}; stopped ${context.interrupt?.stoppedProcesses ?? 0} process(es) the kit had started; no scenario ran\n`,
  );
  return { exitCode: EXIT.INTERRUPTED, report: undefined };
}

function messageOf(error: unknown): string {
  if (error instanceof MultifrostError) return `${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
