/**
 * Runs the COMPILED CLI (`node dist/src/cli/main.js`, no tsx) as a child process and collects its output.
 * Every process is reaped when the test ends, even when it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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

/**
 * `env` without NODE_V8_COVERAGE. Under `npm test`, c8 sets it and every process that inherits it writes a
 * coverage profile at exit; the compiled CLI and the workers it starts run `dist/`, which the coverage
 * report leaves out (`--include=src/**`), so their profiles only cost time: about a fifth of a CLI test's
 * wall time (cli-mini: 70 s with them, 56 s without, same coverage figures).
 */
export function withoutCoverage(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_V8_COVERAGE: _coverage, ...rest } = env;
  return rest;
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
    env: { ...withoutCoverage(process.env), CI: '1', ...env },
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

/**
 * Starts `script` (the reference worker unless given) as a connect-mode service `serviceId` in the registry
 * under `home`, and resolves once it says it is ready: the child's JSON-lines log (MULTIFROST_LOG_LEVEL=info)
 * has a "service ready" line for the id. Rejects if it exits first or is not ready within `timeoutMs`; the
 * process is killed when the test ends.
 */
export async function startService(
  t: TestContext,
  options: { serviceId: string; home: string; script?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<ChildProcess> {
  requireBuild();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    MULTIFROST_HOME: options.home,
    MULTIFROST_SERVICE_ID: options.serviceId,
    MULTIFROST_LOG_LEVEL: 'info',
  };
  delete env['COMLINK_ZMQ_PORT'];
  delete env['COMLINK_WORKER_MODE'];
  const script = options.script ?? join(REPO_ROOT, 'dist', 'src', 'conform', 'reference-worker.js');
  const service = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => {
    if (service.exitCode === null && service.signalCode === null) service.kill('SIGKILL');
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = realClock.setTimer(timeoutMs, () =>
      reject(new Error(`the service '${options.serviceId}' was not ready within ${timeoutMs} ms: ${text}`)),
    );
    service.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const ready = text
        .split('\n')
        .some(
          (line) =>
            line.includes('"msg":"service ready"') && line.includes(`"serviceId":${JSON.stringify(options.serviceId)}`),
        );
      if (ready) {
        timer.cancel();
        resolve();
      }
    });
    service.once('exit', (code) => {
      timer.cancel();
      reject(new Error(`the service exited early (code ${code}): ${text}`));
    });
  });
  return service;
}
