// Smoke test of each reference peer's PARENT DRIVER (spec section 14) against the child of the same
// language and against the TypeScript reference worker: JSON lines in, one JSON line per call out (tagged
// values, error kinds), then "stopped" and exit 0. Needs `node harness/peers/setup.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { PEERS, PEER_LANGUAGES, REPO_ROOT } from '../../peers/peers.js';
import { runDriver, type DriverLine } from './peer-harness.js';

const CALLS = [
  { seq: 'pid', function: 'pid', args: [] },
  { seq: 1, function: 'add', args: [1, 2] },
  {
    seq: 2,
    function: 'echo',
    args: [
      {
        bin: { $bin: '00ff10' },
        big: { $int: '18446744073709551615' },
        neg: { $int: '-9223372036854775808' },
        list: [1.5, 'x', null, true],
      },
    ],
  },
  { seq: 3, function: 'fail', args: ['driver boom'] },
  { seq: 4, function: 'nothing', args: [] },
  { seq: 5, function: 'profile', args: [] },
  { seq: 6, function: 'sleep', args: [3000], timeout_ms: 300 },
  { seq: 7, function: 'add', args: [1, 1], namespace: 'elsewhere', timeout_ms: 300 },
  { seq: 8, function: '_secret', args: [] },
  { seq: 10, function: 'sleep', args: [600] },
  { seq: 9, function: 'sleep', args: [50] },
  { op: 'stop' },
];

/** The TypeScript reference worker as a spawn-mode child command (Node with the tsx loader, absolute paths). */
const TS_CHILD = [
  process.execPath,
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href,
  `${REPO_ROOT}src/conform/reference-worker.ts`,
];

for (const language of PEER_LANGUAGES) {
  const peer = PEERS[language];
  for (const [childName, child] of [
    [language, peer.child],
    ['TypeScript reference', TS_CHILD],
  ] as const) {
    test(
      `${language} parent driver follows the driver contract against the ${childName} child (MF-DRV-1)`,
      { timeout: 90_000 },
      async (t) => {
        const run = await runDriver(t, peer, child, CALLS, {
          MULTIFROST_PROFILE: 'v4',
          MULTIFROST_STOP_GRACE_MS: '2000',
        });
        assert.equal(run.code, 0, `driver exit status; stderr:\n${run.stderr.slice(-2000)}`);
        const bySeq = new Map<unknown, DriverLine>(run.lines.filter((l) => 'seq' in l).map((l) => [l['seq'], l]));
        assert.equal(bySeq.size, CALLS.length - 1, 'one line per call');
        assert.deepEqual(run.lines[run.lines.length - 1], { event: 'stopped' }, 'stopped comes last');
        assert.deepEqual(bySeq.get(1), { seq: 1, ok: true, result: 3 });
        assert.deepEqual(bySeq.get(2)?.['result'], {
          bin: { $bin: '00ff10' },
          big: { $int: '18446744073709551615' },
          neg: { $int: '-9223372036854775808' },
          list: [1.5, 'x', null, true],
        });
        assert.equal(bySeq.get(3)?.['ok'], false);
        assert.equal(bySeq.get(3)?.['kind'], 'remote');
        assert.match(String(bySeq.get(3)?.['error']), /driver boom/);
        assert.deepEqual(bySeq.get(4), { seq: 4, ok: true, result: null });
        assert.deepEqual(bySeq.get(5), { seq: 5, ok: true, result: 'v4' }, 'the driver speaks MULTIFROST_PROFILE');
        assert.equal(bySeq.get(6)?.['kind'], 'timeout', 'a call past its timeout_ms times out');
        assert.equal(bySeq.get(7)?.['kind'], 'timeout', 'a namespace mismatch is never answered (MF-NS-2)');
        assert.equal(bySeq.get(8)?.['kind'], 'remote');
        assert.match(String(bySeq.get(8)?.['error']), /Cannot call private method/);
        assert.deepEqual(bySeq.get(9), { seq: 9, ok: true, result: 50 });
        const order = run.lines.map((l) => l['seq']);
        assert.deepEqual(bySeq.get(10), { seq: 10, ok: true, result: 600 });
        assert.ok(order.indexOf(9) < order.indexOf(10), 'lines come in completion order, not input order');
      },
    );
  }

  test(
    `${language} parent driver rejects calls in flight when the child crashes (MF-LIFE-8)`,
    { timeout: 60_000 },
    async (t) => {
      const run = await runDriver(t, peer, peer.child, [
        { seq: 'pid', function: 'pid', args: [] },
        { seq: 1, function: 'sleep', args: [5000] },
        { seq: 2, function: 'crash', args: [3] },
        { op: 'stop' },
      ]);
      assert.equal(run.code, 0);
      const bySeq = new Map<unknown, DriverLine>(run.lines.map((l) => [l['seq'], l]));
      for (const seq of [1, 2]) {
        assert.equal(bySeq.get(seq)?.['ok'], false, `call ${seq}`);
        assert.equal(bySeq.get(seq)?.['kind'], 'other', `call ${seq}`);
      }
      assert.deepEqual(run.lines[run.lines.length - 1], { event: 'stopped' });
    },
  );
}
