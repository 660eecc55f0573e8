/**
 * Runs each target of a matrix as its own single-target run of the CLI, in a child process (so targets share
 * no process state: environment, stop file, cucumber's support library), `jobs` at a time, and collects each
 * run's JSON report, exit status and standard error.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../exit-codes.js';
import type { MatrixTarget } from './matrix-targets.js';

/** One target's run as the matrix sees it. */
export interface TargetRun {
  target: MatrixTarget;
  exitCode: number;
  /** The run's JSON report (undefined when the run ended before writing one: a setup or usage error). */
  report: TargetReport | undefined;
  /** What the run wrote to standard error, for a setup error's reason. */
  stderr: string;
  durationMs: number;
}

/** The parts of a JSON report (report/json-report.ts) the matrix reads. */
export interface TargetReport {
  summaryLine: string;
  info: { target: string; role: 'child' | 'parent'; profile: string };
  scenarios: Array<{
    id: string;
    name: string;
    verdict: string;
    clauses: Array<{ id: string }>;
    failure?: { clause?: string; expected?: string; actual?: string; message: string } | undefined;
    reason?: string | undefined;
  }>;
  coverage: Array<{
    id: string;
    level: 'MUST' | 'SHOULD';
    text: string;
    outcome: string;
    scenarios: string[];
    reason?: string | undefined;
  }>;
}

export interface RunTargetsOptions {
  /** argv running the CLI itself (node and its script). */
  cli: readonly string[];
  /** Options every target's run gets (role, tags, timeouts, ...). */
  common: readonly string[];
  jobs: number;
  /** Called as each target's run ends (for its summary line). */
  onDone?: (run: TargetRun) => void;
  /** Clock for the durations (ms). */
  nowMs: () => number;
}

/** Runs every target, at most `jobs` at once; resolves with the runs in target order. */
export async function runTargets(targets: readonly MatrixTarget[], options: RunTargetsOptions): Promise<TargetRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-matrix-'));
  try {
    const runs: TargetRun[] = new Array<TargetRun>(targets.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < targets.length) {
        const index = next++;
        const run = await runOne(targets[index]!, join(dir, `${targets[index]!.key}.json`), options);
        runs[index] = run;
        options.onDone?.(run);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.jobs, targets.length) }, worker));
    return runs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runOne(target: MatrixTarget, jsonFile: string, options: RunTargetsOptions): Promise<TargetRun> {
  const [command, ...args] = options.cli;
  const started = options.nowMs();
  // The target's own arguments go last: a `-- command` takes everything after it.
  const argv = [...args, ...options.common, '--quiet', '--json', jsonFile, ...target.args];
  return new Promise((resolve) => {
    const child = spawn(command!, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = (exitCode: number): void =>
      resolve({ target, exitCode, report: readReport(jsonFile), stderr, durationMs: options.nowMs() - started });
    child.once('error', (error) => {
      stderr += `cannot start the run: ${error.message}\n`;
      done(EXIT.SETUP);
    });
    // Killed by a signal: the run was interrupted (SIGINT reaches the whole foreground group).
    child.once('close', (code, signal) => done(code ?? (signal === null ? EXIT.SETUP : EXIT.INTERRUPTED)));
  });
}

function readReport(file: string): TargetReport | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TargetReport;
  } catch {
    return undefined;
  }
}

/** The worst exit status of the runs: interrupted, then setup error, then conformance failure, then pass. */
export function worstExit(runs: readonly TargetRun[]): number {
  const rank = [EXIT.PASS, EXIT.FAIL, EXIT.SETUP, EXIT.INTERRUPTED] as number[];
  return runs.reduce((worst, run) => {
    const r = rank.indexOf(run.exitCode);
    const w = rank.indexOf(worst);
    return (r < 0 ? rank.length : r) > w ? run.exitCode : worst;
  }, EXIT.PASS as number);
}
