// What carrying callContext across awaits costs per call: the child runs each handler inside
// AsyncLocalStorage.run (src/worker/child/child-worker.ts #serveCall). Baseline: the same handler called
// directly, as before. Slices of baseline and ALS alternate; after each ALS slice the storage is disabled,
// so the async hooks it turns on (Node 20) do not leak into the next baseline slice.
//
//   npm run bench -- call-context [--runs 5] [--slices 10] [--calls 20000]
//
// Cases: a synchronous handler (`add`), and an async one that awaits twice before answering.
import { AsyncLocalStorage } from 'node:async_hooks';
import { median, numberOption, report, round } from './support/stats.js';

const argv = process.argv.slice(2);
const runs = numberOption(argv, '--runs', 5);
const slices = numberOption(argv, '--slices', 10);
const calls = numberOption(argv, '--calls', 20_000);
const NAME = 'call-context';

const self = { base: 1 };
function add(this: typeof self, a: number, b: number): number {
  return a + b + this.base - 1;
}
async function addLater(this: typeof self, a: number, b: number): Promise<number> {
  await null;
  await Promise.resolve();
  return a + b + this.base - 1;
}

type Invoke = (method: (...args: number[]) => unknown, args: number[]) => unknown;
const plain: Invoke = (method, args) => method.apply(self, args);

async function slice(invoke: Invoke, method: (...args: number[]) => unknown): Promise<number> {
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const result = invoke(method, [i, 1]);
    sink += typeof result === 'number' ? result : ((await result) as number);
  }
  const ns = Number(process.hrtime.bigint() - started) / calls;
  if (sink === -1) console.log('unreachable');
  return ns;
}

for (const [name, method] of [
  ['sync', add],
  ['async', addLater],
] as const) {
  const ratios: number[] = [];
  const plainNs: number[] = [];
  const alsNs: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const pairs: Array<[number, number]> = [];
    for (let s = 0; s < slices; s++) {
      const base = await slice(plain, method);
      const storage = new AsyncLocalStorage<{ id: number }>();
      const withStorage: Invoke = (m, args) => storage.run({ id: args[0]! }, Reflect.apply, m, self, args);
      const ours = await slice(withStorage, method);
      storage.disable();
      pairs.push([base, ours]);
    }
    const ratio = median(pairs.map(([b, o]) => o / b));
    const b = median(pairs.map(([x]) => x));
    const o = median(pairs.map(([, y]) => y));
    console.log(
      `${name} handler run ${run}: plain ${round(b, 1)} ns/call, in AsyncLocalStorage ${round(o, 1)} ns/call, ratio ${round(ratio)}`,
    );
    ratios.push(ratio);
    plainNs.push(b);
    alsNs.push(o);
  }
  report(NAME, `${name}_plain_ns`, median(plainNs));
  report(NAME, `${name}_als_ns`, median(alsNs), median(ratios));
  report(NAME, `${name}_added_ns`, median(alsNs) - median(plainNs));
}
