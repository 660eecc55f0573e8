/** Reads a `--record` file back: its sessions (one per relay, i.e. per worker process), each message in order. */
import { InvalidArgumentError } from '../../errors.js';
import type { RecordedDirection } from './recording-tap.js';

export interface RecordedMessage {
  /** Ms since the relay started. */
  t: number;
  dir: RecordedDirection;
  frames: Uint8Array[];
  /** The decoded payload as the trace shows it (for the report only). */
  message: unknown;
}

export interface RecordedSession {
  session: string;
  /** The worker command the relay ran. */
  worker: string[];
  messages: RecordedMessage[];
}

function fromHex(hex: string, where: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex))
    throw new InvalidArgumentError('recording', `${where}: a frame is not whole lower-case hex (cut or edited?)`);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** @throws InvalidArgumentError naming the line that is not a recording line. */
export function readRecording(text: string, file = 'recording'): RecordedSession[] {
  const sessions = new Map<string, RecordedSession>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new InvalidArgumentError('recording', `${where}: not a JSON line`);
    }
    const session = String(record['session'] ?? '');
    if (record['ev'] === 'plan') {
      sessions.set(session, { session, worker: (record['worker'] as string[] | undefined) ?? [], messages: [] });
      return;
    }
    if (record['ev'] !== 'send') return;
    const owner = sessions.get(session);
    const dir = record['dir'];
    if (owner === undefined || (dir !== 'parent->child' && dir !== 'child->parent') || !Array.isArray(record['frames']))
      throw new InvalidArgumentError('recording', `${where}: a send line of no recorded session (made with --record?)`);
    owner.messages.push({
      t: Number(record['t']),
      dir,
      frames: (record['frames'] as string[]).map((hex) => fromHex(hex, where)),
      message: record['message'],
    });
  });
  if (sessions.size === 0) throw new InvalidArgumentError('recording', `${file}: no recorded session (no plan line)`);
  return [...sessions.values()];
}
