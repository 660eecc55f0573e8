/**
 * The one way a conformance step fails: with the clause it checks, what was expected and what was seen.
 * The message is laid out for a port maintainer reading a terminal, and the CLI parses it back
 * ({@link parseConformanceFailure}) for its JSON, JUnit and HTML reports.
 */
import { ErrorCode, MultifrostError } from '../errors.js';
import { specClauses } from './spec-clauses.js';

export class ConformanceFailure extends MultifrostError {
  readonly clause: string;
  readonly expected: string;
  readonly actual: string;

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
