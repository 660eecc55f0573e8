/**
 * The TypeScript parent driver (docs/spec.md section 14, MF-DRV-1, MF-DRV-2): runs calls read as JSON lines
 * on stdin through a ParentWorker that spawns `MULTIFROST_CHILD_COMMAND` (or connects to the service
 * `MULTIFROST_SERVICE_ID`), and prints a hello line with its capabilities, one JSON line per settled call,
 * event lines (heartbeats, breaker, restarts), then `{"event":"stopped"}`. It lets foreign children be driven
 * by the TypeScript parent in the interop matrix, and it is the parent the kit's parent-role scenarios check
 * when no foreign driver is given.
 */
import { createInterface } from 'node:readline';
import { ErrorCode, MultifrostError } from '../errors.js';
import { isProfileName } from '../protocol/profile.js';
import type { ParentWorkerOptions } from '../worker/parent/parent-options.js';
import { ParentWorker } from '../worker/parent/parent-worker.js';
import type { WorkerEvent } from '../worker/parent/events.js';
import { isMainModule } from './main-module.js';
import { fromTaggedJson, toTaggedJson } from './tagged-json.js';

/** Every optional capability of the driver contract: the TypeScript ParentWorker has them all. */
export const TYPESCRIPT_DRIVER_CAPABILITIES: readonly string[] = [
  'per-call-timeout',
  'namespace',
  'stop-grace',
  'client-name',
  'heartbeat',
  'breaker',
  'restart',
  'connect',
  'curve',
  'probe',
];

interface CallLine {
  seq?: unknown;
  function?: unknown;
  args?: unknown;
  timeout_ms?: unknown;
  namespace?: unknown;
  op?: unknown;
  drain?: unknown;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function kindOf(error: unknown): 'remote' | 'timeout' | 'circuit-open' | 'other' {
  if (!(error instanceof MultifrostError)) return 'other';
  if (error.code === ErrorCode.REMOTE) return 'remote';
  if (error.code === ErrorCode.TIMEOUT) return 'timeout';
  if (error.code === ErrorCode.CIRCUIT_OPEN) return 'circuit-open';
  return 'other';
}

/** The driver contract's event line for a worker event, if it has one. */
function eventLine(event: WorkerEvent): Record<string, unknown> | undefined {
  switch (event.type) {
    case 'heartbeat-rtt':
      return { event: 'heartbeat-rtt', rtt_ms: event.rttMs };
    case 'heartbeat-missed':
      return { event: 'heartbeat-missed', misses: event.misses };
    case 'breaker-changed':
      return { event: 'breaker', state: event.to };
    case 'child-exited':
      return event.expected ? undefined : { event: 'child-exited', code: event.code, signal: event.signal };
    case 'restarted':
      return { event: 'restarted' };
    default:
      return undefined;
  }
}

/** A non-negative whole number of ms from the environment, or undefined when unset. */
function envNumber(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${text}`);
  return value;
}

/** ParentWorker options from the driver contract's environment (spec section 14, capabilities). */
function optionsFromEnv(): ParentWorkerOptions {
  const profile = process.env['MULTIFROST_PROFILE'] ?? 'v3';
  // `probe` (capability `probe`): no profile given, the ParentWorker probes for it (MF-PROF-6).
  if (!isProfileName(profile) && profile !== 'probe')
    throw new Error(`MULTIFROST_PROFILE must be v3, v4 or probe, got ${profile}`);
  const pick = (entries: Array<[keyof ParentWorkerOptions, unknown]>): ParentWorkerOptions =>
    Object.fromEntries(entries.filter(([, value]) => value !== undefined)) as ParentWorkerOptions;
  return pick([
    ['profile', profile === 'probe' ? undefined : profile],
    ['defaultTimeoutMs', envNumber('MULTIFROST_CALL_TIMEOUT_MS') ?? 30_000],
    ['stopGraceMs', envNumber('MULTIFROST_STOP_GRACE_MS')],
    ['heartbeatIntervalMs', envNumber('MULTIFROST_HEARTBEAT_INTERVAL_MS')],
    ['heartbeatTimeoutMs', envNumber('MULTIFROST_HEARTBEAT_TIMEOUT_MS')],
    ['heartbeatMaxMisses', envNumber('MULTIFROST_HEARTBEAT_MAX_MISSES')],
    ['maxRestartAttempts', envNumber('MULTIFROST_BREAKER_THRESHOLD') ?? envNumber('MULTIFROST_MAX_RESTARTS')],
    ['breakerCooldownMs', envNumber('MULTIFROST_BREAKER_COOLDOWN_MS')],
    ['autoRestart', process.env['MULTIFROST_AUTO_RESTART'] === '1' ? true : undefined],
    ['discoverTimeoutMs', envNumber('MULTIFROST_DISCOVERY_TIMEOUT_MS')],
    ['curve', process.env['MULTIFROST_CURVE'] === '1' ? true : undefined],
    ['outputSink', (stream: string, text: string) => void process.stderr.write(`[child ${stream}] ${text}\n`)],
  ]);
}

async function openWorker(options: ParentWorkerOptions): Promise<ParentWorker> {
  const serviceId = process.env['MULTIFROST_SERVICE_ID'];
  const command = process.env['MULTIFROST_CHILD_COMMAND'];
  if (command === undefined && serviceId !== undefined && serviceId !== '')
    return ParentWorker.connect(serviceId, options);
  const argv = JSON.parse(command ?? 'null') as unknown;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new Error(
      'MULTIFROST_CHILD_COMMAND must be a JSON array of strings (or set MULTIFROST_SERVICE_ID for connect mode)',
    );
  }
  return ParentWorker.spawnCommand(argv as string[], options);
}

async function main(): Promise<number> {
  emit({ event: 'hello', capabilities: TYPESCRIPT_DRIVER_CAPABILITIES, name: 'TypeScript reference driver' });
  let worker: ParentWorker;
  try {
    worker = await openWorker(optionsFromEnv());
    worker.on((event) => {
      const line = eventLine(event);
      if (line !== undefined) emit(line);
    });
    await worker.start();
  } catch (error) {
    emit({ event: 'start-failed', error: error instanceof Error ? error.message : String(error) });
    return 1;
  }
  const clientName = process.env['MULTIFROST_CLIENT_NAME'];
  const calls = new Set<Promise<void>>();
  let drain = true;
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const text of input) {
    if (text.trim() === '') continue;
    const line = JSON.parse(text) as CallLine;
    if (line.op === 'stop') {
      drain = line.drain !== false;
      break;
    }
    const args = Array.isArray(line.args) ? (fromTaggedJson(line.args) as unknown[]) : [];
    const options = {
      ...(clientName === undefined || clientName === '' ? {} : { clientName }),
      ...(typeof line.timeout_ms === 'number' ? { timeoutMs: line.timeout_ms } : {}),
      ...(typeof line.namespace === 'string' ? { namespace: line.namespace } : {}),
    };
    const call: Promise<void> = worker.call.withOptions(options)[String(line.function)]!(...args).then(
      (result) => emit({ seq: line.seq, ok: true, result: toTaggedJson(result) }),
      (error: unknown) =>
        emit({
          seq: line.seq,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
          kind: kindOf(error),
        }),
    );
    calls.add(call);
    void call.then(() => calls.delete(call));
  }
  if (drain) await Promise.all(calls);
  await worker.stop();
  await Promise.all(calls);
  emit({ event: 'stopped' });
  return 0;
}

if (isMainModule(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`FATAL: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
