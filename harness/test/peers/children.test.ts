// Smoke test of each reference peer CHILD (fixtures/<lang>) from a raw zeromq.js DEALER: calls, both
// heartbeat profiles, nil results, errors, private and unknown names, output forwarding, concurrency,
// strict profile, malformed input, SHUTDOWN, SIGTERM and the port check. Needs `node harness/peers/setup.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import { APP, RawChild, exitOf, reap, within } from './peer-harness.js';

for (const language of PEER_LANGUAGES) {
  const peer = PEERS[language];

  test(`${language} child serves the conformance service over both profiles`, { timeout: 60_000 }, async (t) => {
    const child = await RawChild.start(t, peer);

    await t.test('add(1, 2) answers 3 in the profile of the call (MF-SVC-1, MF-PROF-3)', async () => {
      const reply = await child.call(APP.v3, 'add', [1, 2]);
      assert.equal(reply['type'], 'response');
      assert.equal(reply['app'], APP.v3);
      assert.equal(reply['result'], 3);
      const v4 = await child.call(APP.v4, 'add', [1.5, 2]);
      assert.equal(v4['app'], APP.v4);
      assert.equal(v4['result'], 3.5);
    });

    await t.test(
      'echo returns nested values unchanged, bin and 64-bit integers included (MF-VAL-4, MF-VAL-5)',
      async () => {
        const value = { text: 'héllo 🌍', list: [1, -1, null, true], bin: Buffer.from([0, 255]), big: 2n ** 63n - 1n };
        const reply = await child.call(APP.v4, 'echo', [value]);
        assert.deepEqual(reply['result'], value);
      },
    );

    await t.test('heartbeat v3 echoes args unchanged (MF-HB-2)', async () => {
      const id = await child.send(APP.v3, 'heartbeat', { args: [1_700_000_000_123] });
      const echo = await child.next((m) => m['id'] === id, 'v3 heartbeat echo');
      assert.equal(echo['type'], 'heartbeat');
      assert.equal(echo['app'], APP.v3);
      assert.deepEqual(echo['args'], [1_700_000_000_123]);
    });

    await t.test('heartbeat v4 echoes metadata with hb_response (MF-HB-3)', async () => {
      const id = await child.send(APP.v4, 'heartbeat', { metadata: { hb_timestamp: 1_700_000_000.5 } });
      const echo = await child.next((m) => m['id'] === id, 'v4 heartbeat echo');
      assert.equal(echo['app'], APP.v4);
      assert.deepEqual(echo['metadata'], { hb_timestamp: 1_700_000_000.5, hb_response: true });
    });

    await t.test('nothing answers a RESPONSE that carries result: nil (MF-CALL-6)', async () => {
      const reply = await child.call(APP.v3, 'nothing');
      assert.equal(reply['type'], 'response');
      assert.ok(Object.hasOwn(reply, 'result'), 'the result key is present');
      assert.equal(reply['result'], null);
    });

    await t.test('fail answers an ERROR carrying the message, and the child keeps serving (MF-CALL-7)', async () => {
      const reply = await child.call(APP.v3, 'fail', ['boom 42']);
      assert.equal(reply['type'], 'error');
      assert.match(String(reply['error']), /boom 42/);
      assert.equal((await child.call(APP.v3, 'add', [2, 2]))['result'], 4);
    });

    await t.test('private and unknown names are refused (MF-CALL-4, MF-CALL-5)', async () => {
      assert.match(String((await child.call(APP.v3, '_secret'))['error']), /Cannot call private method/);
      assert.match(String((await child.call(APP.v3, '__init__'))['error']), /Cannot call private method/);
      for (const name of ['nope', 'constructor', 'toString', 'hasOwnProperty', 'run', 'start', 'stop']) {
        const reply = await child.call(APP.v3, name);
        assert.equal(reply['type'], 'error', name);
        assert.match(String(reply['error']), /not found/, name);
      }
      const listed = (await child.call(APP.v3, 'listFunctions'))['result'] as string[];
      for (const name of [
        'add',
        'echo',
        'fail',
        'sleep',
        'nothing',
        'profile',
        'pid',
        'crash',
        'write_stdout',
        'write_stderr',
      ]) {
        assert.ok(listed.includes(name), `listFunctions lists ${name}`);
      }
      assert.ok(!listed.some((name) => name.startsWith('_')), 'no private name listed');
    });

    await t.test('profile and pid answer what they should (MF-SVC-1)', async () => {
      assert.equal((await child.call(APP.v3, 'profile'))['result'], 'v3');
      assert.equal((await child.call(APP.v4, 'profile'))['result'], 'v4');
      assert.equal((await child.call(APP.v3, 'pid'))['result'], child.proc.pid);
    });

    await t.test('stdout and stderr are forwarded with the ROUTER envelope (MF-OUT-1, MF-FRAME-3)', async () => {
      await child.call(APP.v4, 'write_stdout', ['to stdout']);
      await child.call(APP.v4, 'write_stderr', ['to stderr']);
      const out = await child.next((m) => m['type'] === 'stdout', 'STDOUT message');
      const err = await child.next((m) => m['type'] === 'stderr', 'STDERR message');
      assert.equal(out['output'], 'to stdout');
      assert.equal(err['output'], 'to stderr');
      assert.equal(out['app'], APP.v4);
    });

    await t.test('a slow call does not delay a fast one or a heartbeat (MF-CALL-11, MF-HB-4)', async () => {
      let slowSettled = false;
      const slow = child.call(APP.v3, 'sleep', [400]).then((reply) => ((slowSettled = true), reply));
      const fastReply = await child.call(APP.v3, 'add', [5, 5]);
      assert.equal(fastReply['result'], 10);
      assert.equal(slowSettled, false, 'the fast call was answered while the slow one ran');
      const hb = await child.send(APP.v3, 'heartbeat', { args: [1] });
      await child.next((m) => m['id'] === hb, 'heartbeat during a call');
      assert.equal(slowSettled, false, 'the heartbeat was answered while the slow call ran');
      assert.equal((await slow)['result'], 400);
    });

    await t.test(
      'wrong app, wrong namespace and malformed frames get no reply; serving goes on (MF-MSG-6, MF-NS-2, MF-FRAME-4/5)',
      async () => {
        const wrongApp = await child.send('comlink_ipc_v9', 'call', { function: 'add', args: [1, 1] });
        const wrongNs = await child.send(APP.v3, 'call', { function: 'add', args: [1, 1], namespace: 'elsewhere' });
        await child.dealer.send([Buffer.from('x'), Buffer.from('not a delimiter')]);
        await child.dealer.send([Buffer.alloc(0), Buffer.from([0xc1])]);
        await child.dealer.send([Buffer.alloc(0), Buffer.from([0x92, 0x01])]);
        const noId = await child.send(APP.v3, 'call', { function: 'add', args: [1, 1] }, '');
        // A later call is answered, and nothing was answered for the ignored ones before it.
        assert.equal((await child.call(APP.v3, 'add', [3, 3]))['result'], 6);
        const stray = child.received.filter((m) => [wrongApp, wrongNs, noId].includes(String(m['id'])));
        assert.deepEqual(stray, []);
      },
    );

    await t.test('SHUTDOWN makes the child exit 0 (MF-LIFE-6)', async () => {
      await child.send(APP.v3, 'shutdown');
      const status = await within(exitOf(child.proc), 10_000, 'exit after SHUTDOWN');
      assert.deepEqual(status, { code: 0, signal: null });
    });
  });

  test(
    `${language} child made strict by MULTIFROST_PROFILE ignores the other profile (MF-PROF-4)`,
    { timeout: 30_000 },
    async (t) => {
      const child = await RawChild.start(t, peer, { MULTIFROST_PROFILE: 'v4' });
      const ignored = await child.send(APP.v3, 'call', { function: 'add', args: [1, 1] });
      assert.equal((await child.call(APP.v4, 'add', [1, 1]))['result'], 2);
      assert.equal(child.received.filter((m) => m['id'] === ignored).length, 0);
    },
  );

  test(`${language} child exits 0 on SIGTERM (MF-LIFE-7)`, { timeout: 30_000 }, async (t) => {
    const child = await RawChild.start(t, peer);
    await child.call(APP.v3, 'nothing'); // it is serving
    child.proc.kill('SIGTERM');
    assert.deepEqual(await within(exitOf(child.proc), 10_000, 'exit after SIGTERM'), { code: 0, signal: null });
  });

  test(
    `${language} child refuses a bad COMLINK_ZMQ_PORT with FATAL and exit 1 (MF-LIFE-2)`,
    { timeout: 30_000 },
    async (t) => {
      for (const port of ['80', '70000', 'abc', '']) {
        const [command, ...args] = peer.child;
        const proc = spawn(command ?? '', args, {
          env: { ...process.env, COMLINK_ZMQ_PORT: port },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        reap(t, proc);
        let stderr = '';
        proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const status = await within(exitOf(proc), 10_000, `exit with port ${JSON.stringify(port)}`);
        assert.equal(status.code, 1, `port ${JSON.stringify(port)}`);
        assert.match(stderr, /^FATAL:/m);
      }
    },
  );
}
