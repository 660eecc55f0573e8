// A reference parent driver that is SIGKILLed leaves no orphan: each driver gives its child a stdin pipe
// and sets MULTIFROST_PARENT_PIPE=stdin (as the TypeScript ParentWorker does), so the child reads end of
// file when the driver dies and stops. The child runs in its own process group, so only that watch can end
// it here. Needs `node harness/peers/setup.mjs`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { realClock } from '../../../src/time/real-clock.js';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import { reap, within } from './peer-harness.js';

/** True while `pid` is a live process (a zombie waiting for its new parent to reap it is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once `pid` is gone, polling every 20 ms. */
async function gone(pid: number): Promise<void> {
  while (alive(pid)) await realClock.sleep(20);
}

for (const language of PEER_LANGUAGES) {
  const peer = PEERS[language];
  test(`${language} parent driver: its child exits when the driver is SIGKILLed`, { timeout: 60_000 }, async (t) => {
    const [command, ...args] = peer.parentDriver;
    const driver = spawn(command ?? '', args, {
      env: { ...process.env, MULTIFROST_CHILD_COMMAND: JSON.stringify(peer.child) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    reap(t, driver);
    let stderr = '';
    driver.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const lines = createInterface({ input: driver.stdout });
    const pidLine = new Promise<number>((resolve, reject) => {
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed['seq'] !== 'pid') return;
        if (parsed['ok'] === true && typeof parsed['result'] === 'number') resolve(parsed['result']);
        else reject(new Error(`the pid call failed: ${line}`));
      });
      lines.once('close', () => reject(new Error('the driver ended before answering the pid call')));
    });
    // stdin stays open: the driver waits for more calls, and dies only by the SIGKILL below.
    driver.stdin.write(JSON.stringify({ seq: 'pid', function: 'pid', args: [] }) + '\n');
    const pid = await within(pidLine, 30_000, `the ${language} child's pid; driver stderr:\n${stderr}`);
    t.after(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    });
    assert.ok(alive(pid), `the ${language} child (pid ${pid}) is running before its driver dies`);

    driver.kill('SIGKILL');
    const started = realClock.nowMs();
    await within(gone(pid), 15_000, `the ${language} child (pid ${pid}) to exit after its driver was SIGKILLed`);
    const elapsedMs = realClock.nowMs() - started;
    process.stdout.write(`${language} child exited ${elapsedMs.toFixed(0)} ms after its driver was SIGKILLed\n`);
  });
}
