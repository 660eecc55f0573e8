/**
 * One line per decoded wire message, for the text and HTML reports. The catalogue's trace entries are
 * objects; the fields a reader scans first (time, direction, type, id) lead, the rest follows as JSON.
 */
import type { TraceEntry } from '../results.js';

const LEADING = ['t', 'timeMs', 'atMs', 'direction', 'dir', 'type', 'id'];

function leading(entry: TraceEntry): string[] {
  const parts: string[] = [];
  const time = entry['t'] ?? entry['timeMs'] ?? entry['atMs'];
  if (typeof time === 'number') parts.push(`${time.toFixed(1).padStart(8)}ms`);
  const direction = entry['direction'] ?? entry['dir'];
  if (typeof direction === 'string') parts.push(direction.padEnd(14));
  return parts;
}

/** Renders a trace entry on one line (the message body as compact JSON). */
export function formatTraceEntry(entry: TraceEntry): string {
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) if (!LEADING.slice(0, 5).includes(key)) rest[key] = value;
  const body = JSON.stringify(rest, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
  return [...leading(entry), body].join(' ');
}
