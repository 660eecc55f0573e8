/**
 * Turns the cucumber message stream (envelopes) into {@link ScenarioResult}s: the pickle gives name, tags
 * and location; step results give the verdict and the ConformanceFailure fields; attachments give the
 * wire trace (`application/vnd.multifrost.trace+json`), the scenario's processes
 * (`application/vnd.multifrost.processes+json`: exit status and output tails) and log lines. Pure: no cucumber runtime needed,
 * so it is tested by feeding envelopes.
 */
import type { Envelope, Pickle, TestStepResult } from '@cucumber/messages';
import {
  FAILURE_MEDIA_TYPE,
  parseConformanceFailure,
  readFailureFields,
  type FailureFields,
} from './conformance-failure.js';
import type { ClauseRef, FailureDetail, ProcessOutcome, ScenarioResult, TraceEntry, Verdict } from './results.js';
import type { Clause, ClauseLevel } from './spec-clauses.js';

/** Media type of the per-scenario wire trace attached by the catalogue's World. */
export const TRACE_MEDIA_TYPE = 'application/vnd.multifrost.trace+json';

/** Media type of the processes a scenario started ({@link ProcessOutcome}[]), attached by the After hook. */
export const PROCESSES_MEDIA_TYPE = 'application/vnd.multifrost.processes+json';

interface ScenarioNode {
  id: string;
  location: { line: number };
  examples: ReadonlyArray<{ tableBody: ReadonlyArray<{ id: string; location: { line: number } }> }>;
}

const CLAUSE_TAG = /^@(MF-[A-Z]+-\d+)$/;

interface CaseState {
  pickle: Pickle;
  stepTexts: Map<string, string>;
  worst: { status: string; message: string | undefined; step: string | undefined } | undefined;
  trace: TraceEntry[];
  logs: string[];
  processes: ProcessOutcome[];
  /** The failure's fields as the catalogue attached them (preferred to parsing the message). */
  failure: FailureFields | undefined;
  startedNs: number;
  finishedNs: number;
}

const STATUS_RANK: Record<string, number> = {
  PASSED: 0,
  SKIPPED: 1,
  PENDING: 2,
  UNDEFINED: 3,
  AMBIGUOUS: 4,
  UNKNOWN: 4,
  FAILED: 5,
};

/** Collects envelopes; call {@link results} after the run. */
export class ScenarioCollector {
  private readonly pickles = new Map<string, Pickle>();
  /** testCase id -> pickle id and step id -> step text. */
  private readonly testCases = new Map<string, { pickleId: string; steps: Map<string, string> }>();
  private readonly started = new Map<string, CaseState>();
  private readonly finished: CaseState[] = [];
  /** Gherkin AST node id -> line (scenarios and example rows). */
  private readonly lines = new Map<string, number>();

  constructor(
    private readonly clauses: ReadonlyMap<string, Clause>,
    private readonly featuresDir: string,
    private readonly onScenario: (result: ScenarioResult) => void = () => undefined,
    private readonly keepAllTraces = false,
  ) {}

  /** Feeds one envelope. */
  push(envelope: Envelope): void {
    if (envelope.gherkinDocument?.feature) this.indexLines(envelope.gherkinDocument.feature.children);
    if (envelope.pickle) this.pickles.set(envelope.pickle.id, envelope.pickle);
    if (envelope.testCase) {
      const pickle = this.pickles.get(envelope.testCase.pickleId);
      const steps = new Map<string, string>();
      for (const step of envelope.testCase.testSteps) {
        const text = pickle?.steps.find((s) => s.id === step.pickleStepId)?.text;
        if (text !== undefined) steps.set(step.id, text);
      }
      this.testCases.set(envelope.testCase.id, { pickleId: envelope.testCase.pickleId, steps });
    }
    if (envelope.testCaseStarted)
      this.caseStarted(
        envelope.testCaseStarted.id,
        envelope.testCaseStarted.testCaseId,
        envelope.testCaseStarted.timestamp,
      );
    if (envelope.testStepFinished) {
      const state = this.started.get(envelope.testStepFinished.testCaseStartedId);
      if (state !== undefined)
        this.stepFinished(state, envelope.testStepFinished.testStepId, envelope.testStepFinished.testStepResult);
    }
    if (envelope.attachment?.testCaseStartedId !== undefined) {
      const state = this.started.get(envelope.attachment.testCaseStartedId);
      if (state !== undefined)
        this.attach(
          state,
          envelope.attachment.mediaType,
          envelope.attachment.body,
          envelope.attachment.contentEncoding,
        );
    }
    if (envelope.testCaseFinished) {
      const state = this.started.get(envelope.testCaseFinished.testCaseStartedId);
      if (state === undefined || envelope.testCaseFinished.willBeRetried) return;
      state.finishedNs = toNs(envelope.testCaseFinished.timestamp);
      this.finished.push(state);
      this.onScenario(this.toResult(state));
    }
  }

