/**
 * The machine-readable report: the {@link Report} model as JSON, with a `schema` tag so tools can check
 * what they read. BigInts (if a trace carries one) become decimal strings with an `n` suffix.
 */
import type { Report } from '../results.js';
import { summaryLine } from '../results.js';

/** Version tag of the JSON layout; bumped on any incompatible change. */
export const JSON_REPORT_SCHEMA = 'multifrost-conform/report@1';

export function jsonReport(report: Report): string {
  const document = { schema: JSON_REPORT_SCHEMA, summaryLine: summaryLine(report), ...report };
  return `${JSON.stringify(document, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value), 2)}\n`;
}
