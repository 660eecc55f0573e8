/**
 * Test support for the reference peers: a raw zeromq.js DEALER talking to a peer child, and a parent
 * driver run over its JSON-lines contract. Every process started here is registered for reaping, so a
 * failing test leaves nothing running. Waits are for events, with generous deadlines on the real clock.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Dealer } from 'zeromq';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { realClock } from '../../../src/time/real-clock.js';
import type { PeerCommands } from '../../peers/peers.js';

/** What a test context offers for cleanup (node:test's `t`). */
export interface Cleanup {
  after(fn: () => unknown): void;
}

export const APP = { v3: 'comlink_ipc_v3', v4: 'comlink_ipc_v4' } as const;

/** Rejects after `ms` with a message naming what was awaited. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = realClock.setTimer(ms, () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)));
    promise.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (error: unknown) => {
        timer.cancel();
        reject(error);
      },
    );
  });
}

/** Kills `proc` (and its group when it leads one) at cleanup if it is still running. */
export function reap(t: Cleanup, proc: ChildProcess, group = false): void {
  t.after(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
    try {
      process.kill(group ? -proc.pid : proc.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await once(proc, 'exit');
  });
}

/** Resolves with the exit status once the process has exited. */
export function exitOf(proc: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (proc.exitCode !== null || proc.signalCode !== null)
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
}

export type Message = Record<string, unknown>;

/** A peer child spawned against a raw DEALER bound on 127.0.0.1 (spawn mode, MF-LIFE-1). */
export class RawChild {
  readonly received: Message[] = [];
  readonly stderr: string[] = [];
  #waiters: Array<() => void> = [];
  #nextId = 0;

  private constructor(
    readonly dealer: Dealer,
    readonly proc: ChildProcess,
  ) {}

  static async start(t: Cleanup, peer: PeerCommands, env: Record<string, string> = {}): Promise<RawChild> {
    const dealer = new Dealer({ linger: 0 });
    t.after(() => dealer.close());
    await dealer.bind('tcp://127.0.0.1:*');
    const port = String(dealer.lastEndpoint).split(':').pop() ?? '';
    const [command, ...args] = peer.child;
    const proc = spawn(command ?? '', args, {
      env: { ...process.env, COMLINK_ZMQ_PORT: port, COMLINK_WORKER_MODE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    reap(t, proc);
    const child = new RawChild(dealer, proc);
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => child.stderr.push(chunk));
    proc.stdout?.resume();
    void child.#receiveLoop();
    return child;
  }

  async #receiveLoop(): Promise<void> {
    try {
      for await (const frames of this.dealer) {
        const payload = frames[frames.length - 1];
        if (frames.length === 2 && frames[0]?.length === 0 && payload !== undefined) {
          this.received.push(defaultCodec.decodeValue(payload) as Message);
          for (const wake of this.#waiters.splice(0)) wake();
        }
      }
    } catch {
      // socket closed at cleanup
    }
  }

  /** Sends `fields` with the core fields in front; returns the id. */
  async send(app: string, type: string, fields: Message = {}, id = `t-${++this.#nextId}`): Promise<string> {
    const message = { app, id, type, timestamp: realClock.epochMs() / 1000, ...fields };
    await this.dealer.send([Buffer.alloc(0), defaultCodec.encode(message)]);
    return id;
  }

  /** Sends a CALL and waits for the reply with its id. */
  async call(app: string, fn: string, args: unknown[] = [], extra: Message = {}): Promise<Message> {
    const id = await this.send(app, 'call', { function: fn, args, ...extra });
    return this.next((m) => m['id'] === id && (m['type'] === 'response' || m['type'] === 'error'), `reply to ${fn}`);
  }

  /** The first received message (past or future) matching `match`; it is taken out of `received`. */
  async next(match: (m: Message) => boolean, what: string, ms = 20_000): Promise<Message> {
    const take = (): Message | undefined => {
      const index = this.received.findIndex(match);
      return index < 0 ? undefined : this.received.splice(index, 1)[0];
    };
    const found = await within(
      (async () => {
        for (;;) {
          const message = take();
          if (message !== undefined) return message;
          await new Promise<void>((wake) => this.#waiters.push(wake));
        }
      })(),
      ms,
      what,
    );
    return found;
  }
}

/** One line the parent driver printed. */
export type DriverLine = Record<string, unknown>;

/** Runs a parent driver over `lines` (JSON objects) and returns what it printed and its exit status. */
export async function runDriver(
  t: Cleanup,
  peer: PeerCommands,
  child: readonly string[],
  lines: readonly object[],
  env: Record<string, string> = {},
): Promise<{ lines: DriverLine[]; code: number | null; stderr: string }> {
  const [command, ...args] = peer.parentDriver;
  const proc = spawn(command ?? '', args, {
    env: { ...process.env, MULTIFROST_CHILD_COMMAND: JSON.stringify(child), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  reap(t, proc);
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const printed: DriverLine[] = [];
  const reader = createInterface({ input: proc.stdout! });
  const closed = once(reader, 'close');
  reader.on('line', (line) => {
    printed.push(JSON.parse(line) as DriverLine);
    // The child's pid (from a `pid` call) lets cleanup reap it even if the driver dies first.
    const last = printed[printed.length - 1];
    if (last?.['seq'] === 'pid' && typeof last['result'] === 'number') {
      const pid = last['result'];
      t.after(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone, as it should be
        }
      });
    }
  });
  proc.stdin?.end(lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  const { code } = await within(exitOf(proc), 60_000, `${peer.language} parent driver to exit`);
  await closed;
  return { lines: printed, code, stderr };
}
