/**
 * DEALER <-> ROUTER echo over ZeroMQ TCP loopback with 64 messages in flight: our ZmqTransport DEALER
 * against a bare zeromq.js DEALER doing exactly the same loop, in the same run, against the same echo
 * server (a bare zeromq.js ROUTER in a separate process, so the server side costs both clients the same).
 * Runs alternate ours/bare; figures are medians of the runs; the ratio is the median of per-run ratios
 * ours/bare (target >= 0.95).
 *
 *   npm run bench -- transport-zmq [--runs 11] [--round-trips 50000]
 *
 * The bare client and the echo server import zeromq.js directly: they are the baseline being compared to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Dealer, Router } from 'zeromq';
import { realClock } from '../../src/time/real-clock.js';
import type { Frames } from '../../src/transport/transport.js';
import { ZmqTransport } from '../../src/transport/zmq/zmq-transport.js';
import { median, numberOption, report } from './support/stats.js';

const NAME = 'transport-zmq';
const IN_FLIGHT = 64;
const HWM = 10_000;
const argv = process.argv.slice(2);
const option = (flag: string, fallback: number): number => numberOption(argv, flag, fallback);
const runs = Math.max(5, option('--runs', 11));
const roundTrips = option('--round-trips', 50_000);
const EMPTY = new Uint8Array(0);
const PAYLOAD = new Uint8Array(100).fill(0x5a); // about the size of a small CALL

/** Echo server (child process): binds loopback, prints its endpoint, echoes until stdin closes. */
async function echoServer(): Promise<void> {
  const router = new Router({ linger: 0, sendHighWaterMark: HWM, receiveHighWaterMark: HWM });
  await router.bind('tcp://127.0.0.1:*');
  process.stdout.write(`${router.lastEndpoint}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => router.close());
  try {
    for await (const frames of router) await router.send(frames);
  } catch {
    // closed
  }
}

interface Client {
  send(frames: Frames): Promise<void>;
  receive(): Promise<Frames>;
  close(): void;
}

/** The measured loop, identical for both clients: keep 64 in flight, count replies. */
async function echoLoop(client: Client): Promise<number> {
  const frames: Frames = [EMPTY, PAYLOAD];
  const started = realClock.nowMs();
  let sent = 0;
  for (; sent < IN_FLIGHT; sent++) await client.send(frames);
  for (let received = 0; received < roundTrips; received++) {
    const reply = await client.receive();
    if (reply.length !== 2) throw new Error('bad reply');
    if (sent < roundTrips) {
      await client.send(frames);
      sent++;
    }
  }
  return (roundTrips / (realClock.nowMs() - started)) * 1000;
}

async function oursRun(endpoint: string): Promise<number> {
  const dealer = new ZmqTransport({ sendHighWaterMark: HWM, receiveHighWaterMark: HWM }).dealer();
  await dealer.connect(endpoint);
  try {
    return await echoLoop({
      send: (f) => dealer.send(f),
      receive: () => dealer.receive(),
      close: () => void dealer.close(),
    });
  } finally {
    await dealer.close();
  }
}

async function bareRun(endpoint: string): Promise<number> {
  const dealer = new Dealer({ linger: 0, sendHighWaterMark: HWM, receiveHighWaterMark: HWM });
  dealer.connect(endpoint);
  try {
    return await echoLoop({
      send: (f) => dealer.send(f),
      receive: () => dealer.receive(),
      close: () => dealer.close(),
    });
  } finally {
    dealer.close();
  }
}

async function startServer(): Promise<{ server: ChildProcess; endpoint: string }> {
  const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--echo-server'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout! });
  const [endpoint] = (await once(lines, 'line')) as [string];
  return { server, endpoint };
}

async function main(): Promise<void> {
  const { server, endpoint } = await startServer();
  try {
    // Warm-up of both paths (JIT, connection set-up), not measured.
    await bareRun(endpoint);
    await oursRun(endpoint);
    const ours: number[] = [];
    const bare: number[] = [];
    const ratios: number[] = [];
    for (let run = 0; run < runs; run++) {
      const oursFirst = run % 2 === 0;
      const a = oursFirst ? await oursRun(endpoint) : await bareRun(endpoint);
      const b = oursFirst ? await bareRun(endpoint) : await oursRun(endpoint);
      const [o, r] = oursFirst ? [a, b] : [b, a];
      ours.push(o);
      bare.push(r);
      ratios.push(o / r);
    }
    console.log(`runs: ${runs} x ${roundTrips} round trips, ${IN_FLIGHT} in flight, ${PAYLOAD.length}-byte payload`);
    console.log(`ours rtt/s: ${ours.map(Math.round).join(' ')}`);
    console.log(`bare rtt/s: ${bare.map(Math.round).join(' ')}`);
    report(NAME, 'bare_rtt_per_s', median(bare));
    report(NAME, 'rtt_per_s', median(ours), median(ratios));
  } finally {
    server.stdin!.end();
    if (server.exitCode === null) {
      const exited = once(server, 'exit');
      const timer = realClock.setTimer(5_000, () => server.kill('SIGKILL'));
      await exited;
      timer.cancel();
    }
  }
}

if (argv.includes('--echo-server')) await echoServer();
else await main();
