/**
 * The one way a conformance step fails: with the clause it checks, what was expected and what was seen.
 * The message is laid out for a port maintainer reading a terminal. The reports take the fields themselves:
 * the catalogue's After hook attaches the failure that failed the scenario as structured data
 * ({@link FAILURE_MEDIA_TYPE}); {@link parseConformanceFailure} reads a message only when no attachment came
 * (an error that is not a ConformanceFailure, or a catalogue older than the attachment).
 */
import { ErrorCode, MultifrostError } from '../errors.js';
import { specClauses } from './spec-clauses.js';

/** Media type of the attachment that carries a scenario's failure fields. */
export const FAILURE_MEDIA_TYPE = 'application/vnd.multifrost.failure+json';

/** The fields of a failure, as attached and as reported. */
export interface FailureFields {
  clause: string;
  expected: string;
  actual: string;
  detail: string | undefined;
}

/** The last ConformanceFailure made in this process: a scenario's steps run one at a time. */
let latest: ConformanceFailure | undefined;

function remember(failure: ConformanceFailure): void {
  latest = failure;
}

export class ConformanceFailure extends MultifrostError {
  readonly clause: string;
  readonly expected: string;
  readonly actual: string;
  readonly detail: string | undefined;

  constructor(clause: string, expected: string, actual: string, detail?: string) {
    const known = specClauses().get(clause);
    const heading = known === undefined ? clause : `${clause} (${known.level}) ${known.text}`;
    super(
      ErrorCode.PROTOCOL,
      [
        heading,
        `expected: ${expected}`,
        `actual:   ${actual}`,
        ...(detail === undefined ? [] : [`detail:   ${detail}`]),
      ].join('\n'),
    );
    this.clause = clause;
    this.expected = expected;
    this.actual = actual;
    this.detail = detail;
    remember(this);
  }

  fields(): FailureFields {
    return { clause: this.clause, expected: this.expected, actual: this.actual, detail: this.detail };
  }
}

/**
 * The fields of the ConformanceFailure that ended a scenario whose result says `resultMessage`: the last one
 * made, when the result is its message (a failure a step caught and replaced is not it). Clears it.
 */
export function takeFailure(resultMessage: string | undefined): FailureFields | undefined {
  const failure = latest;
  latest = undefined;
  if (failure === undefined || resultMessage === undefined || !resultMessage.includes(failure.message))
    return undefined;
  return failure.fields();
}

/** Reads an attached failure back; undefined when it is not one. */
export function readFailureFields(text: string): FailureFields | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<FailureFields>;
    if (typeof parsed.clause !== 'string' || typeof parsed.expected !== 'string' || typeof parsed.actual !== 'string')
      return undefined;
    return {
      clause: parsed.clause,
      expected: parsed.expected,
      actual: parsed.actual,
      detail: typeof parsed.detail === 'string' ? parsed.detail : undefined,
    };
  } catch {
    return undefined;
  }
}

export interface ParsedFailure {
  clause: string | undefined;
  expected: string | undefined;
  actual: string | undefined;
  detail: string | undefined;
  message: string;
}

/** Reads clause, expected and actual back from a failure message (any other error gives only `message`). */
export function parseConformanceFailure(message: string): ParsedFailure {
  const field = (name: string): string | undefined => {
    const match = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(message);
    return match?.[1];
  };
  const clause = /^(MF-[A-Z]+-\d+)\b/m.exec(message)?.[1];
  return { clause, expected: field('expected'), actual: field('actual'), detail: field('detail'), message };
}

/** Compact, stable rendering of a value for expected/actual lines (bin as hex, BigInt with n). */
export function show(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (v instanceof Uint8Array) return `<bin ${Buffer.from(v).toString('hex')}>`;
      if (
        v !== null &&
        typeof v === 'object' &&
        (v as { type?: unknown }).type === 'Buffer' &&
        Array.isArray((v as { data?: unknown }).data)
      ) {
        return `<bin ${Buffer.from((v as { data: number[] }).data).toString('hex')}>`;
      }
      if (v === undefined) return '<undefined>';
      return v;
    }) ?? 'undefined'
  );
}
