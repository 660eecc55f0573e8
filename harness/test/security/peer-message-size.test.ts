// Memory bounded before decoding in the reference peers (MF-MSG-10, MF-SEC-3): the Python, Go and Rust
// services set libzmq MAXMSGSIZE (payload limit + 64 bytes) on their bound ROUTER, so a frame over it is
// refused as its length header arrives and the sender is disconnected, before anything is buffered. An
// intruder sends each service 3 frames of 32 MiB: the service drops its connection once per frame, its peak
// RSS (VmHWM) does not grow by the size of one frame, and a legitimate parent keeps being served. A peer that
// checked the size only after arrival would keep the connection (no disconnect) and buffer 32 MiB at least.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realClock } from '../../../src/time/real-clock.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { PEERS, PEER_LANGUAGES, type PeerLanguage } from '../../peers/peers.js';
import { reap, within, type Cleanup } from '../peers/peer-harness.js';

const zmq = createRequire(import.meta.url)('zeromq') as typeof import('zeromq');

const FRAMES = 3;
const FRAME_BYTES = 32 * 1024 * 1024;
/** Less than one frame: a peer that buffered a frame would grow its peak by at least 32 MiB. */
const PEAK_GROWTH_LIMIT_BYTES = 16 * 1024 * 1024;
const SERVICE_ID = 'size-service';

/** VmHWM (peak resident set) of a process, in bytes. */
function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

/** Starts `language`'s service in its own registry directory; resolves with its pid and port once registered. */
async function startService(t: Cleanup, language: PeerLanguage): Promise<{ pid: number; port: number }> {
  const home = mkdtempSync(join(tmpdir(), 'mf-size-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const [command, ...args] = PEERS[language].child;
  const child = spawn(command!, args, {
    env: { ...process.env, MULTIFROST_HOME: home, MULTIFROST_SERVICE_ID: SERVICE_ID },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  reap(t, child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = realClock.nowMs() + 30_000;
  // A registry file has no change event to wait on: polled, bounded.
  while (realClock.nowMs() < deadline && child.exitCode === null) {
    try {
      const entry = JSON.parse(readFileSync(join(home, 'services.json'), 'utf8'))[SERVICE_ID] as { port?: unknown };
      if (typeof entry?.port === 'number') return { pid: child.pid!, port: entry.port };
    } catch {
      // Not written yet.
    }
    await realClock.sleep(50);
  }
  throw new Error(`the ${language} service did not register within 30 s (exit ${child.exitCode}): ${stderr}`);
}

/** Sends FRAMES oversized frames at `port`; resolves with how many times the service dropped the connection. */
async function flood(t: Cleanup, port: number, frame: Buffer): Promise<number> {
  const intruder = new zmq.Dealer({ linger: 0, reconnectInterval: 10 });
  t.after(() => intruder.close());
  let dropped = 0;
  const allDropped = new Promise<void>((resolve) =>
    intruder.events.on('disconnect', () => {
      if (++dropped === FRAMES) resolve();
    }),
  );
  intruder.connect(loopbackEndpoint(port));
  for (let i = 0; i < FRAMES; i++) void intruder.send([Buffer.alloc(0), frame]).catch(() => undefined);
  await within(allDropped, 30_000, `${FRAMES} disconnects (only ${dropped} so far)`).catch(() => undefined);
  intruder.close();
  return dropped;
}

test(`the Python, Go and Rust services refuse ${FRAMES} frames of 32 MiB at the transport and keep serving (MF-SEC-3)`, async (t) => {
  const frame = Buffer.alloc(FRAME_BYTES, 0x91);
  const results = await Promise.all(
    PEER_LANGUAGES.map(async (language) => {
      const { pid, port } = await startService(t, language);
      const worker = ParentWorker.connectToPort<{ add(a: number, b: number): number }>(port, {
        heartbeatIntervalMs: 0,
        defaultTimeoutMs: 20_000,
      });
      t.after(() => worker.stop());
      await worker.start();
      assert.equal(await worker.call.add(1, 2), 3);
      const before = peakRss(pid);
      const dropped = await flood(t, port, frame);
      for (let i = 0; i < 10; i++) assert.equal(await worker.call.add(i, 1), i + 1, `${language} still serves`);
      return { language, pid, dropped, before, after: peakRss(pid) };
    }),
  );
  for (const { language, dropped, before, after } of results) {
    const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
    process.stdout.write(
      `${language} service: ${dropped} of ${FRAMES} x 32 MiB refused at the transport; peak RSS ${mb(before)} MB ` +
        `before, ${mb(after)} MB after\n`,
    );
    assert.equal(dropped, FRAMES, `${language}: each oversized frame ends the sender's connection (MAXMSGSIZE)`);
    assert.ok(after - before < PEAK_GROWTH_LIMIT_BYTES, `${language}: peak RSS grew ${mb(after - before)} MB`);
  }
});
