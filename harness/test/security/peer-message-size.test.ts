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
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { realClock } from '../../../src/time/real-clock.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { PEERS, PEER_LANGUAGES, type PeerLanguage } from '../../peers/peers.js';
import { exitOf, reap, within, type Cleanup } from '../peers/peer-harness.js';

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

/**
 * A raw TCP intruder that speaks just enough ZMTP 3.0 (greeting, NULL mechanism, READY as a DEALER) to reach
 * the data phase, then announces one frame of `bytes` and starts sending it. Resolves when the peer closes the
 * connection. It never re-connects, so no CALL of the parent is ever routed to it once it is gone. Destroyed at
 * cleanup if the peer never closes it (a peer without MAXMSGSIZE waits for the rest of the frame).
 */
function rawOversizedFrame(t: Cleanup, port: number, bytes: number): Promise<void> {
  const greeting = Buffer.alloc(64);
  greeting[0] = 0xff;
  greeting[9] = 0x7f;
  greeting[10] = 3; // version 3.0
  greeting.write('NULL', 12, 'ascii');
  const property = (name: string, value: string): Buffer =>
    Buffer.concat([Buffer.from([name.length]), Buffer.from(name), u32(value.length), Buffer.from(value)]);
  const readyBody = Buffer.concat([Buffer.from([5]), Buffer.from('READY'), property('Socket-Type', 'DEALER')]);
  const header = Buffer.alloc(9);
  header[0] = 0x02; // a long frame, the last of its message
  header.writeBigUInt64BE(BigInt(bytes), 1);
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    t.after(() => socket.destroy());
    socket.on('error', () => undefined); // the peer resets the connection while we still write
    socket.once('close', () => resolve());
    socket.write(Buffer.concat([greeting, Buffer.from([0x04, readyBody.length]), readyBody, header]));
    socket.write(Buffer.alloc(bytes, 0x91));
  });
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

/** A driver whose child writes its pid and the parent's port to `portFile` before it starts (the driver binds it). */
function startDriver(t: Cleanup, language: PeerLanguage, portFile: string) {
  const report = 'printf "%s %s" "$$" "$COMLINK_ZMQ_PORT" > "$0"; exec "$@"';
  const child = ['sh', '-c', report, portFile, ...PEERS[language].child];
  const [command, ...args] = PEERS[language].parentDriver;
  const proc = spawn(command!, args, {
    env: { ...process.env, MULTIFROST_CHILD_COMMAND: JSON.stringify(child), MULTIFROST_HEARTBEAT_INTERVAL_MS: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  reap(t, proc);
  proc.stderr.resume();
  const lines = createInterface({ input: proc.stdout });
  const answers = new Map<number, (line: Record<string, unknown>) => void>();
  lines.on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    answers.get(Number(line['seq']))?.(line);
  });
  let seq = 0;
  const call = (a: number, b: number): Promise<Record<string, unknown>> => {
    const mine = ++seq;
    const answered = new Promise<Record<string, unknown>>((resolve) => answers.set(mine, resolve));
    proc.stdin.write(`${JSON.stringify({ seq: mine, function: 'add', args: [a, b], timeout_ms: 10_000 })}\n`);
    return within(answered, 30_000, `the ${language} driver's answer to call ${mine}`);
  };
  return { proc, call };
}

test('the Python, Go and Rust parents refuse a 32 MiB frame on their spawn-mode port at the transport (MF-SEC-3)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-size-parent-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const results = await Promise.all(
    PEER_LANGUAGES.map(async (language) => {
      const driver = startDriver(t, language, join(dir, language));
      assert.equal((await driver.call(1, 2))['result'], 3);
      const [childPid, port] = readFileSync(join(dir, language), 'utf8').split(' ').map(Number) as [number, number];
      // The child holds the driver's stderr: reaped too, so a failing run leaves nothing behind.
      t.after(() => {
        try {
          process.kill(childPid, 'SIGKILL');
        } catch {
          // gone, as it should be
        }
      });
      const before = peakRss(driver.proc.pid!);
      await within(rawOversizedFrame(t, port, FRAME_BYTES), 30_000, `the ${language} parent to drop the intruder`);
      const after = peakRss(driver.proc.pid!);
      assert.equal((await driver.call(40, 2))['result'], 42, `${language} parent still calls its child`);
      driver.proc.stdin.end('{"op":"stop"}\n');
      assert.equal((await within(exitOf(driver.proc), 30_000, `the ${language} driver to stop`)).code, 0);
      return { language, before, after };
    }),
  );
  for (const { language, before, after } of results) {
    const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
    process.stdout.write(
      `${language} parent: intruder dropped; peak RSS ${mb(before)} MB before, ${mb(after)} MB after\n`,
    );
    assert.ok(after - before < PEAK_GROWTH_LIMIT_BYTES, `${language}: peak RSS grew ${mb(after - before)} MB`);
  }
});
