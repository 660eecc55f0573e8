/**
 * Throughput of the simulated transport, one way, no faults, no trace: a DEALER sends 1,000,000 two-frame
 * messages to a ROUTER, which reads them with `for await`, on a VirtualClock advanced once per burst.
 * Baseline, measured in the same run: the cheapest possible in-process async channel (an array and one
 * resolved promise per message read), so the ratio says what the simulator costs on top of pure hand-off.
 * Target: >= 1,000,000 msg/s.
 *
 * Run: `npm run bench -- transport-sim` (or `node --import tsx harness/bench/transport-sim.ts`).
 */
import { realClock } from '../../src/time/real-clock.js';
import { VirtualClock } from '../../src/time/virtual-clock.js';
import { SimNetwork } from '../../src/transport/sim/sim-network.js';
import { loopbackEndpoint, type Frames } from '../../src/transport/transport.js';
import { median, report } from './support/stats.js';

const MESSAGES = 1_000_000;
const BURST = 10_000;
const RUNS = 7;
const EMPTY = new Uint8Array(0);
const PAYLOAD = new Uint8Array(96).fill(0xa5);

/** Messages per second through the simulated network. */
async function simRun(): Promise<number> {
  const clock = new VirtualClock();
  const network = new SimNetwork({ clock, seed: 1, trace: false });
  const router = network.transport('child').router();
  const dealer = network.transport('parent').dealer();
  await dealer.connect(await router.bind(loopbackEndpoint(0)));
  let received = 0;
  const reader = (async () => {
    for await (const frames of router) {
      if (frames.length !== 3) throw new Error('bad frames');
      if (++received === MESSAGES) return;
    }
  })();
  const started = realClock.nowMs();
  const frames: Frames = [EMPTY, PAYLOAD];
  for (let sent = 0; sent < MESSAGES; sent += BURST) {
    for (let i = 0; i < BURST; i++) void dealer.send(frames);
    await clock.advanceBy(1);
  }
  await reader;
  const elapsedMs = realClock.nowMs() - started;
  await dealer.close();
  await router.close();
  return (MESSAGES / elapsedMs) * 1000;
}

/** The same traffic through a bare array-plus-promise channel. */
async function baselineRun(): Promise<number> {
  const queue: Frames[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  const take = async (): Promise<Frames> => {
    while (head >= queue.length) await new Promise<void>((resolve) => (wake = resolve));
    return queue[head++]!;
  };
  let received = 0;
  const reader = (async () => {
    while (received < MESSAGES) {
      const frames = await take();
      if (frames.length !== 2) throw new Error('bad frames');
      received++;
    }
  })();
  const started = realClock.nowMs();
  const frames: Frames = [EMPTY, PAYLOAD];
  for (let sent = 0; sent < MESSAGES; sent += BURST) {
    for (let i = 0; i < BURST; i++) queue.push(frames);
    wake?.();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await reader;
  return (MESSAGES / (realClock.nowMs() - started)) * 1000;
}

async function main(): Promise<void> {
  await simRun(); // warm-up: JIT and allocator
  await baselineRun();
  const sim: number[] = [];
  const baseline: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    baseline.push(await baselineRun());
    sim.push(await simRun());
  }
  const simMedian = median(sim);
  const baselineMedian = median(baseline);
  console.log(`runs: ${RUNS} x ${MESSAGES} messages, bursts of ${BURST}`);
  console.log(`sim msg/s:      ${sim.map((v) => Math.round(v)).join(' ')}`);
  console.log(`baseline msg/s: ${baseline.map((v) => Math.round(v)).join(' ')}`);
  report('transport-sim', 'baseline_msg_per_s', baselineMedian);
  report('transport-sim', 'msg_per_s', simMedian, simMedian / baselineMedian);
}

await main();
