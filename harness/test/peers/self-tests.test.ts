// Runs each reference peer's own suite: the golden vectors (fixtures/vectors, byte for byte in both
// directions, rejects refused) and its unit tests (output forwarding). Python unittest, go test,
// cargo test. Needs `node harness/peers/setup.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import { exitOf, reap, within } from './peer-harness.js';

for (const language of PEER_LANGUAGES) {
  const { selfTest } = PEERS[language];
  test(
    `${language} peer passes its own suite: every golden vector byte for byte, output forwarding`,
    { timeout: 300_000 },
    async (t) => {
      const [command, ...args] = selfTest.argv;
      const proc = spawn(command ?? '', args, { cwd: selfTest.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      reap(t, proc);
      let output = '';
      proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const status = await within(exitOf(proc), 290_000, `${language} self test`);
      assert.equal(status.code, 0, `${selfTest.argv.join(' ')} failed:\n${output.slice(-4000)}`);
      assert.match(output, /vector|ok|OK/, 'the suite ran tests');
    },
  );
}
