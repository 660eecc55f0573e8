// Memory bounded before decoding (MF-MSG-10, MF-SEC-3), with a real child process: an intruder sends 40
// messages of 32 MiB at a connect-mode service while its only handler blocks the event loop for 5 s. The
// transport refuses each at its length header (libzmq MAXMSGSIZE), so the child's peak RSS stays small, the
// call in progress is answered, and calls keep being served afterwards.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UnverifiedPeerError } from '../../../src/errors.js';
import { realClock } from '../../../src/time/real-clock.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';

const zmq = createRequire(import.meta.url)('zeromq') as typeof import('zeromq');
const script = fileURLToPath(new URL('./scripts/busy-service.ts', import.meta.url));
const referenceWorker = fileURLToPath(new URL('../../../src/conform/reference-worker.ts', import.meta.url));

const MESSAGES = 40;
const MESSAGE_BYTES = 32 * 1024 * 1024;
const BUSY_MS = 5_000;
const RSS_LIMIT_BYTES = 200 * 1024 * 1024;

interface BusyApi {
  busy(ms: number): number;
  ping(): string;
}

/** VmHWM (peak resident set) and VmRSS of a process, in bytes, from /proc/<pid>/status. */
async function memoryOf(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

/** Resolves with the service's port once it is registered (event-free file, so polled; bounded). */
async function registeredPort(home: string, serviceId: string, exited: () => boolean): Promise<number> {
  const deadline = realClock.nowMs() + 30_000;
  while (realClock.nowMs() < deadline && !exited()) {
    try {
      const entry = JSON.parse(await readFile(join(home, 'services.json'), 'utf8'))[serviceId];
      if (typeof entry?.port === 'number') return entry.port;
    } catch {
      // Not written yet.
    }
    await realClock.sleep(50);
  }
  throw new Error(`service ${serviceId} did not register within 30 s`);
}

test('40 messages of 32 MiB at a child busy in a 5 s handler: peak RSS under 200 MB, calls still served (MF-SEC-3)', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'mf-memory-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, MULTIFROST_HOME: home, MF_TEST_SERVICE_ID: 'busy' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  t.after(async () => {
    if (!exited) process.kill(-child.pid!, 'SIGKILL');
    await exit;
  });

  const port = await registeredPort(home, 'busy', () => exited);
  const before = await memoryOf(child.pid!);
  const worker = ParentWorker.connectToPort<BusyApi>(port, { heartbeatIntervalMs: 0, defaultTimeoutMs: 60_000 });
  t.after(() => worker.stop());
  await worker.start();
  assert.equal(await worker.call.ping(), 'pong');

  const busy = worker.call.busy(BUSY_MS);
  // The intruder: a raw DEALER that re-connects quickly each time the child drops it for an oversized frame.
  const intruder = new zmq.Dealer({ linger: 0, reconnectInterval: 10 });
  t.after(() => intruder.close());
  let dropped = 0;
  const allDropped = new Promise<void>((resolve) => {
    intruder.events.on('disconnect', () => {
      if (++dropped === MESSAGES) resolve();
    });
  });
  intruder.connect(loopbackEndpoint(port));
  const oversized = Buffer.alloc(MESSAGE_BYTES, 0x91);
  for (let i = 0; i < MESSAGES; i++) void intruder.send([Buffer.alloc(0), oversized]).catch(() => undefined);
  assert.equal(await busy, BUSY_MS, 'the call in progress is answered');
  for (let i = 0; i < 20; i++) assert.equal(await worker.call.ping(), 'pong');
  const after = await memoryOf(child.pid!);
  process.stdout.write(
    `RSS of the child: before ${(before.peak / 1048576).toFixed(1)} MB peak, after ${MESSAGES} x 32 MiB ` +
      `${(after.peak / 1048576).toFixed(1)} MB peak (VmHWM), ${(after.now / 1048576).toFixed(1)} MB now; ` +
      `${dropped} refused by the time the handler returned\n`,
  );
  assert.ok(after.peak < RSS_LIMIT_BYTES, `peak RSS ${after.peak} bytes; child stderr:\n${stderr}`);
  // Each one was refused at the transport: the child dropped the intruder's connection once per message.
  const stopGuard = new AbortController();
  const guard = realClock.sleep(60_000, stopGuard.signal).then(
    () => 'timeout',
    () => 'stopped',
  );
  const outcome = await Promise.race([allDropped, guard]);
  stopGuard.abort();
  assert.notEqual(outcome, 'timeout', `only ${dropped} of ${MESSAGES} refused within 60 s`);
  assert.equal(exited, false, `the child exited; stderr:\n${stderr}`);
});

test('the parent refuses oversized frames too: an intruder on its spawn-mode port is dropped, calls go on (MF-SEC-3)', async (t) => {
  const worker = ParentWorker.spawn<{ add(a: number, b: number): number }>(referenceWorker, undefined, {
    heartbeatIntervalMs: 0,
    defaultTimeoutMs: 30_000,
  });
  let endpoint: string | undefined;
  worker.on((event) => {
    if (event.type === 'started') endpoint = event.endpoint;
  });
  t.after(() => worker.stop());
  await worker.start();
  assert.equal(await worker.call.add(1, 2), 3);

  const intruder = new zmq.Dealer({ linger: 0, reconnectInterval: 10 });
  t.after(() => intruder.close());
  const count = 10;
  let dropped = 0;
  const allDropped = new Promise<void>((resolve) => {
    intruder.events.on('disconnect', () => {
      if (++dropped === count) resolve();
    });
  });
  intruder.connect(endpoint!);
  const oversized = Buffer.alloc(MESSAGE_BYTES, 0x91);
  for (let i = 0; i < count; i++) void intruder.send([Buffer.alloc(0), oversized]).catch(() => undefined);
  const stopGuard = new AbortController();
  const guard = realClock.sleep(60_000, stopGuard.signal).then(
    () => 'timeout',
    () => 'stopped',
  );
  const outcome = await Promise.race([allDropped, guard]);
  stopGuard.abort();
  assert.notEqual(outcome, 'timeout', `only ${dropped} of ${count} refused within 60 s`);
  intruder.close();
  // Until the parent has seen the intruder leave, its second-peer guard refuses calls (MF-SEC-9).
  for (let attempt = 0; ; attempt++) {
    try {
      assert.equal(await worker.call.add(40, 2), 42);
      break;
    } catch (error) {
      if (!(error instanceof UnverifiedPeerError) || attempt >= 100) throw error;
      await realClock.sleep(50);
    }
  }
});
