// Codec hot path against bare msgpackr, measured in the same run.
//
//   npm run bench -- codec [--runs 7] [--slices 20] [--slice-ms 5]
//
// "ours" is what a worker does per message: codec.encode(message) (sanitise + canonical msgpack) then
// decodeMessage(codec, bytes, [V3]) (strict decode + validation). "bare" is msgpackr's default pack() and
// unpack() of the same object, with no sanitising and no validation. Cases: a CALL of add(1, 2), a CALL
// carrying a 10 KB string, a CALL carrying 1,000 non-integral floats.
//
// Fairness: msgpackr's encoder and decoder are module-level functions shared by every Packr/Unpackr, so two
// configurations in one module instance make them polymorphic and slow both sides (measured: ratio ~1.5
// for add in one instance vs ~1.2 in separate processes). A worker process only ever uses our
// configuration, so bare runs on its OWN msgpackr module instance (a fresh require), and both sides share
// the process: each run interleaves short slices of bare and ours, so load from other processes on this
// shared machine hits both alike. Figures are medians over the runs; the ratio is the median of the
// per-run ratios ours/bare (each run's figure being the median of its slices).
import { createRequire } from 'node:module';
import { Codec } from '../../src/protocol/codec.js';
import { createCall } from '../../src/protocol/messages.js';
import { V3 } from '../../src/protocol/profile.js';
import { decodeMessage } from '../../src/protocol/validate.js';

const NAME = 'codec';
const argv = process.argv.slice(2);
const option = (flag: string, fallback: number): number => {
  const index = argv.indexOf(flag);
  const value = index >= 0 ? Number(argv[index + 1]) : NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const runs = Math.max(5, option('--runs', 7));
const slices = Math.max(4, option('--slices', 20));
const sliceMs = option('--slice-ms', 5);

/** A msgpackr module instance of its own (see the header), loaded by a fresh CommonJS require. */
function freshMsgpackr(): { pack(value: unknown): Buffer; unpack(bytes: Uint8Array): unknown } {
  const require = createRequire(import.meta.url);
  const path = require.resolve('msgpackr');
  const cached = require.cache[path];
  delete require.cache[path];
  try {
    return require(path) as { pack(value: unknown): Buffer; unpack(bytes: Uint8Array): unknown };
  } finally {
    if (cached === undefined) delete require.cache[path];
    else require.cache[path] = cached;
  }
}
const bareMsgpackr = freshMsgpackr();

/** Deterministic floats with full mantissas (an LCG), so the payload is not a run of tidy bit patterns. */
function floats(count: number): number[] {
  let state = 0x2545f491;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 1000 - 500 + 1e-9;
  });
}

const ID = '00000000-0000-4000-8000-000000000001';
const T0 = 1767225600.25;
const cases = {
  add: createCall(V3, ID, T0, 'add', [1, 2]),
  str10k: createCall(V3, ID, T0, 'echo', ['x'.repeat(10_240)]),
  floats1k: createCall(V3, ID, T0, 'echo', [floats(1000)]),
};

const codec = new Codec();
const accepted = [V3];
let sink = 0;

const ours = (message: object) => (): void => {
  const result = decodeMessage(codec, codec.encode(message), accepted);
  if (!result.ok) throw result.error;
  sink += result.message.id.length;
};
const bare = (message: object) => (): void => {
  sink += (bareMsgpackr.unpack(bareMsgpackr.pack(message)) as { id: string }).id.length;
};

function nsPerOp(fn: () => void, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Iterations per slice: about `sliceMs` of work, from a calibration that also warms the code up. The
 * fastest of three timings is used, so a burst of load from other processes does not shrink the slices.
 */
function calibrate(fn: () => void): number {
  let iterations = 50;
  for (;;) {
    const ns = nsPerOp(fn, iterations) * iterations;
    if (ns > 50e6) break;
    iterations *= 2;
  }
  const fastestNs = Math.min(nsPerOp(fn, iterations), nsPerOp(fn, iterations), nsPerOp(fn, iterations));
  return Math.max(20, Math.round((sliceMs * 1e6) / fastestNs));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** One run: `slices` pairs of slices, alternating which side goes first. Median ns/op of each side. */
function oneRun(oursFn: () => void, bareFn: () => void, iterations: number): { ours: number; bare: number } {
  const oursNs: number[] = [];
  const bareNs: number[] = [];
  for (let slice = 0; slice < slices; slice++) {
    if (slice % 2 === 0) {
      bareNs.push(nsPerOp(bareFn, iterations));
      oursNs.push(nsPerOp(oursFn, iterations));
    } else {
      oursNs.push(nsPerOp(oursFn, iterations));
      bareNs.push(nsPerOp(bareFn, iterations));
    }
  }
  return { ours: median(oursNs), bare: median(bareNs) };
}

console.log(
  `codec bench: ${runs} runs of ${slices} interleaved slice pairs (~${sliceMs} ms per slice), node ${process.version}`,
);
const lines: string[] = [];
for (const [name, message] of Object.entries(cases)) {
  const oursFn = ours(message);
  const bareFn = bare(message);
  const iterations = Math.max(calibrate(oursFn), calibrate(bareFn));
  const oursNs: number[] = [];
  const bareNs: number[] = [];
  const ratios: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { ours: o, bare: b } = oneRun(oursFn, bareFn, iterations);
    oursNs.push(o);
    bareNs.push(b);
    ratios.push(o / b);
  }
  const list = (values: number[], digits = 0): string => values.map((n) => round(n, digits)).join(' ');
  console.log(
    `  ${name} (${codec.encode(message).length} bytes, ${iterations} ops/slice): ours ${list(oursNs)} ns; bare ${list(bareNs)} ns; ratio ${list(ratios, 2)}`,
  );
  lines.push(`BENCH ${NAME} ${name}_bare_ns=${round(median(bareNs), 1)}`);
  lines.push(`BENCH ${NAME} ${name}_ns=${round(median(oursNs), 1)} ratio=${round(median(ratios), 3)}`);
}
for (const line of lines) console.log(line);
if (sink === 0) console.log('(no work was done)');
