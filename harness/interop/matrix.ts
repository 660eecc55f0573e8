/**
 * The cross-language interop matrix: every parent driver (TypeScript, Python, Go, Rust) against every child
 * (the same four), in both profiles, over real ZeroMQ. Each cell runs one script of calls through the parent
 * driver (docs/spec.md section 14) and checks every answer. One more row, `typescript (probe)`, is the
 * TypeScript ParentWorker with no profile pinned, run in-process, against every child made strict to the
 * table's profile: it must pick that profile by probing (MF-PROF-6, MF-PROF-7) and then pass the same script.
 * The CURVE cells (profile v3) run every driver with `MULTIFROST_CURVE=1` against every child started through
 * a check that the driver handed it a 40-character key in `MULTIFROST_CURVE_SECRET_KEY` (MF-SEC-6, MF-SEC-8):
 * a driver that ignores the request fails that check, and a driver or child that takes the key but speaks
 * plaintext fails the handshake, so a cell passes only when both sides use CURVE. The connect-mode CURVE cells
 * (profile v3, connect-curve.ts) run every driver against every language's service started with
 * `MULTIFROST_CURVE=1`, which publishes its key in its registry entry (MF-SEC-7).
 *
 *   node --import tsx harness/interop/matrix.ts          # run it and write docs/interop-matrix.md
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ErrorCode, MultifrostError } from '../../src/errors.js';
import { fromTaggedJson, toTaggedJson } from '../../src/conform/tagged-json.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';
import { PEERS, PEER_LANGUAGES, REPO_ROOT } from '../peers/peers.js';
import type { ProfileName } from '../../src/protocol/profile.js';
import { startCurveServices } from './connect-curve.js';

export type Language = 'typescript' | 'python' | 'go' | 'rust';
export const LANGUAGES: readonly Language[] = ['typescript', ...PEER_LANGUAGES];
/** The matrix's profile column: the protocol's own profile names. */
export type Profile = ProfileName;
/** The parents of the matrix: each language's driver, and the TypeScript parent left to its profile probe. */
export type ParentKind = Language | 'typescript (probe)';
export const PARENTS: readonly ParentKind[] = [...LANGUAGES, 'typescript (probe)'];

export function childCommand(language: Language): string[] {
  if (language === 'typescript') return [process.execPath, `${REPO_ROOT}dist/src/conform/reference-worker.js`];
  return [...PEERS[language].child];
}

/**
 * `argv` started through `sh`, which first checks that the parent handed over a CURVE key (40 characters, the
 * length of a Z85 key) in the child's environment, then execs the child (same process, same environment).
 */
export function curveCheckedChild(argv: readonly string[]): string[] {
  const check =
    'test "${#MULTIFROST_CURVE_SECRET_KEY}" -eq 40 || ' +
    '{ echo "FATAL: the parent set no 40-character MULTIFROST_CURVE_SECRET_KEY" >&2; exit 97; }; exec "$@"';
  return ['sh', '-c', check, 'sh', ...argv];
}

export function parentCommand(language: Language): string[] {
  if (language === 'typescript') return [process.execPath, `${REPO_ROOT}dist/src/conform/parent-driver.js`];
  return [...PEERS[language].parentDriver];
}

/** One scripted call and the check of its answer (undefined when it passed, else what went wrong). */
interface Step {
  call: { function: string; args?: unknown[]; timeout_ms?: number; namespace?: string };
  check: (answer: Answer, profile: Profile) => string | undefined;
}

interface Answer {
  seq: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  kind?: string;
}

const same =
  (expected: unknown) =>
  (answer: Answer): string | undefined =>
    answer.ok && JSON.stringify(answer.result) === JSON.stringify(expected)
      ? undefined
      : `expected ${JSON.stringify(expected)}, got ${JSON.stringify(answer)}`;
const remoteError =
  (pattern: RegExp) =>
  (answer: Answer): string | undefined =>
    !answer.ok && answer.kind === 'remote' && pattern.test(answer.error ?? '')
      ? undefined
      : `expected a remote error matching ${pattern}, got ${JSON.stringify(answer)}`;

/** Values every port must carry unchanged (tagged JSON: $int beyond 2^53, $bin for binary). */
const INTEROP_VALUES: unknown[] = [
  0,
  127,
  128,
  255,
  256,
  65535,
  65536,
  2147483647,
  2147483648,
  4294967296,
  9007199254740991,
  { $int: '9223372036854775807' },
  { $int: '-9223372036854775808' },
  -1,
  -32,
  -33,
  -128,
  -129,
  -32769,
  0.1,
  1.5,
  -2.25,
  1e300,
  '',
  'héllo wörld ✓ 🌍',
  'x'.repeat(300),
  true,
  false,
  null,
  { $bin: '' },
  { $bin: '00ff10' },
  [],
  {},
  { nested: { list: [1, 'two', [3.5, null]], empty: {} } },
];

