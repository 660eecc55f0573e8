/**
 * `multifrost-conform --target A --target B ...`: several targets in one run. Each target runs as its own
 * single-target run of this CLI (see conform/matrix/run-targets.ts), `--jobs` at a time (default 2); the
 * results make one clause x target matrix (text, `--json`, `--html`), and the exit status is the worst
 * target's. See docs/cli.md, "Several targets".
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { realClock } from '../time/real-clock.js';
import { EXIT } from '../conform/exit-codes.js';
import { buildMatrix, runSummary } from '../conform/matrix/matrix.js';
import { matrixHtml } from '../conform/matrix/matrix-html.js';
import { matrixTargets } from '../conform/matrix/matrix-targets.js';
import { matrixJson, matrixText } from '../conform/matrix/matrix-text.js';
import { runTargets, worstExit } from '../conform/matrix/run-targets.js';
import type { CliOptions } from './cli-options.js';

/** Default of `--jobs`: two targets at once (each also starts workers; more oversubscribes a small machine). */
export const DEFAULT_JOBS = 2;

/** The options every target's run gets: everything on the command line but the targets and the reports. */
export function commonArgs(options: CliOptions): string[] {
  const args: string[] = ['--role', options.role];
  const value = (flag: string, v: string | number | undefined): void => {
    if (v !== undefined) args.push(flag, String(v));
  };
  value('--profile', options.profile);
  value('--tags', options.tags);
  for (const name of options.names) args.push('--name', name);
  value('--timeout', options.timeoutMs);
  value('--startup-timeout', options.startupTimeoutMs);
  value('--names', options.nameStyle);
  value('--name-map', options.nameMap === undefined ? undefined : resolve(options.nameMap));
  value('--expected-failures', options.expectedFailures === undefined ? undefined : resolve(options.expectedFailures));
  value('--faults', options.faults);
  value('--seed', options.seed);
  value('--fuzz', options.fuzz);
  value('--fuzz-dir', options.fuzzDir);
  value('--fuzz-values', options.fuzzValues);
  value('--parallel', options.parallel);
  if (options.timing === true) args.push('--timing');
  if (options.timing === false) args.push('--no-timing');
  if (options.failFast) args.push('--fail-fast');
  if (options.strict) args.push('--strict');
  return args;
}

type Stream = { write(text: string): boolean };

export async function runMatrix(
  options: CliOptions,
  out: Stream = process.stdout,
  err: Stream = process.stderr,
): Promise<number> {
  const targets = matrixTargets(options);
  const jobs = options.jobs ?? DEFAULT_JOBS;
  // With the JSON matrix on standard output, everything meant for people goes to standard error.
  const human = options.json === '-' ? err : out;
  human.write(`multifrost-conform: ${targets.length} targets, ${Math.min(jobs, targets.length)} at a time\n`);
  const runs = await runTargets(targets, {
    cli: [process.execPath, ...process.execArgv, process.argv[1]!],
    common: commonArgs(options),
    jobs,
    nowMs: () => realClock.nowMs(),
    onDone: (run) =>
      void human.write(
        `multifrost-conform: ${run.target.key} ${run.target.label}: ${runSummary(run)}${run.report === undefined ? ` (exit ${run.exitCode})` : ''}\n`,
      ),
  });
  const exitCode = worstExit(runs);
  const matrix = buildMatrix(runs, options.role);
  if (options.quiet !== true) human.write(`\n${matrixText(matrix)}`);
  let code = exitCode;
  for (const [kind, file, render] of [
    ['JSON', options.json, () => matrixJson(matrix, exitCode)],
    ['HTML', options.html, () => matrixHtml(matrix, exitCode)],
  ] as const) {
    if (file === undefined) continue;
    try {
      if (file === '-') out.write(render());
      else writeFileSync(file, render());
    } catch (error) {
      err.write(
        `multifrost-conform: cannot write the ${kind} matrix to ${resolve(file)}: ${(error as Error).message}\n`,
      );
      if (code === EXIT.PASS || code === EXIT.FAIL) code = EXIT.SETUP;
    }
  }
  const worst = matrix.targets.filter((t) => t.exitCode === exitCode && exitCode !== EXIT.PASS).map((t) => t.key);
  human.write(
    `multifrost-conform: ${targets.length} targets: ${matrix.targets.filter((t) => t.exitCode === EXIT.PASS).length} passed; exit ${exitCode}${worst.length === 0 ? '' : ` (the worst: ${worst.join(', ')})`}\n`,
  );
  return code;
}
