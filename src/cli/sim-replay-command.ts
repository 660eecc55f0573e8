/**
 * `multifrost-conform sim-replay <recording>`: replays each session of a `--record` file in the simulator
 * against the TypeScript child (conform/record/replay-session.ts), or with `--role parent` the recorded
 * child's part against the TypeScript parent (replay-parent.ts, `--timeout` its call timeout), and prints,
 * per session, what was replayed and a digest of the trace (the same on every replay); `--trace` prints it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EXIT } from '../conform/exit-codes.js';
import { readRecording } from '../conform/record/recording.js';
import { replayAgainstParent } from '../conform/record/replay-parent.js';
import { replaySession } from '../conform/record/replay-session.js';
import type { CliOptions } from './cli-options.js';
import { UsageError } from './usage-error.js';

type Stream = { write(text: string): boolean };

const digest = (trace: readonly string[]): string =>
  createHash('sha256').update(trace.join('\n')).digest('hex').slice(0, 16);

export async function runSimReplay(options: CliOptions, out: Stream = process.stdout): Promise<number> {
  const file = options.script!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError('sim-replay', `cannot read the recording ${file}: ${(error as Error).message}`);
  }
  const sessions = readRecording(text, file);
  for (const session of sessions) {
    const worker = session.worker.join(' ') || 'worker';
    if (options.role === 'parent') {
      // The recorded child's part against the TypeScript parent, with the user's call timeout.
      const outcome = await replayAgainstParent(
        session,
        options.timeoutMs === undefined ? {} : { defaultTimeoutMs: options.timeoutMs },
      );
      out.write(
        `multifrost-conform: sim-replay session ${session.session} (${worker}) against the TypeScript parent: ${outcome.calls.length} call(s): ${outcome.calls.join('; ') || 'none'}; trace ${outcome.trace.length} lines, sha256 ${digest(outcome.trace)}\n`,
      );
      if (options.trace) out.write(`${outcome.trace.join('\n')}\n`);
      continue;
    }
    const outcome = await replaySession(session);
    out.write(
      `multifrost-conform: sim-replay session ${session.session} (${worker}): ${outcome.sent} message(s) replayed to the TypeScript child over ${outcome.durationMs} ms of virtual time, ${outcome.received} came back; trace ${outcome.trace.length} lines, sha256 ${digest(outcome.trace)}\n`,
    );
    if (options.trace) out.write(`${outcome.trace.join('\n')}\n`);
  }
  return EXIT.PASS;
}