export const SCRIPT: readonly Step[] = [
  { call: { function: 'add', args: [1, 2] }, check: same(3) },
  { call: { function: 'echo', args: [INTEROP_VALUES] }, check: same(INTEROP_VALUES) },
  { call: { function: 'nothing' }, check: same(null) },
  { call: { function: 'profile' }, check: (a, profile) => same(profile)(a) },
  { call: { function: 'fail', args: ['boom from the parent'] }, check: remoteError(/boom from the parent/) },
  { call: { function: '_secret' }, check: remoteError(/Cannot call private method/) },
  { call: { function: 'no_such_method' }, check: remoteError(/not found/) },
  {
    call: { function: 'add', args: [1, 1], namespace: 'elsewhere', timeout_ms: 500 },
    check: (a) =>
      !a.ok && a.kind === 'timeout'
        ? undefined
        : `expected a timeout (namespace mismatch is ignored), got ${JSON.stringify(a)}`,
  },
  { call: { function: 'sleep', args: [400] }, check: same(400) },
  { call: { function: 'sleep', args: [5] }, check: same(5) },
];

export interface CellResult {
  parent: ParentKind;
  child: Language;
  profile: Profile;
  /** The cell ran with CURVE on (spawn mode: MULTIFROST_CURVE=1, the child's key checked). */
  curve: boolean;
  /** Spawn mode (the driver starts the child), or connect mode (the driver discovers a running service). */
  mode: 'spawn' | 'connect';
  passed: boolean;
  failures: string[];
  durationMs: number;
}

/** A running connect-mode service: the registry directory it registered in, and its id. */
export interface ServiceTarget {
  home: string;
  serviceId: string;
  /** Set when the service cannot be used (not started, no key published): every cell against it fails so. */
  problem?: string;
}

/** The driver's environment: spawn `child` (CURVE checked when asked), or discover the service `connect`. */
function driverEnv(child: Language, profile: Profile, curve: boolean, connect?: ServiceTarget): NodeJS.ProcessEnv {
  const { MULTIFROST_CURVE: _c, MULTIFROST_SERVICE_ID: _s, MULTIFROST_CHILD_COMMAND: _x, ...inherited } = process.env;
  const common = { ...inherited, MULTIFROST_PROFILE: profile, MULTIFROST_CALL_TIMEOUT_MS: '10000' };
  if (connect !== undefined)
    return {
      ...common,
      MULTIFROST_HOME: connect.home,
      MULTIFROST_SERVICE_ID: connect.serviceId,
      MULTIFROST_DISCOVERY_TIMEOUT_MS: '5000',
    };
  return {
    ...common,
    MULTIFROST_CHILD_COMMAND: JSON.stringify(curve ? curveCheckedChild(childCommand(child)) : childCommand(child)),
    ...(curve ? { MULTIFROST_CURVE: '1' } : {}),
  };
}

/**
 * Runs the script through `parent`'s driver against `child` (spawned, or the running service `connect`);
 * never throws, reports failures.
 */
