/**
 * One conformance run, start to finish: resolve the target, check that it starts and detect its profile,
 * run the catalogue over real ZeroMQ, apply the baseline, add fault and fuzz sections, write the reports,
 * and decide the exit code. The CLI is a thin shell around {@link runConformance}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MultifrostError } from '../errors.js';
import { realClock } from '../time/real-clock.js';
import { ZmqTransport } from '../transport/zmq/index.js';
import { applyBaseline, readBaseline } from './baseline.js';
import { kitVersion, locateCatalogue, type CatalogueLocation } from './catalogue.js';
import { htmlReport } from './report/html-report.js';
import { jsonReport } from './report/json-report.js';
import { junitReport } from './report/junit-report.js';
import { ProgressPrinter, textReport } from './report/text-report.js';
import type { ExtraSection, Report, RunInfo, ScenarioResult } from './results.js';
import { summarize, summaryLine } from './results.js';
import type { ISupportCodeLibrary } from '@cucumber/cucumber/api';
import { listCatalogue, runCatalogue, type KitWorldParameters } from './run-catalogue.js';
import { ScenarioCollector } from './scenario-collector.js';
import { specClauses } from './spec-clauses.js';
import { probeProfile, type ProbeResult } from './profile-probe.js';
import { describeTarget, type Target } from './target.js';
import { WorkerSession } from './worker-session.js';
import type { MethodNames } from './method-names.js';

/** Exit codes of the CLI. */
export const EXIT = { PASS: 0, FAIL: 1, SETUP: 2 } as const;

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
  json?: string;
  html?: string;
  parallel?: number;
  quiet?: boolean;
  faults?: string;
  seed?: number;
  /** Extra sections (fault and fuzz results) computed by the caller after the catalogue. */
  extraSections?: (profile: 'v3' | 'v4') => Promise<ExtraSection[]>;
  /** Where to find the catalogue (default: this package). */
  catalogue?: CatalogueLocation;
  /** Output streams (default process.stdout/stderr). */
  out?: { write(text: string): boolean; isTTY?: boolean };
  err?: { write(text: string): boolean };
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

/** Probes a child target; returns undefined for a parent driver (its profile is whatever we ask for). */
async function detectProfile(target: Target): Promise<ProbeResult | undefined> {
  if (target.kind === 'parent-driver') return undefined;
  const session = await WorkerSession.open(target, { transport: new ZmqTransport() });
  try {
    return await probeProfile(session, { clock: realClock });
  } finally {
    await session.close();
  }
}

function worldParameters(options: ConformOptions, profile: 'v3' | 'v4'): KitWorldParameters {
  const t = options.target;
  const target: KitWorldParameters['target'] =
    t.kind === 'reference'
      ? { kind: 'command', argv: [...t.argv] }
      : t.kind === 'service'
        ? { kind: 'service', serviceId: t.serviceId }
        : t.kind === 'command'
          ? { kind: 'command', argv: [...t.argv] }
          : { kind: 'parent-driver', argv: [...t.argv], childArgv: options.childArgv ?? [] };
  return { transport: 'zmq', target, profile, ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }) };
}

