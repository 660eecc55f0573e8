// ParentWorker/ChildWorker over real ZeroMQ, parent and child in separate processes, against the baseline
// of bare zeromq.js + msgpackr echo (harness/bench/support/bare-echo-server.mjs) measured in the same run.
//
//   npm run bench -- worker [throughput|latency|startup] [--runs 5] [--slices 10] [--quick] [--bare-same-session]
//
// Every figure is a median over `--runs` runs (default 5): throughput and latency over the slice pairs of
// the runs (each run with fresh processes), start-up over `--runs` x 10 cycles. Each run line carries the
// load average (`/proc/loadavg`) at its end: on a shared machine it says how much to trust the run.
//
// Figures: throughput at 1, 64 and 256 calls in flight (add(1,2)); sequential p50 latency for add(1,2), a
// 10 KB string and 1,000 floats; start-up from spawn() to the first result against Node's own boot time and
// against the bare child started by the same ParentWorker;
// stop() of a cooperative child; processes left behind after the start-up cycles (`--runs` x 10).
// Throughput and latency alternate short slices of baseline and ours (see `paired`); each ratio is the median
// of the per-slice-pair ratios. Parent and child both run the compiled library (dist/).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Dealer } from 'zeromq';
import { Packr } from 'msgpackr';
import { median, numberOption, report, round } from './support/stats.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const compiledWorker = `${root}dist/src/conform/reference-worker.js`;
const bareEchoServer = `${root}harness/bench/support/bare-echo-server.mjs`;
const packageChild = `${root}harness/bench/support/package-child.mjs`;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const runs = numberOption(argv, '--runs', quick ? 3 : 5);
const slices = numberOption(argv, '--slices', quick ? 4 : 10);
const NAME = 'worker';
/**
 * ParentWorker starts its child with `detached` (a session and process group of its own, so that stop() can
 * signal the whole group). On Linux with autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`)
 * a session is also a CPU scheduling group, and a parent and child in different groups ping-pong measurably
 * slower on a loaded machine (measured 2026-12-02: the bare pair alone fell to 0.72 of itself). So the bare
 * child is launched the same way, and both pairs cross a session boundary. `--bare-same-session` starts it
 * in the bench's own session instead (the set-up before that date), to show the difference.
 */
const bareSameSession = argv.includes('--bare-same-session');
/** Bare children still running: a detached child outlives a bench that crashed, so exit kills them. */
const bareChildren = new Set<ReturnType<typeof spawn>>();
process.once('exit', () => {
  for (const child of bareChildren) child.kill('SIGKILL');
});

if (!existsSync(compiledWorker)) {
  console.error('worker bench: run `npm run build` first (parent and child run compiled JS, as in production)');
  process.exit(2);
}
// The parent runs the compiled library too: under tsx every class and function carries a naming helper
// that production code does not pay for.
const { ParentWorker } = (await import(
  `${root}dist/src/worker/parent/parent-worker.js`
)) as typeof import('../../src/worker/parent/parent-worker.js');

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

async function drive(
  client: Client,
  payload: Payload,
  total: number,
  window: number,
): Promise<{ perSecond: number; latencies: number[] }> {
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
  const packr = new Packr({ useRecords: false, int64AsType: 'auto' } as unknown as ConstructorParameters<
    typeof Packr
  >[0]);
  const dealer = new Dealer({ linger: 0, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000 });
  await dealer.bind('tcp://127.0.0.1:*');
  const port = dealer.lastEndpoint!.split(':').pop()!;
  const child = spawn(process.execPath, [bareEchoServer], {
    env: { ...process.env, COMLINK_ZMQ_PORT: port },
    stdio: 'inherit',
    // Launched as ParentWorker launches its child: in a session of its own (see `bareSameSession`).
    detached: !bareSameSession,
  });
  bareChildren.add(child);
  child.once('exit', () => bareChildren.delete(child));
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
      const frames = [
        Buffer.alloc(0),
        packr.pack({
          app: 'comlink_ipc_v3',
          id,
          type: 'call',
          timestamp: Date.now() / 1000,
          function: payload.fn,
          args: payload.args,
        }),
      ];
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

async function ourClient(): Promise<Client> {
  const worker = ParentWorker.spawnCommand([process.execPath, compiledWorker], { outputSink: () => undefined });
  await worker.start();
  await worker.callFunction('add', [1, 2]);
  return { call: (p) => worker.callFunction(p.fn, p.args), close: () => worker.stop() };
}

/**
 * Measures the baseline and ours side by side: each of `runs` runs starts a fresh baseline child and a fresh
 * worker, then alternates short slices between them (`slices` each, which one goes first alternating too),
 * so that a machine getting slower or faster hits both alike. The ratio is the median of the per-slice-pair
 * ratios: on a shared machine whole runs swing by 20%, slices a few hundred milliseconds apart much less.
 */
async function paired(
  label: string,
  measure: (client: Client) => Promise<number>,
): Promise<{ bare: number; ours: number; ratio: number }> {
  const bare: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let run = 0; run < runs; run++) {
    const bareSide = await bareClient();
    const ourSide = await ourClient().catch(async (error: unknown) => {
      await bareSide.close();
      throw error;
    });
    try {
      // One discarded slice each: both sides' code is optimised (ours has more of it to compile) and their
      // sockets are past their first bursts before anything is measured.
      await measure(bareSide);
      await measure(ourSide);
      for (let slice = 0; slice < slices; slice++) {
        let b: number;
        let o: number;
        if (slice % 2 === 0) {
          b = await measure(bareSide);
          o = await measure(ourSide);
        } else {
          o = await measure(ourSide);
          b = await measure(bareSide);
        }
        bare.push(b);
        ours.push(o);
        ratios.push(o / b);
      }
    } finally {
      await Promise.all([bareSide.close(), ourSide.close()]);
    }
    const runRatios = ratios.slice(run * slices);
    console.log(
      `${label} run ${run + 1}: median of ${slices} slice pairs: bare ${round(median(bare.slice(run * slices)), 2)}, ours ${round(median(ours.slice(run * slices)), 2)}, ratio ${round(median(runRatios))}, ${loadAverage()}`,
    );
  }
  return { bare: median(bare), ours: median(ours), ratio: median(ratios) };
}

