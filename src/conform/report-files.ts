/** Writing the reports a run asked for (`--json`, `--junit`, `--html`; `-` is standard output). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { htmlReport } from './report/html-report.js';
import { jsonReport } from './report/json-report.js';
import { junitReport } from './report/junit-report.js';
import type { Report } from './results.js';

/** Where the reports go (the run's options). */
export interface ReportTargets {
  json?: string | undefined;
  junit?: string | undefined;
  html?: string | undefined;
  out?: { write(text: string): boolean; isTTY?: boolean } | undefined;
}

export function wantsReports(options: ReportTargets): boolean {
  return options.json !== undefined || options.junit !== undefined || options.html !== undefined;
}

/** Writes `text` to `path`, creating its directory. `-` is standard output. */
function writeFile(path: string, text: string, stdout: ReportTargets['out'] & object): void {
  if (path === '-') {
    stdout.write(text);
    return;
  }
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, text);
}

/** Writes every report asked for; returns those that could not be written, with why. */
export function writeReports(
  report: Report,
  options: ReportTargets,
): Array<{ kind: string; file: string; reason: string }> {
  const stdout = options.out ?? process.stdout;
  const problems: Array<{ kind: string; file: string; reason: string }> = [];
  const reports: Array<[string, string | undefined, () => string]> = [
    ['JSON', options.json, () => jsonReport(report)],
    ['JUnit', options.junit, () => junitReport(report)],
    ['HTML', options.html, () => htmlReport(report)],
  ];
  for (const [kind, file, render] of reports) {
    if (file === undefined) continue;
    try {
      writeFile(file, render(), stdout);
    } catch (error) {
      // Node's message already starts with the code (`ENOTDIR: not a directory, open '...'`).
      problems.push({
        kind,
        file: file === '-' ? 'standard output' : resolve(file),
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return problems;
}
