/**
 * One line per decoded wire message, for the text and HTML reports. The catalogue's trace entries
 * (features/support/wire-trace.ts) carry `t` (ms), `dir`, `frames`, `envelope` (hex), `message` (decoded),
 * `hex`/`bytes` (undecodable payloads) or `note`. The line leads with time and direction, flags an unusual
 * envelope, and then shows the decoded message, which is what a reader scans for.
 */
import type { TraceEntry } from '../results.js';

const SHOWN = new Set([
  't',
  'timeMs',
  'atMs',
  'direction',
  'dir',
  'note',
  'message',
  'frames',
  'envelope',
  'hex',
  'bytes',
  'type',
  'id',
]);

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? 'undefined';
}

/** `[3 frames: 0a0b | <empty>]` when the frames are not the usual `[empty, payload]`; else nothing. */
function framing(entry: TraceEntry): string | undefined {
  const frames = entry['frames'];
  const envelope = Array.isArray(entry['envelope']) ? (entry['envelope'] as unknown[]).map(String) : [];
  const usual = frames === 2 && envelope.length === 1 && envelope[0] === '';
  if (frames === undefined || usual) return undefined;
  const shown = envelope.map((hex) => (hex === '' ? '<empty>' : hex)).join(' | ');
  return `[${String(frames)} frame${frames === 1 ? '' : 's'}${shown === '' ? '' : `: ${shown} | payload`}]`;
}

/** Renders a trace entry on one line. */
export function formatTraceEntry(entry: TraceEntry): string {
  const parts: string[] = [];
  const time = entry['t'] ?? entry['timeMs'] ?? entry['atMs'];
  if (typeof time === 'number') parts.push(`${time.toFixed(1).padStart(8)}ms`);
  const direction = entry['dir'] ?? entry['direction'];
  if (typeof direction === 'string') parts.push(direction.padEnd(12));
  if (typeof entry['note'] === 'string') {
    parts.push(entry['note']);
    return parts.join(' ');
  }
  const frames = framing(entry);
  if (frames !== undefined) parts.push(frames);
  if (entry['message'] !== undefined) parts.push(json(entry['message']));
  else if (entry['hex'] !== undefined)
    parts.push(`<undecodable ${String(entry['bytes'] ?? '?')} bytes: ${String(entry['hex'])}>`);
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (!SHOWN.has(key)) rest[key] = value;
  if (Object.keys(rest).length > 0) parts.push(json(rest));
  else if (
    entry['message'] === undefined &&
    entry['hex'] === undefined &&
    (entry['type'] !== undefined || entry['id'] !== undefined)
  )
    parts.push(json({ type: entry['type'], id: entry['id'] }));
  return parts.join(' ');
}
