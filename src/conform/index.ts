/**
 * The conformance kit, as published under the `./conform` subpath: run the catalogue against a target from
 * code (what the CLI does), the report model and renderers, the reference and instrumented workers, and
 * the failure type steps throw. An explicit barrel: every public name is listed here.
 */
export { runConformance, tagExpression, EXIT } from './conform-run.js';
export type { ConformOptions, ConformOutcome } from './conform-run.js';
export { scriptArgv, referenceArgv, describeTarget } from './target.js';
export type { Target, CommandTarget, ServiceTarget, ReferenceTarget, ParentDriverTarget } from './target.js';
export { probeProfile } from './profile-probe.js';
export type { ProbeResult, ProbeOptions } from './profile-probe.js';
export { WorkerSession } from './worker-session.js';
export type { WorkerSessionOptions } from './worker-session.js';
export { locateCatalogue, packageRoot, CATALOGUE_ROOT_ENV } from './catalogue.js';
export type { CatalogueLocation } from './catalogue.js';
export { ScenarioCollector, TRACE_MEDIA_TYPE, levelOf } from './scenario-collector.js';
export { summarize, isBlockingFailure } from './results.js';
export { runPassed, summaryLine } from './verdict.js';
export type {
  Report,
  RunInfo,
  Summary,
  ScenarioResult,
  Verdict,
  ClauseRef,
  FailureDetail,
  TraceEntry,
  ExtraSection,
} from './results.js';
export { readBaseline, applyBaseline } from './baseline.js';
export type { Baseline } from './baseline.js';
export { jsonReport, JSON_REPORT_SCHEMA } from './report/json-report.js';
export { junitReport } from './report/junit-report.js';
export { htmlReport } from './report/html-report.js';
export { textReport } from './report/text-report.js';
export { parseFaultSpec } from './fault-spec.js';
export { fuzzWorker, replayCase, readFuzzCase, malformedFrames } from './fuzz.js';
export type { FuzzCase, FuzzOptions, FuzzOutcome } from './fuzz.js';
export { MisbehavingTransport } from './misbehaving-transport.js';
export { parseMisbehaviour } from './misbehaviour.js';
export type { Misbehaviour } from './misbehaviour.js';
export { MISBEHAVE_ENV, runInstrumentedChild } from './instrumented-child.js';
export { ConformanceWorker, referenceWorkerPath } from './reference-worker.js';
export { ConformanceFailure, parseConformanceFailure, show } from './conformance-failure.js';
export type { ParsedFailure } from './conformance-failure.js';
export { specClauses, parseClauses, specPath } from './spec-clauses.js';
export type { Clause, ClauseLevel } from './spec-clauses.js';
