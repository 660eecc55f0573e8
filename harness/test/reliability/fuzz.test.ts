// Hostile input (fast-check), test size: fuzzed frames to a ChildWorker from a raw DEALER and to a ParentWorker
// from a raw ROUTER, over real ZeroMQ, with valid calls served in between. Full size (100,000 frames each way):
// node --import tsx harness/reliability/fuzz.ts
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzChild, fuzzParent } from '../../reliability/fuzz.js';
import { sampleCases } from '../../reliability/hostile-frames.js';

const CASES = Number(process.env['MF_FUZZ_TEST_CASES'] ?? 3_000);
const SEED = Number(process.env['MF_FUZZ_SEED'] ?? 7);

test('the generators cover every family of hostile input, reproducibly from the seed', () => {
  const cases = sampleCases('child', 2_000, SEED);
  assert.deepEqual(sampleCases('child', 2_000, SEED), cases);
  const kinds = new Set(cases.flatMap((c) => c.kind.split(':')[0]!.split('/')));
  for (const kind of [
    'one-frame',
    'only-delimiter',
    'bad-delimiter',
    'extra-frame',
    'two-delimiters',
    'many-frames',
    'random-bytes',
    'truncated',
    'trailing-bytes',
    'non-map',
    'field',
    'extra-fields',
    'deep-arrays',
    'deep-maps',
    'deep-in-field',
    'length-bomb',
    'length-bomb-in-field',
    'forbidden-name',
    'valid-other',
  ]) {
    assert.ok(kinds.has(kind), `no ${kind} case`);
  }
  const ids = cases.flatMap((c) => (c.id === undefined ? [] : [c.id]));
  assert.equal(new Set(ids).size, ids.length, 'ids must be unique, or a reply could not be attributed to its case');
  const fields = new Set(cases.filter((c) => c.kind.includes('field:')).map((c) => c.kind.split(':')[1]));
  for (const field of ['app', 'id', 'type', 'timestamp', 'function', 'args', 'namespace'])
    assert.ok(fields.has(field), `field ${field} never mutated`);
});

test(`MF-FRAME-4/5, MF-MSG-1..10, MF-SEC-2: ${CASES} hostile frames to a ChildWorker: it keeps serving, never crashes, never answers garbage`, async () => {
  const result = await fuzzChild({ cases: CASES, seed: SEED, oversized: 2 });
  assert.deepEqual(result.violations, [], JSON.stringify(result.drops));
  assert.ok(result.probes >= CASES / 100);
  for (const reason of [
    'bad-frame-count',
    'bad-delimiter',
    'not-msgpack',
    'trailing-bytes',
    'not-a-map',
    'too-large',
  ]) {
    assert.ok((result.drops[reason] ?? 0) > 0, `no ${reason} drop: ${JSON.stringify(result.drops)}`);
  }
  assert.ok(result.replies > 0);
});

test(`MF-FRAME-4/5, MF-MSG-10: ${CASES} hostile frames to a ParentWorker from its "child": calls keep being answered`, async () => {
  const result = await fuzzParent({ cases: CASES, seed: SEED, oversized: 2 });
  assert.deepEqual(result.violations, [], JSON.stringify(result.drops));
  for (const reason of ['bad-frame-count', 'bad-delimiter', 'not-msgpack', 'not-a-map', 'too-large']) {
    assert.ok((result.drops[reason] ?? 0) > 0, `no ${reason} drop: ${JSON.stringify(result.drops)}`);
  }
});
