// ParentWorker/ChildWorker over real ZeroMQ, parent and child in separate processes, against the baseline
// of bare zeromq.js + msgpackr echo (harness/bench/support/bare-echo-server.mjs) measured in the same run.
//
//   npm run bench -- worker [--runs 5] [--quick]
//
// Figures: throughput at 1, 64 and 256 calls in flight (add(1,2)); sequential p50 latency for add(1,2), a
// 10 KB string and 1,000 floats; start-up from spawn() to the first result against Node's own boot time;
// stop() of a cooperative child; processes left behind after 50 spawn/stop cycles.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Dealer } from 'zeromq';
import { Packr } from 'msgpackr';
import { ParentWorker } from '../../src/worker/parent-worker.js';
import { median, report } from './support/stats.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const compiledWorker = `${root}dist/src/conform/reference-worker.js`;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 0) || (quick ? 3 : 5);
const NAME = 'worker';

if (!existsSync(compiledWorker)) {
  console.error('worker bench: run `npm run build` first (the child runs compiled JS, as in production)');
  process.exit(2);
}

type Payload = { fn: string; args: unknown[] };
const payloads: Record<string, Payload> = {
  add: { fn: 'add', args: [1, 2] },
  str10k: { fn: 'echo', args: ['x'.repeat(10_240)] },
  floats1k: { fn: 'echo', args: [Array.from({ length: 1000 }, (_, i) => i + 0.5)] },
};

/** A client that keeps `window` calls in flight until `total` have completed; returns calls/s and latencies. */
interface Client {
  call(payload: Payload): Promise<unknown>;
  close(): Promise<void>;
}

async function drive(client: Client, payload: Payload, total: number, window: number): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let started = 0;
  const begin = performance.now();
  const lane = async (): Promise<void> => {
    while (started < total) {
      started++;
      const t0 = performance.now();
      await client.call(payload);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { perSecond: total / ((performance.now() - begin) / 1000), latencies };
}

/** The baseline client: a raw DEALER with msgpackr, matching replies by id. */
async function bareClient(): Promise<Client> {
  const packr = new Packr({ useRecords: false, int64AsType: 'auto' } as unknown as ConstructorParameters<typeof Packr>[0]);
  const dealer = new Dealer({ linger: 0, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000 });
  await dealer.bind('tcp://127.0.0.1:*');
  const port = dealer.lastEndpoint!.split(':').pop()!;
  const child = spawn(process.execPath, [`${root}harness/bench/support/bare-echo-server.mjs`], { env: { ...process.env, COMLINK_ZMQ_PORT: port }, stdio: 'inherit' });
  const waiting = new Map<string, (value: unknown) => void>();
  let counter = 0;
  let sending: Promise<void> = Promise.resolve();
  void (async () => {
    for await (const [, payload] of dealer) {
      const reply = packr.unpack(payload as Buffer) as { id: string; result: unknown };
      waiting.get(reply.id)?.(reply.result);
      waiting.delete(reply.id);
    }
  })().catch(() => undefined);
  const client: Client = {
    call(payload) {
      const id = `b${counter++}`;
      const frames = [Buffer.alloc(0), packr.pack({ app: 'comlink_ipc_v3', id, type: 'call', timestamp: Date.now() / 1000, function: payload.fn, args: payload.args })];
      // zeromq.js allows one send in flight: chain them (the simplest correct baseline).
      sending = sending.then(() => dealer.send(frames));
      return new Promise((resolve) => waiting.set(id, resolve));
    },
    async close() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      dealer.close();
    },
  };
  await client.call(payloads.add!); // connected and warm
  return client;
}

async function ourClient(): Promise<Client & { worker: ParentWorker }> {
  const worker = ParentWorker.spawnCommand([process.execPath, compiledWorker], { outputSink: () => undefined });
  await worker.start();
  await worker.callFunction('add', [1, 2]);
  return { worker, call: (p) => worker.callFunction(p.fn, p.args), close: () => worker.stop() };
}

async function throughput(): Promise<void> {
  const total = quick ? 4000 : 20_000;
  for (const window of [1, 64, 256]) {
    const bare: number[] = [];
    const ours: number[] = [];
    const count = window === 1 ? total / 4 : total;
    for (let run = 0; run < runs; run++) {
      const b = await bareClient();
      bare.push((await drive(b, payloads.add!, count, window)).perSecond);
      await b.close();
      const o = await ourClient();
      ours.push((await drive(o, payloads.add!, count, window)).perSecond);
      await o.close();
    }
    report(NAME, `add_inflight${window}_calls_per_s`, median(ours), median(ours) / median(bare));
    report(NAME, `bare_add_inflight${window}_calls_per_s`, median(bare));
  }
}

async function latency(): Promise<void> {
  const calls = quick ? 500 : 2000;
  for (const [name, payload] of Object.entries(payloads)) {
    const bare: number[] = [];
    const ours: number[] = [];
    for (let run = 0; run < runs; run++) {
      const b = await bareClient();
      bare.push(median((await drive(b, payload, calls, 1)).latencies));
      await b.close();
      const o = await ourClient();
      ours.push(median((await drive(o, payload, calls, 1)).latencies));
      await o.close();
    }
    report(NAME, `${name}_sequential_p50_us`, median(ours) * 1000, median(ours) / median(bare));
  }
}

function nodeBootMs(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t0;
}

async function startupAndStop(): Promise<void> {
  const boots: number[] = [];
  const startups: number[] = [];
  const stops: number[] = [];
  const pids: number[] = [];
  const cycles = quick ? 10 : 50;
  for (let i = 0; i < cycles; i++) {
    if (i < runs * 2) boots.push(nodeBootMs());
    const t0 = performance.now();
    const worker = ParentWorker.spawnCommand([process.execPath, compiledWorker], { outputSink: () => undefined });
    await worker.start();
    await worker.callFunction('add', [1, 2]);
    startups.push(performance.now() - t0);
    pids.push(worker.pid!);
    const t1 = performance.now();
    await worker.stop();
    stops.push(performance.now() - t1);
  }
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  const boot = median(boots);
  report(NAME, 'node_boot_ms', boot);
  report(NAME, 'startup_to_first_result_ms', median(startups), median(startups) / boot);
  report(NAME, 'startup_overhead_over_boot_ms', median(startups) - boot);
  report(NAME, 'stop_ms', median(stops));
  report(NAME, `processes_left_after_${cycles}_cycles`, alive.length);
}

const only = argv.find((a) => ['throughput', 'latency', 'startup'].includes(a));
if (only === undefined || only === 'throughput') await throughput();
if (only === undefined || only === 'latency') await latency();
if (only === undefined || only === 'startup') await startupAndStop();
