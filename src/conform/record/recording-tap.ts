/**
 * The recording tap of the kit's relay (`--record <file>`): every message crossing the relay, as it arrived
 * (before any fault), appended to the file as one line of the simulator's trace format with its time in ms
 * since the relay (and its worker) started. Several relays of a run share the file: each line carries the
 * relay's `session`, and each session starts with its own `plan` line, so `readRecording` can split them.
 * Lines are appended synchronously: the kit ends a scenario by killing the relay, and a buffered line would
 * be lost.
 */
import { appendFileSync } from 'node:fs';
import { toHex, toTraceValue } from '../../transport/sim/trace-value.js';
import type { Frames } from '../../transport/transport.js';

export type RecordedDirection = 'parent->child' | 'child->parent';

export class RecordingTap {
  constructor(
    private readonly file: string,
    private readonly session: string,
    worker: readonly string[],
  ) {
    this.line({ t: 0, ev: 'plan', seed: 1, latencyMs: 0, faults: [], session, recorded: 'relay', worker });
  }

  /** Records one message; `atMs` is the time since the relay started. Frames are kept whole (full hex). */
  message(seq: number, direction: RecordedDirection, frames: Frames, decoded: unknown, atMs: number): void {
    const toChild = direction === 'parent->child';
    this.line({
      t: Math.round(atMs * 1000) / 1000,
      ev: 'send',
      session: this.session,
      msg: seq,
      dir: direction,
      from: toChild ? 'parent/dealer' : 'child/router',
      to: toChild ? 'child/router' : 'parent/dealer',
      endpoint: 'relay',
      frames: frames.map(toHex),
      message: toTraceValue(decoded),
    });
  }

  private line(record: Record<string, unknown>): void {
    try {
      appendFileSync(this.file, `${JSON.stringify(record)}\n`);
    } catch {
      // A recording that cannot be written must not change what the worker sees; the replay says what is missing.
    }
  }
}