/** Runs the whole conformance check. Never throws for a worker's misbehaviour; setup errors give exit 2. */
export async function runConformance(options: ConformOptions): Promise<ConformOutcome> {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const startedAt = new Date(realClock.epochMs()).toISOString();
  const startedMs = realClock.nowMs();
  const role = options.target.kind === 'parent-driver' ? 'parent' : 'child';
  let probe: ProbeResult | undefined;
  try {
    probe = await detectProfile(options.target);
  } catch (error) {
    err.write(`multifrost-conform: setup error: ${describeTarget(options.target)} did not start as a worker\n${messageOf(error)}\n`);
    return { exitCode: EXIT.SETUP, report: undefined };
  }
  const profile = options.profile ?? probe?.chosen ?? 'v3';
  const profileSource =
    options.profile !== undefined
      ? `--profile${probe === undefined ? '' : ` (worker accepts ${probe.accepted.join(', ')})`}`
      : probe === undefined
        ? 'default (parent role: the driver is told the profile)'
        : `detected (worker accepts ${probe.accepted.join(', ')})`;
  if (options.quiet !== true) out.write(`multifrost-conform: ${describeTarget(options.target)}, profile ${profile} (${profileSource})\n`);
  if (probe !== undefined && !probe.accepted.includes(profile)) {
    err.write(`multifrost-conform: warning: the worker did not answer in ${profile} during the probe (it answered ${probe.accepted.join(', ')}); expect scenarios to fail with no reply\n`);
  }

  const catalogue = options.catalogue ?? locateCatalogue();
  const tags = tagExpression(role, options.tags);
  const clauses = specClauses();
  let total = 0;
  let support: ISupportCodeLibrary | undefined;
  try {
    const listed = await listCatalogue({ catalogue, worldParameters: worldParameters(options, profile), tags, ...(options.names === undefined ? {} : { names: options.names }) });
    total = listed.pickles.length;
    support = listed.support;
    if (total === 0) {
      // A typo in --tags or --name must not pass CI with nothing checked.
      err.write(`multifrost-conform: setup error: no scenario matches ${tags}${options.names === undefined ? '' : ` and --name ${options.names.join(', ')}`}\n`);
      return { exitCode: EXIT.SETUP, report: undefined };
    }
  } catch (error) {
    err.write(`multifrost-conform: setup error: cannot load the catalogue: ${messageOf(error)}\n`);
    return { exitCode: EXIT.SETUP, report: undefined };
  }
  const progress = new ProgressPrinter(options.quiet === true ? { write: () => true } : out, total);
  const collector = new ScenarioCollector(clauses, catalogue.featuresDir, (result) => progress.scenario(result), options.trace === true);
  try {
    await runCatalogue({
      catalogue,
      worldParameters: worldParameters(options, profile),
      tags,
      ...(options.names === undefined ? {} : { names: options.names }),
      ...(options.stepTimeoutMs === undefined ? {} : { stepTimeoutMs: options.stepTimeoutMs }),
      // A service is one shared process: scenarios in parallel would trip over each other.
      ...(options.parallel === undefined || options.target.kind === 'service' ? {} : { parallel: options.parallel }),
      ...(support === undefined ? {} : { support }),
      onEnvelope: (envelope) => collector.push(envelope),
    });
  } catch (error) {
    progress.end();
    err.write(`multifrost-conform: setup error: the catalogue could not run: ${messageOf(error)}\n`);
    return { exitCode: EXIT.SETUP, report: undefined };
  }
  progress.end();

  let scenarios: ScenarioResult[] = collector.results().sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  let stale: string[] = [];
  if (options.expectedFailures !== undefined) {
    try {
      ({ results: scenarios, stale } = applyBaseline(scenarios, readBaseline(options.expectedFailures)));
    } catch (error) {
      err.write(`multifrost-conform: ${messageOf(error)}\n`);
      return { exitCode: EXIT.SETUP, report: undefined };
    }
  }
  const extras = options.extraSections === undefined ? [] : await options.extraSections(profile);
  const info: RunInfo = {
    target: describeTarget(options.target),
    role,
    profile,
    profileSource,
    transport: 'zmq',
    startedAt,
    durationMs: realClock.nowMs() - startedMs,
    kitVersion: await kitVersion(),
    strict: options.strict === true,
    tags: options.tags,
    faults: options.faults,
    seed: options.seed,
  };
  const report: Report = { info, scenarios, summary: summarize(scenarios, options.strict === true, stale), extras };
  writeReports(report, options);
  out.write(options.quiet === true ? `${summaryLine(report)}\n` : `${textReport(report, { trace: options.trace === true })}\n`);
  const ok = report.summary.blocking === 0 && stale.length === 0 && extras.every((e) => e.ok);
  return { exitCode: ok ? EXIT.PASS : EXIT.FAIL, report };
}

function writeFile(path: string, text: string): void {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, text);
}

function writeReports(report: Report, options: ConformOptions): void {
  if (options.json !== undefined) writeFile(options.json, jsonReport(report));
  if (options.junit !== undefined) writeFile(options.junit, junitReport(report));
  if (options.html !== undefined) writeFile(options.html, htmlReport(report));
}

function messageOf(error: unknown): string {
  if (error instanceof MultifrostError) return `${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
