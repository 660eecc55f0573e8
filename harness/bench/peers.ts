/**
 * Throughput of each reference peer CHILD (fixtures/<lang>) driven by a raw zeromq.js DEALER with 64
 * calls in flight, each an `add(1, 2)` CALL. The baseline is the TS raw echo child
 * (support/bare-echo-server.mjs: bare zeromq.js + msgpackr, no validation or dispatch), spawned and driven
 * exactly the same way in the same run. Runs rotate over the targets; figures are medians of the runs and
 * each ratio is the median of the per-run ratios peer / baseline. Target: >= 5,000 calls/s per peer.
 *
 *   npm run bench -- peers [--runs 5] [--calls 20000]
 *
 * Needs the peers built (`node harness/peers/setup.mjs`). The DEALER is bare zeromq.js on purpose: the
 * peers are measured, not our transport.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Dealer } from 'zeromq';
import { defaultCodec } from '../../src/protocol/codec.js';
import { realClock } from '../../src/time/real-clock.js';
import { PEERS, PEER_LANGUAGES } from '../peers/peers.js';
import { median, numberOption, report } from './support/stats.js';

const NAME = 'peers';
const IN_FLIGHT = 64;
const HWM = 10_000;
const argv = process.argv.slice(2);
const option = (flag: string, fallback: number): number => numberOption(argv, flag, fallback);
const runs = Math.max(3, option('--runs', 5));
const calls = option('--calls', 20_000);
const EMPTY = Buffer.alloc(0);
const CALL = defaultCodec.encode({
  app: 'comlink_ipc_v3',
  id: 'bench-add',
  type: 'call',
  timestamp: 1_700_000_000.5,
  function: 'add',
  args: [1, 2],
});

interface Target {
  name: string;
  dealer: Dealer;
  proc: ChildProcess;
}

async function start(name: string, argvOfChild: readonly string[]): Promise<Target> {
  const dealer = new Dealer({ linger: 0, sendHighWaterMark: HWM, receiveHighWaterMark: HWM });
  await dealer.bind('tcp://127.0.0.1:*');
  const port = String(dealer.lastEndpoint).split(':').pop() ?? '';
  const [command, ...args] = argvOfChild;
  const proc = spawn(command ?? '', args, {
    env: { ...process.env, COMLINK_ZMQ_PORT: port },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const target = { name, dealer, proc };
  // Readiness is a correct round trip, not a delay.
  await dealer.send([EMPTY, CALL]);
  const [, payload] = await dealer.receive();
  const reply = defaultCodec.decodeValue(payload!) as Record<string, unknown>;
  if (reply['result'] !== 3) throw new Error(`${name}: add(1, 2) answered ${JSON.stringify(reply)}`);
  return target;
}

/** The measured loop: keep 64 calls in flight, count replies; calls per second. */
async function measure(target: Target, count: number): Promise<number> {
  const { dealer } = target;
  const started = realClock.nowMs();
  let sent = 0;
  for (; sent < Math.min(IN_FLIGHT, count); sent++) await dealer.send([EMPTY, CALL]);
  for (let received = 0; received < count; received++) {
    const reply = await dealer.receive();
    if (reply.length !== 2) throw new Error(`${target.name}: bad reply envelope`);
    if (sent < count) {
      await dealer.send([EMPTY, CALL]);
      sent++;
    }
  }
  return (count / (realClock.nowMs() - started)) * 1000;
}

async function stop(target: Target): Promise<void> {
  target.dealer.close();
  if (target.proc.exitCode !== null || target.proc.signalCode !== null) return;
  const exited = once(target.proc, 'exit');
  target.proc.kill('SIGTERM');
  const timer = realClock.setTimer(5_000, () => target.proc.kill('SIGKILL'));
  await exited;
  timer.cancel();
}

async function main(): Promise<void> {
  const baselineScript = fileURLToPath(new URL('./support/bare-echo-server.mjs', import.meta.url));
  const targets: Target[] = [];
  try {
    targets.push(await start('baseline', [process.execPath, baselineScript]));
    for (const language of PEER_LANGUAGES) targets.push(await start(language, PEERS[language].child));
    for (const target of targets) await measure(target, Math.min(2_000, calls)); // warm-up, not measured
    const perTarget = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const ratios = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let run = 0; run < runs; run++) {
      const measured = new Map<string, number>();
      // Rotate the order so no target always runs first (or last) in a run.
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(run + i) % targets.length]!;
        measured.set(target.name, await measure(target, calls));
      }
      const baseline = measured.get('baseline')!;
      for (const [name, value] of measured) {
        perTarget.get(name)!.push(value);
        ratios.get(name)!.push(value / baseline);
      }
    }
    console.log(`runs: ${runs} x ${calls} add(1, 2) calls, ${IN_FLIGHT} in flight, raw zeromq.js DEALER`);
    for (const [name, values] of perTarget) console.log(`${name} calls/s: ${values.map(Math.round).join(' ')}`);
    report(NAME, 'baseline_calls_per_s', median(perTarget.get('baseline')!));
    for (const language of PEER_LANGUAGES) {
      report(NAME, `${language}_calls_per_s`, median(perTarget.get(language)!), median(ratios.get(language)!));
    }
  } finally {
    await Promise.all(targets.map(stop));
  }
}

await main();