  /** Every finished scenario, in completion order. */
  results(): ScenarioResult[] {
    return this.finished.map((state) => this.toResult(state));
  }

  private indexLines(
    children: ReadonlyArray<{
      scenario?: ScenarioNode;
      rule?: { children: ReadonlyArray<{ scenario?: ScenarioNode }> };
    }>,
  ): void {
    for (const child of children) {
      const scenarios = child.rule ? child.rule.children.map((c) => c.scenario) : [child.scenario];
      for (const scenario of scenarios) {
        if (scenario === undefined) continue;
        this.lines.set(scenario.id, scenario.location.line);
        for (const examples of scenario.examples)
          for (const row of examples.tableBody) this.lines.set(row.id, row.location.line);
      }
    }
  }

  private caseStarted(id: string, testCaseId: string, timestamp: { seconds: number; nanos: number }): void {
    const testCase = this.testCases.get(testCaseId);
    const pickle = testCase === undefined ? undefined : this.pickles.get(testCase.pickleId);
    if (testCase === undefined || pickle === undefined) return;
    this.started.set(id, {
      pickle,
      stepTexts: testCase.steps,
      worst: undefined,
      trace: [],
      logs: [],
      processes: [],
      failure: undefined,
      startedNs: toNs(timestamp),
      finishedNs: 0,
    });
  }

  private stepFinished(state: CaseState, stepId: string, result: TestStepResult): void {
    const rank = STATUS_RANK[result.status] ?? 4;
    if (state.worst !== undefined && (STATUS_RANK[state.worst.status] ?? 4) >= rank) return;
    if (result.status === 'PASSED') return;
    const message = result.exception?.message ?? result.message;
    state.worst = { status: result.status, message, step: state.stepTexts.get(stepId) };
  }

  private attach(state: CaseState, mediaType: string, body: string, encoding: string): void {
    const text = encoding === 'BASE64' ? Buffer.from(body, 'base64').toString('utf8') : body;
    if (mediaType === TRACE_MEDIA_TYPE) {
      try {
        const parsed: unknown = JSON.parse(text);
        const entries = Array.isArray(parsed)
          ? parsed
          : ((parsed as { entries?: unknown }).entries ?? (parsed as { messages?: unknown }).messages);
        if (Array.isArray(entries)) state.trace.push(...(entries as TraceEntry[]));
      } catch {
        state.logs.push(`(unreadable trace attachment: ${text.slice(0, 200)})`);
      }
    } else if (mediaType === PROCESSES_MEDIA_TYPE) {
      const processes = readProcesses(text);
      if (processes === undefined) state.logs.push(`(unreadable processes attachment: ${text.slice(0, 200)})`);
      else state.processes.push(...processes);
    } else if (mediaType === FAILURE_MEDIA_TYPE) {
      state.failure = readFailureFields(text);
      if (state.failure === undefined) state.logs.push(`(unreadable failure attachment: ${text.slice(0, 200)})`);
    } else if (mediaType.startsWith('text/')) {
      state.logs.push(text);
    }
  }

