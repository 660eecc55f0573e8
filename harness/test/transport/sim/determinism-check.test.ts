/**
 * The determinism self-check of `./sim` (checkDeterminism): a parent and child worker pair on the simulator
 * passes; the same pair with a planted nondeterminism (Math.random, Date.now in a handler) is caught, and the
 * report points at the first trace line where the two runs differ.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChildWorker, ParentWorker } from '../../../../src/index.js';
import { checkDeterminism, delay, drop, SimLauncher, type SimRunProgram } from '../../../../src/sim.js';

interface Api {
  add(a: number, b: number): number;
  stamp(): number;
}

/** A worker whose `stamp` handler is the only thing that differs between the variants. */
function workerProgram(stamp: () => number): SimRunProgram {
  class Stamper extends ChildWorker {
    add(a: number, b: number): number {
      return a + b;
    }
    stamp(): number {
      return stamp();
    }
  }
  return async ({ clock, network }) => {
    const stopAdvancing = clock.autoAdvance();
    const launcher = new SimLauncher({
      transportFor: (name) => network.transport(name),
      clock,
      programs: { stamper: ({ transport, host, clock }) => new Stamper({ transport, host, clock }).run() },
    });
    const worker = ParentWorker.spawnCommand<Api>(['stamper'], {
      transport: network.transport('parent'),
      launcher,
      clock,
      idPrefix: 'p',
      defaultTimeoutMs: 1_000,
    });
    try {
      await worker.start();
      for (let i = 0; i < 5; i++) await worker.call.add(i, 1);
      await worker.call.stamp();
      await worker.call.add(2, 2);
    } finally {
      await worker.stop();
      stopAdvancing();
    }
  };
}

test('a deterministic worker pair: two runs, byte-identical traces, with random faults on', async () => {
  const result = await checkDeterminism(
    workerProgram(() => 42),
    {
      seed: 7,
      faults: [delay({ ms: 2, jitterMs: 3 }), drop({ p: 0.05, where: (m) => m.type === 'heartbeat' })],
    },
  );
  assert.equal(result.deterministic, true, result.report);
  assert.equal(result.divergence, undefined);
  assert.ok(result.traces[0].length > 20, `trace too short: ${result.traces[0].length} lines`);
  assert.deepEqual(result.traces[0], result.traces[1]);
  assert.match(result.traces[0].at(-1)!, /"ev":"end","outcome":"returned"/);
  assert.match(result.report, /^deterministic: seed 7, two runs, \d+ identical trace lines$/);
});

test('Math.random in a handler is caught: the first divergence is the reply carrying the value', async () => {
  const result = await checkDeterminism(workerProgram(Math.random), { seed: 7 });
  assert.equal(result.deterministic, false);
  const divergence = result.divergence!;
  // Everything up to the reply to `stamp` is the same in both runs.
  assert.deepEqual(result.traces[0].slice(0, divergence.line - 1), result.traces[1].slice(0, divergence.line - 1));
  const first = JSON.parse(divergence.first!) as { ev: string; message: { type: string; result: number } };
  const second = JSON.parse(divergence.second!) as { ev: string; message: { type: string; result: number } };
  assert.equal(first.ev, 'send');
  assert.equal(first.message.type, 'response');
  assert.notEqual(first.message.result, second.message.result);
  assert.ok(divergence.fields.includes('frames') && divergence.fields.includes('message'), divergence.fields.join());
  assert.equal(divergence.before.length, 3);
  assert.match(result.report, /^NOT deterministic: seed 7, the traces first differ at line \d+ \(differing fields: /);
  assert.match(result.report, /\n- run 1: .*"type":"response"/);
  assert.match(result.report, /\n\+ run 2: .*"type":"response"/);
});

test('Date.now in a handler is caught too (real time leaks into a simulated run)', async () => {
  // The real clock moves between the two runs; wait for it so the planted difference is certain.
  const start = Date.now();
  let runs = 0;
  const result = await checkDeterminism(
    workerProgram(() => {
      runs++;
      if (runs === 2) while (Date.now() === start);
      return Date.now();
    }),
    { seed: 3 },
  );
  assert.equal(result.deterministic, false, result.report);
  assert.ok(result.divergence!.fields.includes('message'));
});

test('a program that throws in one run only diverges at its end line', async () => {
  let runs = 0;
  const result = await checkDeterminism(
    async ({ clock }) => {
      await clock.advanceBy(5);
      if (++runs === 2) throw new Error('second run fails');
    },
    { seed: 1 },
  );
  assert.equal(result.deterministic, false);
  assert.deepEqual(result.divergence!.fields, ['outcome']);
  assert.match(result.divergence!.second!, /"outcome":"threw Error: second run fails"/);
});
