/**
 * Runs the COMPILED CLI (`node dist/src/cli/main.js`, no tsx) as a child process and collects its output.
 * Every process is reaped when the test ends, even when it fails.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { realClock } from '../../../src/time/real-clock.js';

export const REPO_ROOT: string = fileURLToPath(new URL('../../..', import.meta.url));
export const CLI: string = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
export const MINI_CATALOGUE: string = join(REPO_ROOT, 'harness', 'test', 'cli', 'fixtures', 'mini-catalogue');
export const BROKEN: string = join(REPO_ROOT, 'fixtures', 'broken');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Whether a falsifiability test also proves a breakage is targeted: the broken target then runs the whole
 * catalogue and must pass every scenario outside its rule. `npm run falsifiability` sets it; `npm test` runs
 * only the scenarios of the broken rule (the proof that each check can fail), and the correct targets run
 * the whole catalogue there (the proof that it passes).
 */
export const EXACT_FALSIFIABILITY: boolean = process.env['MF_FALSIFY_EXACT'] === '1';

/** A `--name` regex selecting the scenarios whose names match any of `patterns`. */
export function nameFilter(patterns: readonly RegExp[]): string {
  return patterns.map((p) => `(?:${p.source})`).join('|');
}

/** Fails fast with a clear message when the kit was not built. */
export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
}

/** Runs the CLI with `args`; resolves when it exits (killed at `timeoutMs`). */
export function runCli(
  t: TestContext,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  requireBuild();
  return runInGroup(t, process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: '1', ...env },
    timeoutMs,
  });
}

/**
 * Runs a command in its own process group and collects its output; the whole group is killed when the test
 * ends or at `timeoutMs` (a backstop against a hung command, not a wait: the caller awaits the exit).
 */
export function runInGroup(
  t: TestContext,
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<CliResult> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const reap = (): void => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  t.after(reap);
  const killer = realClock.setTimer(options.timeoutMs, reap);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      killer.cancel();
      resolve({ code, stdout, stderr });
    });
  });
}
