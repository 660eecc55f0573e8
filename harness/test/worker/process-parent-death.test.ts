// A child exits when its parent dies, however it dies: the TypeScript child and the three reference peers
// (Python, Go, Rust) read end of file on the stdin pipe the parent owns (MULTIFROST_PARENT_PIPE=stdin, as the
// TypeScript ParentWorker sets it). Each child is started by a stand-in parent process, which the test
// SIGKILLs. The child shares the stand-in's stdout and stderr pipes, so those pipes end when the child closes
// them on its way out: that is the event waited for (then, briefly, for the process itself to be gone).
// Build the peers first: `node harness/peers/setup.mjs`.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { realClock } from '../../../src/time/real-clock.js';
import type { Socket } from '../../../src/transport/transport.js';
import { ZmqTransport } from '../../../src/transport/zmq/zmq-transport.js';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The stand-in parent: starts the child with a stdin pipe of its own and says which pid it got. */
const STAND_IN = `
const { spawn } = require('node:child_process');
const [command, ...args] = JSON.parse(process.env.MF_CHILD_ARGV);
const child = spawn(command, args, {
  env: { ...process.env, MULTIFROST_PARENT_PIPE: 'stdin' },
  stdio: ['pipe', 'inherit', 'inherit'],
});
process.stdout.write('CHILD ' + child.pid + '\\n');
`;

const CHILDREN: ReadonlyArray<{ name: string; argv: readonly string[] }> = [
  { name: 'typescript', argv: [process.execPath, '--import', 'tsx', `${root}src/conform/reference-worker.ts`] },
  ...PEER_LANGUAGES.map((language) => ({ name: language, argv: PEERS[language].child })),
];

/** Rejects after `ms` with what was awaited. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const stop = new AbortController();
  const timeout = realClock.sleep(ms, stop.signal).then(
    () => Promise.reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
    () => undefined as never,
  );
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    stop.abort();
  }
}

/** True while `pid` is a live process (a zombie waiting for init to reap it is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function kill(pid: number | undefined, group = false): void {
  if (pid === undefined) return;
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The first line of the stand-in's stdout: the child's pid. The stream stays open (its end is the event). */
function childPid(standIn: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const match = /^CHILD (\d+)$/m.exec(text);
      if (match === null) return;
      standIn.stdout!.off('data', onData);
      resolve(Number(match[1]));
    };
    standIn.stdout!.on('data', onData);
    standIn.stdout!.once('end', () => reject(new Error(`the stand-in parent ended without a child: ${text}`)));
  });
}

/** Sends heartbeats until one is answered: the child is serving (so its watch is in place). */
async function answered(dealer: Socket): Promise<void> {
  const reply = dealer.receive();
  let done = false;
  void reply.finally(() => (done = true)).catch(() => undefined);
  for (let attempt = 0; attempt < 60 && !done; attempt++) {
    const message = { app: 'comlink_ipc_v3', id: `hb-${attempt}`, type: 'heartbeat', timestamp: 0, args: [0] };
    void dealer.send([new Uint8Array(0), defaultCodec.encode(message)]).catch(() => undefined);
    await Promise.race([reply, realClock.sleep(500)]);
  }
  await within(reply, 1_000, 'a heartbeat answer');
}

describe('a child exits when its parent is SIGKILLed', () => {
  for (const { name, argv } of CHILDREN) {
    const missing = argv[0]!.startsWith('/') && !existsSync(argv[0]!) ? argv[0] : undefined;
    const skip = missing === undefined ? false : `${missing} is not built (run node harness/peers/setup.mjs)`;
    test(`${name} child`, { skip }, async (t) => {
      const dealer = new ZmqTransport().dealer();
      t.after(() => dealer.close());
      const endpoint = await dealer.bind('tcp://127.0.0.1:0');
      const port = endpoint.slice(endpoint.lastIndexOf(':') + 1);
      const standIn = spawn(process.execPath, ['-e', STAND_IN], {
        env: { ...process.env, MF_CHILD_ARGV: JSON.stringify(argv), COMLINK_ZMQ_PORT: port, COMLINK_WORKER_MODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const child: { pid?: number } = {};
      t.after(async () => {
        kill(child.pid);
        kill(standIn.pid, true);
        if (standIn.exitCode === null && standIn.signalCode === null) await once(standIn, 'exit');
      });
      let stderr = '';
      standIn.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const stderrEnded = once(standIn.stderr!, 'end');
      const stdoutEnded = once(standIn.stdout!, 'end');
      const pid = (child.pid = await within(childPid(standIn), 30_000, 'the child pid'));
      standIn.stdout!.resume();
      await within(answered(dealer), 60_000, `the ${name} child to serve`);

      process.kill(standIn.pid!, 'SIGKILL');
      const started = realClock.nowMs();
      // Both pipes end once no process holds them any more: the stand-in is dead, so once the child is.
      await within(Promise.all([stdoutEnded, stderrEnded]), 20_000, `the ${name} child to exit; stderr:\n${stderr}`);
      // A process may close its standard streams a moment before it is gone (Python does, while finalizing).
      for (let waitedMs = 0; alive(pid) && waitedMs < 5_000; waitedMs += 10) await realClock.sleep(10);
      const elapsedMs = realClock.nowMs() - started;
      assert.equal(alive(pid), false, `pid ${pid} still alive 5 s after its pipes ended`);
      process.stdout.write(`${name} child exited ${elapsedMs.toFixed(0)} ms after its parent was SIGKILLed\n`);
    });
  }
});
