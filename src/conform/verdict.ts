/**
 * The verdict of a run as the reports word it: whether it passed, the one-line summary with its conformance
 * claim, and how a section's heading reads. Separate from results.ts (the model) so the model does not
 * depend on the coverage computed from it.
 */
import { conformanceClaim, coverageOf } from './coverage.js';
import type { ExtraSection, Report } from './results.js';

/** How a section's heading reads: ok, not run, not met (a SHOULD, not blocking) or FAILED. */
export function sectionVerdict(section: ExtraSection): string {
  if (!section.ok) return 'FAILED';
  if (section.checked === false) return 'not run';
  return section.violated === true ? 'not met (not blocking)' : 'ok';
}

/**
 * True when nothing blocks the run: no blocking failure, no stale baseline entry, every extra section ok.
 * This is exit status 0 and the word `PASS`; it is not a claim of conformance (see {@link conformanceClaim}).
 */
export function runPassed(report: Report): boolean {
  const s = report.summary;
  return s.blocking === 0 && s.stale.length === 0 && report.extras.every((e) => e.ok);
}

/**
 * The one-line summary printed last (and used by CI logs). It ends with the conformance claim, which says
 * `conformant` only when the run passed and every applicable MUST clause checkable from outside was checked
 * and passed; otherwise how many were checked.
 */
export function summaryLine(report: Report): string {
  const s = report.summary;
  const ok = runPassed(report);
  const parts = [
    `${s.pass} passed`,
    `${s.fail} failed`,
    `${s.timeout} timed out`,
    `${s.skipped} skipped`,
    `${s.info} informational`,
    ...(s.expectedFail > 0 ? [`${s.expectedFail} expected failures`] : []),
    ...(s.stale.length > 0 ? [`${s.stale.length} stale baseline entries`] : []),
    ...report.extras.filter((e) => !e.ok).map((e) => `${e.title.replace(/\s*\(.*$/, '').toLowerCase()} failed`),
  ];
  const seconds = (report.info.durationMs / 1000).toFixed(1);
  const claim = conformanceClaim(coverageOf(report), ok);
  return `multifrost-conform: ${ok ? 'PASS' : 'FAIL'} ${report.info.target} [${report.info.profile}] ${s.total} scenarios: ${parts.join(', ')} (${seconds} s); ${claim}`;
}
