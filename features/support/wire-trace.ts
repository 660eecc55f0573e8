/**
 * The decoded wire trace of one scenario: every frame the kit sent or received, with the time on the run's
 * clock and the direction. Attached to the scenario (media type {@link TRACE_MEDIA_TYPE}) so that a failure
 * report shows exactly what went over the wire. Entries are JSON-safe: bigints become `"<n>n"`, binary data
 * `{ "$bin": hex }`, undecodable payloads their leading bytes in hex.
 */
import { defaultCodec } from '../../src/protocol/codec.js';
import type { Clock } from '../../src/time/clock.js';
import type { Frames } from '../../src/transport/transport.js';

/** Media type of the attachment (the CLI's reports look for it). */
export const TRACE_MEDIA_TYPE = 'application/vnd.multifrost.trace+json';

/** Who sent a message: the kit (playing parent or child) or the implementation under test. */
export type TraceDirection =
  'kit->worker' | 'worker->kit' | 'kit->parent' | 'parent->kit' | 'parent->worker' | 'worker->parent' | 'sim' | 'note';

export interface TraceEntry {
  /** Milliseconds since the scenario started, on the run's clock (virtual time on the simulator). */
  t: number;
  dir: TraceDirection;
  type?: string;
  id?: string;
  /** Number of frames of the multipart message. */
  frames?: number;
  /** Frames before the payload (envelope), hex. */
  envelope?: string[];
  message?: unknown;
  /** Leading bytes of a payload that does not decode, or of one too large to show. */
  hex?: string;
  bytes?: number;
  note?: string;
}

/** Payloads above this size are summarised, not decoded into the trace. */
const LARGEST_DECODED_BYTES = 64 * 1024;

/** Makes a decoded value JSON-safe (see the module comment). */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return { $bin: Buffer.from(value).toString('hex') };
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = jsonSafe(item);
    return out;
  }
  return value;
}

export class WireTrace {
  readonly entries: TraceEntry[] = [];
  readonly startedMs: number;

  constructor(private readonly clock: Clock) {
    this.startedMs = clock.nowMs();
  }

  /** Records a multipart message; the payload is the last frame. */
  record(dir: TraceDirection, frames: Frames): void {
    const entry: TraceEntry = { t: this.elapsed(), dir, frames: frames.length };
    const payload = frames[frames.length - 1];
    if (frames.length > 1) entry.envelope = frames.slice(0, -1).map((frame) => Buffer.from(frame).toString('hex'));
    if (payload === undefined) {
      this.entries.push(entry);
      return;
    }
    entry.bytes = payload.byteLength;
    if (payload.byteLength > LARGEST_DECODED_BYTES) {
      entry.hex = Buffer.from(payload.subarray(0, 32)).toString('hex');
      entry.note = `payload of ${payload.byteLength} bytes, not decoded`;
    } else {
      try {
        const message = defaultCodec.decodeValue(payload);
        entry.message = jsonSafe(message);
        if (typeof message === 'object' && message !== null) {
          const { type, id } = message as { type?: unknown; id?: unknown };
          if (typeof type === 'string') entry.type = type;
          if (typeof id === 'string') entry.id = id;
        }
      } catch (error) {
        entry.hex = Buffer.from(payload.subarray(0, 64)).toString('hex');
        entry.note = `undecodable: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    this.entries.push(entry);
  }

  /** A free-text line (process exits, signals, what a step is about to do). */
  note(text: string): void {
    this.entries.push({ t: this.elapsed(), dir: 'note', note: text });
  }

  toJson(): string {
    return JSON.stringify(this.entries);
  }

  private elapsed(): number {
    return Math.round((this.clock.nowMs() - this.startedMs) * 1000) / 1000;
  }
}

/**
 * Adds a line of the simulator's own trace (SimNetwork JSON lines, used for @internal scenarios where the
 * TypeScript parent and the reference worker talk to each other): sends become wire entries, the rest notes.
 */
export function simTraceEntry(trace: WireTrace, line: string, startedMs: number): void {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    trace.entries.push({ t: 0, dir: 'note', note: line });
    return;
  }
  const t = typeof parsed['t'] === 'number' ? parsed['t'] - startedMs : 0;
  if (parsed['ev'] === 'deliver') return; // every send is delivered unless a fault says otherwise
  if (parsed['ev'] !== 'send') {
    const { t: _t, ev, ...rest } = parsed;
    trace.entries.push({ t, dir: 'sim', note: `${String(ev)} ${JSON.stringify(rest)}` });
    return;
  }
  const message = parsed['message'] as Record<string, unknown> | undefined;
  const fromParent = String(parsed['from']).startsWith('parent') || String(parsed['from']).startsWith('client');
  const entry: TraceEntry = {
    t,
    dir: fromParent ? 'parent->worker' : 'worker->parent',
    note: `${String(parsed['from'])} -> ${String(parsed['to'])}`,
  };
  if (Array.isArray(parsed['frames'])) entry.frames = parsed['frames'].length;
  if (typeof message?.['type'] === 'string') entry.type = message['type'];
  if (typeof message?.['id'] === 'string') entry.id = message['id'];
  entry.message = message ?? parsed['frames'];
  if (parsed['faults'] !== undefined) entry.note += ` faults ${JSON.stringify(parsed['faults'])}`;
  trace.entries.push(entry);
}
