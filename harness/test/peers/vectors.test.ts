// Runs each reference peer's own golden vector test (fixtures/vectors, byte for byte in both
// directions, rejects refused): Python unittest, go test, cargo test. Needs `node harness/peers/setup.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import { exitOf, reap, within } from './peer-harness.js';

for (const language of PEER_LANGUAGES) {
  const { vectorTest } = PEERS[language];
  test(`${language} peer decodes and encodes every golden vector byte for byte`, { timeout: 300_000 }, async (t) => {
    const [command, ...args] = vectorTest.argv;
    const proc = spawn(command ?? '', args, { cwd: vectorTest.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    reap(t, proc);
    let output = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const status = await within(exitOf(proc), 290_000, `${language} vector test`);
    assert.equal(status.code, 0, `${vectorTest.argv.join(' ')} failed:\n${output.slice(-4000)}`);
  });
}
