/**
 * The services of the matrix's connect-mode CURVE table: each language's conformance child started as a
 * service (`MULTIFROST_SERVICE_ID`) with `MULTIFROST_CURVE=1`, in its own temporary registry directory. Each
 * must publish a 40-character `curve_public_key` in its entry, in a registry file of mode 0600 (MF-SEC-7,
 * MF-REG-11); a service that does not is marked with the problem, and every cell against it fails with it.
 * A driver that ignored the key would speak plaintext to a CURVE server and get no answer, so a passing
 * cell means both sides used CURVE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Language, ServiceTarget } from './matrix.js';

/** How long a service may take to register (a cold Python start under load takes seconds). */
const REGISTER_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
const SERVICE_ID = 'curve-service';

export interface CurveServices {
  targets: ReadonlyMap<Language, ServiceTarget>;
  /** SIGTERM to every service (they unregister), SIGKILL after 5 s; removes the registry directories. */
  stop(): Promise<void>;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Why the entry under SERVICE_ID in `home` is not (yet) a CURVE entry, or undefined when it is. */
function entryProblem(home: string): string | undefined {
  const path = join(home, 'services.json');
  let entry: Record<string, unknown> | undefined;
  try {
    entry = (JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>)[SERVICE_ID];
  } catch (error) {
    return `no readable registry file: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (entry === undefined) return 'no entry yet';
  const key = entry['curve_public_key'];
  if (typeof key !== 'string' || key.length !== 40)
    return `the entry has no 40-character curve_public_key: ${JSON.stringify(entry)}`;
  const mode = statSync(path).mode & 0o777;
  return mode === 0o600 ? undefined : `the registry file has mode ${mode.toString(8)}, not 600 (MF-REG-11)`;
}

/** Starts one service; resolves with its target once its entry is a CURVE entry, or with the problem. */
async function startOne(argv: readonly string[], children: ChildProcess[]): Promise<ServiceTarget> {
  const home = mkdtempSync(join(tmpdir(), 'mf-curve-svc-'));
  const child = spawn(argv[0]!, argv.slice(1), {
    env: {
      ...process.env,
      MULTIFROST_HOME: home,
      MULTIFROST_SERVICE_ID: SERVICE_ID,
      MULTIFROST_CURVE: '1',
      // It stops when its stdin closes, so no service outlives a test process that dies.
      MULTIFROST_PARENT_PIPE: 'stdin',
    },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = performance.now() + REGISTER_TIMEOUT_MS;
  let problem = entryProblem(home);
  // A registry file has no change event to wait on: polled, bounded.
  while (problem !== undefined && performance.now() < deadline && child.exitCode === null) {
    await sleep(POLL_MS);
    problem = entryProblem(home);
  }
  if (problem === undefined) return { home, serviceId: SERVICE_ID };
  const why = child.exitCode === null ? `within ${REGISTER_TIMEOUT_MS} ms` : `(exited ${child.exitCode})`;
  return { home, serviceId: SERVICE_ID, problem: `service not usable ${why}: ${problem}; stderr: ${stderr.trim()}` };
}

/** Starts every language's CURVE service at once. */
export async function startCurveServices(
  languages: readonly Language[],
  commandOf: (language: Language) => readonly string[],
): Promise<CurveServices> {
  const children: ChildProcess[] = [];
  const targets = new Map<Language, ServiceTarget>();
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(async (child) => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exitOf(child);
        clearTimeout(timer);
      }),
    );
    for (const target of targets.values()) rmSync(target.home, { recursive: true, force: true });
  };
  try {
    const started = await Promise.all(languages.map((language) => startOne(commandOf(language), children)));
    languages.forEach((language, index) => targets.set(language, started[index]!));
  } catch (error) {
    await stop();
    throw error;
  }
  return { targets, stop };
}