export async function runCell(
  parent: Language,
  child: Language,
  profile: Profile,
  timeoutMs = 30_000,
  curve = false,
  connect?: ServiceTarget,
): Promise<CellResult> {
  const started = performance.now();
  const failures: string[] = [];
  const mode = connect === undefined ? 'spawn' : 'connect';
  if (connect?.problem !== undefined)
    return { parent, child, profile, curve, mode, passed: false, failures: [connect.problem], durationMs: 0 };
  const [command, ...args] = parentCommand(parent);
  const driver = spawn(command!, args, {
    env: driverEnv(child, profile, curve, connect),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  driver.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  driver.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  driver.stdin.on('error', () => undefined);
  driver.stdin.end(
    `${SCRIPT.map((step, index) => JSON.stringify({ seq: index + 1, ...step.call })).join('\n')}\n{"op":"stop"}\n`,
  );
  const exit = new Promise<number | null>((resolve) => driver.once('close', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const code = await Promise.race([exit, timedOut]);
  clearTimeout(timer);
  if (code === 'timeout') {
    driver.kill('SIGKILL');
    await exit;
    failures.push(`driver did not finish within ${timeoutMs} ms`);
  } else if (code !== 0)
    failures.push(`driver exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const lines = stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Answer & { event?: string });
  const answers = new Map(lines.filter((l) => l.event === undefined).map((l) => [l.seq, l]));
  SCRIPT.forEach((step, index) => {
    const answer = answers.get(index + 1);
    const problem = answer === undefined ? 'no answer' : step.check(answer, profile);
    if (problem !== undefined) failures.push(`${step.call.function}: ${problem}`);
  });
  const order = lines.map((l) => l.seq);
  const slow = order.indexOf(SCRIPT.findIndex((s) => s.call.function === 'sleep') + 1);
  const fast = order.indexOf(SCRIPT.length);
  if (slow >= 0 && fast >= 0 && fast > slow)
    failures.push('sleep(5) finished after sleep(400): calls are not served concurrently (MF-CALL-11)');
  if (lines.at(-1)?.event !== 'stopped') failures.push('no {"event":"stopped"} line at the end');
  const durationMs = performance.now() - started;
  return { parent, child, profile, curve, mode, passed: failures.length === 0, failures, durationMs };
}

function kindOf(error: unknown): string {
  if (!(error instanceof MultifrostError)) return 'other';
  if (error.code === ErrorCode.REMOTE) return 'remote';
  if (error.code === ErrorCode.TIMEOUT) return 'timeout';
  return error.code === ErrorCode.CIRCUIT_OPEN ? 'circuit-open' : 'other';
}

/** One script call through `worker`, settled into the driver contract's answer shape. */
async function probeCall(worker: ParentWorker, step: Step, seq: number): Promise<Answer> {
  const { function: fn, args = [], timeout_ms: timeoutMs, namespace } = step.call;
  const options = {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(namespace === undefined ? {} : { namespace }),
  };
  try {
    const result = await worker.call.withOptions(options)[fn]!(...(fromTaggedJson(args) as unknown[]));
    return { seq, ok: true, result: toTaggedJson(result) };
  } catch (error) {
    return { seq, ok: false, error: error instanceof Error ? error.message : String(error), kind: kindOf(error) };
  }
}

/**
 * The `typescript (probe)` cell: the TypeScript ParentWorker with no profile pinned, in this process, against
 * `child` made strict to `profile` (MULTIFROST_PROFILE). The probe must choose `profile`; then the script runs
 * as through a driver (every call at once, answers checked alike). Never throws, reports failures.
 */
export async function runProbeCell(child: Language, profile: Profile, timeoutMs = 30_000): Promise<CellResult> {
  const started = performance.now();
  const failures: string[] = [];
  const worker = ParentWorker.spawnCommand(childCommand(child), {
    env: { MULTIFROST_PROFILE: profile },
    defaultTimeoutMs: 10_000,
    readyTimeoutMs: timeoutMs,
    outputSink: () => undefined,
  });
  try {
    await worker.start();
    if (worker.profile !== profile)
      failures.push(`the probe chose ${String(worker.profile)} for a child strict to ${profile}`);
    const order: number[] = [];
    const answers = await Promise.all(
      SCRIPT.map((step, index) =>
        probeCall(worker, step, index + 1).then((answer) => (order.push(answer.seq), answer)),
      ),
    );
    SCRIPT.forEach((step, index) => {
      const problem = step.check(answers[index]!, profile);
      if (problem !== undefined) failures.push(`${step.call.function}: ${problem}`);
    });
    const slow = SCRIPT.findIndex((s) => s.call.function === 'sleep') + 1;
    if (order.indexOf(SCRIPT.length) > order.indexOf(slow))
      failures.push('sleep(5) finished after sleep(400): calls are not served concurrently (MF-CALL-11)');
  } catch (error) {
    failures.push(`start failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await worker.stop();
  }
  return {
    parent: 'typescript (probe)',
    child,
    profile,
    curve: false,
    mode: 'spawn',
    passed: failures.length === 0,
    failures,
    durationMs: performance.now() - started,
  };
}

/** Every cell, a few at a time (the machine has two cores). */
export async function runMatrix(concurrency = 3): Promise<CellResult[]> {
  const services = await startCurveServices(LANGUAGES, childCommand);
  try {
    return await runCells(concurrency, services.targets);
  } finally {
    await services.stop();
  }
}

async function runCells(concurrency: number, services: ReadonlyMap<Language, ServiceTarget>): Promise<CellResult[]> {
  const cells: Array<() => Promise<CellResult>> = [];
  for (const profile of ['v3', 'v4'] as const) {
    for (const parent of LANGUAGES) for (const child of LANGUAGES) cells.push(() => runCell(parent, child, profile));
    for (const child of LANGUAGES) cells.push(() => runProbeCell(child, profile));
  }
  for (const parent of LANGUAGES)
    for (const child of LANGUAGES) cells.push(() => runCell(parent, child, 'v3', 30_000, true));
  for (const parent of LANGUAGES)
    for (const child of LANGUAGES) cells.push(() => runCell(parent, child, 'v3', 30_000, true, services.get(child)));
  const results: CellResult[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < cells.length) results.push(await cells[next++]!());
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

export function missingBuilds(): string[] {
  return LANGUAGES.flatMap((language) => [childCommand(language), parentCommand(language)])
    .map((argv) => argv.find((a) => a.includes('/')) ?? '')
    .filter((path) => path !== '' && !existsSync(path));
}