  private toResult(state: CaseState): ScenarioResult {
    const { pickle } = state;
    const tags = pickle.tags.map((t) => t.name);
    const level = levelOf(tags);
    const clauses: ClauseRef[] = tags.flatMap((tag) => {
      const id = CLAUSE_TAG.exec(tag)?.[1];
      if (id === undefined) return [];
      const clause = this.clauses.get(id);
      return [{ id, level: clause?.level, text: clause?.text }];
    });
    const line = this.lines.get(pickle.astNodeIds.at(-1) ?? '') ?? this.lines.get(pickle.astNodeIds[0] ?? '') ?? 0;
    const uri = relativeUri(pickle.uri, this.featuresDir);
    const { verdict, failure, reason } = judge(state, level);
    const keepTrace = this.keepAllTraces || verdict === 'fail' || verdict === 'timeout' || verdict === 'info';
    return {
      id: `${uri}:${line}`,
      name: pickle.name,
      feature: uri.replace(/\.feature$/, ''),
      uri,
      line,
      tags,
      clauses,
      level,
      role: tags.find((t) => t === '@child' || t === '@parent' || t === '@internal')?.slice(1),
      verdict,
      durationMs: Math.max(0, (state.finishedNs - state.startedNs) / 1e6),
      failure,
      reason,
      trace: keepTrace && state.trace.length > 0 ? state.trace : undefined,
      logs: state.logs,
      // Kept for every scenario, passing or not: a worker's output is evidence even when nothing failed.
      processes: state.processes,
    };
  }
}

/** The processes attachment, checked field by field (undefined when it is not a list of processes). */
function readProcesses(text: string): ProcessOutcome[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
  const status = <T>(value: unknown, ok: (v: unknown) => v is T): T | null | undefined =>
    value === null ? null : ok(value) ? value : undefined;
  return parsed.map((item: unknown): ProcessOutcome => {
    const p = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return {
      role: typeof p['role'] === 'string' ? p['role'] : 'process',
      argv: strings(p['argv']),
      pid: typeof p['pid'] === 'number' ? p['pid'] : undefined,
      exitCode: status(p['exitCode'], (v): v is number => typeof v === 'number'),
      signal: status(p['signal'], (v): v is string => typeof v === 'string'),
      stderrTail: strings(p['stderrTail']),
      stdoutTail: strings(p['stdoutTail']),
    };
  });
}

/**
 * How the skip reason of a scenario with an undefined or ambiguous step starts: a defect of the kit (its
 * steps do not match its feature files), not of the target; a run with one ends as a setup error.
 */
export const CATALOGUE_DEFECT = 'catalogue defect';

/** Verdict, failure detail and skip reason of a finished scenario. */
function judge(
  state: CaseState,
  level: ClauseLevel,
): { verdict: Verdict; failure: FailureDetail | undefined; reason: string | undefined } {
  const worst = state.worst;
  if (worst === undefined) return { verdict: 'pass', failure: undefined, reason: undefined };
  if (worst.status === 'SKIPPED' || worst.status === 'PENDING') {
    const reason =
      worst.message ??
      state.logs.find((l) => /skip/i.test(l)) ??
      state.logs.at(-1) ??
      'skipped by the step definitions';
    return { verdict: 'skipped', failure: undefined, reason };
  }
  const message = worst.message ?? `step ${worst.status.toLowerCase()}`;
  if (worst.status === 'UNDEFINED' || worst.status === 'AMBIGUOUS') {
    return {
      verdict: 'skipped',
      failure: undefined,
      reason: `${CATALOGUE_DEFECT}: step ${worst.status.toLowerCase()}: ${worst.step ?? '?'}`,
    };
  }
  const parsed = state.failure ?? parseConformanceFailure(message);
  const failure: FailureDetail = {
    clause: parsed.clause,
    expected: parsed.expected,
    actual: parsed.actual,
    message,
    step: worst.step,
  };
  if (/timed out|timeout of \d+/i.test(message) && parsed.clause === undefined)
    return { verdict: 'timeout', failure, reason: undefined };
  return { verdict: level === 'MAY' ? 'info' : 'fail', failure, reason: undefined };
}

/** `@must` > `@should` > `@may`; MUST when the scenario has no level tag. */
export function levelOf(tags: readonly string[]): ClauseLevel {
  if (tags.includes('@must')) return 'MUST';
  if (tags.includes('@should')) return 'SHOULD';
  if (tags.includes('@may')) return 'MAY';
  return 'MUST';
}

function toNs(timestamp: { seconds: number; nanos: number }): number {
  return timestamp.seconds * 1e9 + timestamp.nanos;
}

function relativeUri(uri: string, featuresDir: string): string {
  const normalized = uri.replace(/\\/g, '/');
  const base = featuresDir.replace(/\\/g, '/').replace(/\/?$/, '/');
  if (normalized.startsWith(base)) return normalized.slice(base.length);
  const index = normalized.lastIndexOf('features/');
  return index >= 0 ? normalized.slice(index + 'features/'.length) : normalized;
}
