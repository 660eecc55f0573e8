/**
 * Memory bounded before decoding (MF-MSG-10, MF-SEC-3), at full size: an intruder sends MF_BOUND_MESSAGES
 * (default 40) messages of 32 MiB at a connect-mode service whose handler blocks its event loop for 5 s. The
 * child's peak RSS (VmHWM from /proc) is read before and after; calls must still be served afterwards.
 *
 *   node --import tsx harness/reliability/memory-bound.ts
 *
 * Prints `RESULT <json>`; exits 1 on a violation (peak RSS of 200 MB or more, a call not served, a message not
 * refused). The same scenario runs in `npm test` as harness/test/worker/process-memory.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { realClock } from '../../src/time/real-clock.js';
import { loopbackEndpoint } from '../../src/transport/transport.js';
import { ParentWorker } from '../../src/worker/parent/parent-worker.js';

const zmq = createRequire(import.meta.url)('zeromq') as typeof import('zeromq');
const script = fileURLToPath(new URL('../test/worker/scripts/busy-service.ts', import.meta.url));

export interface MemoryBoundResult {
  messages: number;
  messageBytes: number;
  busyMs: number;
  /** VmHWM before the attack, bytes. */
  peakBefore: number;
  /** VmHWM after the attack and the calls, bytes. */
  peakAfter: number;
  /** Messages the child refused at the transport (the intruder's connection dropped once each). */
  refused: number;
  /** Calls answered after the attack. */
  callsAfter: number;
  limitBytes: number;
  violations: string[];
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN) * 1024;
}

async function registeredPort(home: string): Promise<number> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      const port = JSON.parse(await readFile(join(home, 'services.json'), 'utf8'))['busy']?.port;
      if (typeof port === 'number') return port;
    } catch {
      // Not written yet.
    }
    await realClock.sleep(50);
  }
  throw new Error('the busy service did not register within 30 s');
}

async function attack(port: number, messages: number, messageBytes: number): Promise<() => number> {
  const intruder = new zmq.Dealer({ linger: 0, reconnectInterval: 10 });
  let refused = 0;
  intruder.events.on('disconnect', () => void refused++);
  intruder.connect(loopbackEndpoint(port));
  const oversized = Buffer.alloc(messageBytes, 0x91);
  for (let i = 0; i < messages; i++) void intruder.send([Buffer.alloc(0), oversized]).catch(() => undefined);
  return () => {
    intruder.close();
    return refused;
  };
}

async function main(): Promise<void> {
  const messages = Number(process.env['MF_BOUND_MESSAGES'] ?? 40);
  const messageBytes = 32 * 1024 * 1024;
  const busyMs = 5_000;
  const limitBytes = 200 * 1024 * 1024;
  const home = await mkdtemp(join(tmpdir(), 'mf-bound-'));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, MULTIFROST_HOME: home, MF_TEST_SERVICE_ID: 'busy' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const violations: string[] = [];
  try {
    const port = await registeredPort(home);
    const peakBefore = await peakRss(child.pid!);
    const worker = ParentWorker.connectToPort<{ busy(ms: number): number; ping(): string }>(port, {
      heartbeatIntervalMs: 0,
      defaultTimeoutMs: 60_000,
    });
    await worker.start();
    const busy = worker.call.busy(busyMs);
    const stopAttack = await attack(port, messages, messageBytes);
    if ((await busy) !== busyMs) violations.push('the call in progress was not answered with its own result');
    let callsAfter = 0;
    for (let i = 0; i < 100; i++) if ((await worker.call.ping()) === 'pong') callsAfter++;
    const peakAfter = await peakRss(child.pid!);
    // Give the last refusals a moment to be reported by the monitor (they happened long before).
    await realClock.sleep(200);
    const refused = stopAttack();
    await worker.stop();
    if (peakAfter >= limitBytes) violations.push(`peak RSS ${peakAfter} bytes`);
    if (callsAfter !== 100) violations.push(`${100 - callsAfter} calls not served after the attack`);
    if (refused < messages) violations.push(`only ${refused} of ${messages} messages refused at the transport`);
    const result: MemoryBoundResult = {
      ...{ messages, messageBytes, busyMs, peakBefore, peakAfter, refused, callsAfter, limitBytes },
      violations,
    };
    process.stdout.write(`BENCH memory-bound child-peak-rss-mb=${(peakAfter / 1048576).toFixed(1)}\n`);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    child.kill('SIGKILL');
    await rm(home, { recursive: true, force: true });
  }
  process.exitCode = violations.length === 0 ? 0 : 1;
}

await main();
