/**
 * The TypeScript parent driver (docs/spec.md section 14, MF-DRV-1): runs calls read as JSON lines on stdin
 * through a ParentWorker that spawns `MULTIFROST_CHILD_COMMAND`, and prints one JSON line per settled call,
 * then `{"event":"stopped"}`. It lets foreign children be driven by the TypeScript parent in the interop
 * matrix, exactly as the Python, Go and Rust drivers drive theirs.
 */
import { createInterface } from 'node:readline';
import { ErrorCode, MultifrostError } from '../errors.js';
import { isProfileName } from '../protocol/profile.js';
import { ParentWorker } from '../worker/parent-worker.js';
import { fromTaggedJson, toTaggedJson } from './tagged-json.js';

interface CallLine {
  seq?: unknown;
  function?: unknown;
  args?: unknown;
  timeout_ms?: unknown;
  namespace?: unknown;
  op?: unknown;
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function kindOf(error: unknown): 'remote' | 'timeout' | 'other' {
  if (error instanceof MultifrostError && error.code === ErrorCode.REMOTE) return 'remote';
  if (error instanceof MultifrostError && error.code === ErrorCode.TIMEOUT) return 'timeout';
  return 'other';
}

async function main(): Promise<number> {
  const argv = JSON.parse(process.env['MULTIFROST_CHILD_COMMAND'] ?? 'null') as unknown;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    process.stderr.write('FATAL: MULTIFROST_CHILD_COMMAND must be a JSON array of strings\n');
    return 2;
  }
  const profile = process.env['MULTIFROST_PROFILE'] ?? 'v3';
  if (!isProfileName(profile)) {
    process.stderr.write(`FATAL: MULTIFROST_PROFILE must be v3 or v4, got ${profile}\n`);
    return 2;
  }
  const timeoutMs = Number(process.env['MULTIFROST_CALL_TIMEOUT_MS'] ?? 30_000);
  const worker = ParentWorker.spawnCommand(argv as string[], {
    profile,
    defaultTimeoutMs: timeoutMs,
    outputSink: (stream, text) => process.stderr.write(`[child ${stream}] ${text}\n`),
  });
  await worker.start();
  const calls: Array<Promise<void>> = [];
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const text of input) {
    if (text.trim() === '') continue;
    const line = JSON.parse(text) as CallLine;
    if (line.op === 'stop') break;
    const args = Array.isArray(line.args) ? (fromTaggedJson(line.args) as unknown[]) : [];
    const options = {
      ...(typeof line.timeout_ms === 'number' ? { timeoutMs: line.timeout_ms } : {}),
      ...(typeof line.namespace === 'string' ? { namespace: line.namespace } : {}),
    };
    calls.push(
      worker.call.withOptions(options)[String(line.function)]!(...args).then(
        (result) => emit({ seq: line.seq, ok: true, result: toTaggedJson(result) }),
        (error: unknown) => emit({ seq: line.seq, ok: false, error: error instanceof Error ? error.message : String(error), kind: kindOf(error) }),
      ),
    );
  }
  await Promise.all(calls);
  await worker.stop();
  emit({ event: 'stopped' });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`FATAL: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
