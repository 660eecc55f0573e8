/**
 * Determinism self-check: the same seed and program give a byte-identical trace, with every kind of
 * random fault active; different seeds give different runs; the plan reads back from the trace.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corrupt, delay, drop, duplicate, reorder } from '../../../src/transport/sim/faults.js';
import { readPlan } from '../../../src/transport/sim/trace.js';
import { runScenario } from './sim-scenario.js';

const plan = [
  drop({ p: 0.1 }),
  delay({ ms: 3, jitterMs: 2 }),
  duplicate({ p: 0.1, where: (m) => m.type === 'call' }),
  reorder({ p: 0.2, windowMs: 5, direction: 'child->parent' }),
  corrupt({ p: 0.05 }),
];

test('same seed, same program: byte-identical traces, for several seeds', async () => {
  for (const seed of [1, 2, 3, 42, 20260101]) {
    const first = await runScenario(seed, plan);
    const second = await runScenario(seed, plan);
    const a = first.network.traceLines.join('\n');
    const b = second.network.traceLines.join('\n');
    assert.ok(first.network.traceLines.length > 100, `seed ${seed}: trace too short`);
    assert.equal(a, b, `seed ${seed}: traces differ\n--- last lines ---\n${first.network.traceTail()}`);
    assert.deepEqual(first.responses, second.responses);
  }
});

test('different seeds draw different faults', async () => {
  const one = await runScenario(1, plan);
  const two = await runScenario(2, plan);
  assert.notEqual(one.network.traceLines.join('\n'), two.network.traceLines.join('\n'));
});

test('every fault kind of the plan actually fired in the run (the check is not vacuous)', async () => {
  const { network } = await runScenario(3, plan, 200);
  const applied = new Set(
    network.traceLines.flatMap(
      (line) => (JSON.parse(line) as { faults?: { fault: string }[] }).faults?.map((f) => f.fault) ?? [],
    ),
  );
  assert.deepEqual([...applied].sort(), ['corrupt', 'delay', 'drop', 'duplicate', 'reorder']);
});

test('the first trace line records the seed and the plan, predicates as source text', async () => {
  const { network } = await runScenario(42, plan, 2);
  const read = readPlan(network.traceLines);
  assert.equal(read.seed, 42);
  assert.equal(read.latencyMs, 0);
  assert.equal(read.faults.length, plan.length);
  assert.deepEqual(read.faults[0], { fault: 'drop', p: 0.1 });
  assert.deepEqual(read.faults[1], { fault: 'delay', jitterMs: 2, ms: 3 });
  assert.match(String(read.faults[2]!['where']), /m\.type\s*===\s*["']call["']/);
  assert.equal(readPlan(network.traceLines.join('\n')).seed, 42);
});