async function throughput(): Promise<void> {
  const total = quick ? 1000 : 4000;
  for (const window of [1, 64, 256]) {
    const count = window === 1 ? total / 4 : total;
    const figures = await paired(
      `add in flight ${window} calls/s`,
      async (client) => (await drive(client, payloads.add!, count, window)).perSecond,
    );
    report(NAME, `add_inflight${window}_calls_per_s`, figures.ours, figures.ratio);
    report(NAME, `bare_add_inflight${window}_calls_per_s`, figures.bare);
  }
}

async function latency(): Promise<void> {
  const calls = quick ? 200 : 500;
  for (const [name, payload] of Object.entries(payloads)) {
    const figures = await paired(`${name} sequential p50 ms`, async (client) =>
      median((await drive(client, payload, calls, 1)).latencies),
    );
    report(NAME, `${name}_sequential_p50_us`, figures.ours * 1000, figures.ratio);
    report(NAME, `bare_${name}_sequential_p50_us`, figures.bare * 1000);
  }
}

/** The machine's load average (1, 5, 15 minutes), for the run lines. */
function loadAverage(): string {
  try {
    return `load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
  } catch {
    return 'load unknown';
  }
}

function nodeBootMs(): number {
  const t0 = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - t0;
}

/** Spawn to first result of `add(1, 2)` for a child script, with our ParentWorker; the worker is returned running. */
async function timeToFirstResult(
  script: string,
): Promise<{ ms: number; worker: ReturnType<typeof ParentWorker.spawnCommand> }> {
  const t0 = performance.now();
  const worker = ParentWorker.spawnCommand([process.execPath, script], { outputSink: () => undefined });
  await worker.start();
  await worker.callFunction('add', [1, 2]);
  return { ms: performance.now() - t0, worker };
}

/**
 * Start-up against Node's own boot and against the bare echo child, paired: every cycle measures `node -e 0`,
 * the bare child, a worker script written as users write one (`package-child.mjs`, which imports the
 * package's bundled worker entry point) and the reference worker (compiled modules, dist/src) back to back
 * (rotating the order), and each figure is the median of the per-cycle values, so a machine that is slower
 * for a while inflates every side of the same cycle. Only the reference worker's stop and process count are
 * reported.
 */
async function startupAndStop(): Promise<void> {
  const boots: number[] = [];
  const ours: number[] = [];
  const bares: number[] = [];
  const packaged: number[] = [];
  const stops: number[] = [];
  const pids: number[] = [];
  const cycles = runs * 10;
  for (let i = 0; i < cycles; i++) {
    const steps = [
      async () => boots.push(nodeBootMs()),
      async () => {
        const bare = await timeToFirstResult(bareEchoServer);
        bares.push(bare.ms);
        await bare.worker.stop();
      },
      async () => {
        const user = await timeToFirstResult(packageChild);
        packaged.push(user.ms);
        await user.worker.stop();
      },
      async () => {
        const { ms, worker } = await timeToFirstResult(compiledWorker);
        ours.push(ms);
        pids.push(worker.pid!);
        const t1 = performance.now();
        await worker.stop();
        stops.push(performance.now() - t1);
      },
    ];
    for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]!();
    if ((i + 1) % 10 === 0) {
      const from = i - 9;
      const over = ours.slice(from).map((value, j) => value - boots[from + j]!);
      const bareOver = bares.slice(from).map((value, j) => value - boots[from + j]!);
      const packagedOver = packaged.slice(from).map((value, j) => value - boots[from + j]!);
      console.log(
        `startup run ${(i + 1) / 10}: median of 10 cycles: boot ${round(median(boots.slice(from)), 1)} ms, over boot: bare ${round(median(bareOver), 1)} ms, package child ${round(median(packagedOver), 1)} ms, reference worker ${round(median(over), 1)} ms, ${loadAverage()}`,
      );
    }
  }
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  const perCycle = (values: number[], minus: number[]) => median(values.map((value, i) => value - minus[i]!));
  report(NAME, 'node_boot_ms', median(boots));
  report(NAME, 'bare_startup_to_first_result_ms', median(bares));
  report(NAME, 'startup_to_first_result_ms', median(ours), median(ours.map((value, i) => value / bares[i]!)));
  report(NAME, 'bare_startup_overhead_over_boot_ms', perCycle(bares, boots));
  report(NAME, 'startup_overhead_over_boot_ms', perCycle(ours, boots));
  report(
    NAME,
    'package_child_startup_to_first_result_ms',
    median(packaged),
    median(packaged.map((value, i) => value / bares[i]!)),
  );
  report(NAME, 'package_child_startup_overhead_over_boot_ms', perCycle(packaged, boots));
  report(NAME, 'stop_ms', median(stops));
  report(NAME, `processes_left_after_${cycles}_cycles`, alive.length);
}

const only = argv.find((a) => ['throughput', 'latency', 'startup'].includes(a));
if (only === undefined || only === 'throughput') await throughput();
if (only === undefined || only === 'latency') await latency();
if (only === undefined || only === 'startup') await startupAndStop();
