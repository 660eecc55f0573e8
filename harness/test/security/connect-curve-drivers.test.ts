// MF-SEC-7, parent side, for every reference driver (TypeScript, Python, Go, Rust): asked for CURVE
// (MULTIFROST_CURVE=1), a driver refuses a service whose registry entry publishes no curve_public_key, with a
// start-failed line that says so, and sends that service nothing: no plaintext fallback. The control phase
// runs the same drivers without MULTIFROST_CURVE against the same entry and sees their CALLs arrive, so the
// "nothing arrived" observation is able to see traffic. Needs the peers and the package built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZmqTransport } from '../../../src/transport/zmq/index.js';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { createHeartbeatEcho } from '../../../src/protocol/messages.js';
import { PROFILES } from '../../../src/protocol/profile.js';
import { decodeMessage } from '../../../src/protocol/validate.js';
import { LANGUAGES, type Language, parentCommand } from '../../interop/matrix.js';
import { exitOf, reap, within, type Cleanup } from '../peers/peer-harness.js';

const SERVICE_ID = 'plain-service';

interface DriverRun {
  language: Language;
  code: number | null;
  lines: Array<Record<string, unknown>>;
  stderr: string;
}

/** Runs `language`'s driver in connect mode against SERVICE_ID with one `add` call, and collects its output. */
async function runDriver(t: Cleanup, language: Language, home: string, curve: boolean): Promise<DriverRun> {
  const [command, ...args] = parentCommand(language);
  const { MULTIFROST_CURVE: _c, MULTIFROST_CHILD_COMMAND: _x, ...inherited } = process.env;
  const driver = spawn(command!, args, {
    env: {
      ...inherited,
      MULTIFROST_HOME: home,
      MULTIFROST_SERVICE_ID: SERVICE_ID,
      MULTIFROST_DISCOVERY_TIMEOUT_MS: '5000',
      MULTIFROST_CALL_TIMEOUT_MS: '500',
      MULTIFROST_HEARTBEAT_INTERVAL_MS: '0',
      ...(curve ? { MULTIFROST_CURVE: '1' } : {}),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  reap(t, driver);
  let stdout = '';
  let stderr = '';
  driver.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  driver.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  driver.stdin.on('error', () => undefined);
  driver.stdin.end('{"seq":1,"function":"add","args":[1,2]}\n{"op":"stop"}\n');
  const { code } = await within(exitOf(driver), 30_000, `the ${language} driver to exit`);
  const lines = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { language, code, lines, stderr };
}

test('every driver asked for CURVE refuses a service entry without curve_public_key and sends it nothing (MF-SEC-7)', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mf-curve-refuse-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  // The "service": a plaintext ROUTER that counts the CALLs reaching it and never answers them; it echoes
  // heartbeats, since the TypeScript parent's start-up probe waits for one.
  const service = new ZmqTransport().router();
  t.after(() => service.close());
  const endpoint = await service.bind('tcp://127.0.0.1:0');
  const port = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
  const calls: string[] = [];
  void (async () => {
    for await (const frames of service) {
      const decoded = decodeMessage(defaultCodec, frames.at(-1)!, [PROFILES.v3, PROFILES.v4]);
      if (!decoded.ok) continue;
      const message = decoded.message;
      if (message.type === 'call') calls.push(message.id);
      if (message.type !== 'heartbeat') continue;
      const profile = message.app === PROFILES.v4.app ? PROFILES.v4 : PROFILES.v3;
      const echo = createHeartbeatEcho(profile, message, Date.now() / 1000);
      await service.send([frames[0]!, new Uint8Array(0), defaultCodec.encode(echo)]);
    }
  })().catch(() => undefined);
  // A live pid (ours), a port, no curve_public_key; mode 0600 as a registry writes it.
  const entry = { port, pid: process.pid, started: new Date().toISOString() };
  writeFileSync(join(home, 'services.json'), JSON.stringify({ [SERVICE_ID]: entry }), { mode: 0o600 });

  const refused = await Promise.all(LANGUAGES.map((language) => runDriver(t, language, home, true)));
  for (const run of refused) {
    const failed = run.lines.find((line) => line['event'] === 'start-failed');
    assert.ok(
      failed !== undefined,
      `${run.language}: no start-failed line: ${JSON.stringify(run.lines)} ${run.stderr}`,
    );
    assert.match(String(failed['error']), /curve_public_key/, `${run.language} says why it refused`);
    assert.equal(run.code, 1, `${run.language} exits 1`);
    assert.ok(
      !run.lines.some((line) => line['seq'] !== undefined && line['ok'] === true),
      `${run.language}: no answer`,
    );
  }
  assert.deepEqual(calls, [], 'no driver sent the plaintext service anything');

  // Control: without MULTIFROST_CURVE the same drivers talk plaintext to the same entry (MF-SEC-7 asks CURVE
  // only of a published key), and each CALL is seen arriving.
  const plain = await Promise.all(LANGUAGES.map((language) => runDriver(t, language, home, false)));
  for (const run of plain) {
    const answer = run.lines.find((line) => line['seq'] === 1);
    assert.equal(answer?.['kind'], 'timeout', `${run.language} called and timed out: ${JSON.stringify(run.lines)}`);
  }
  assert.equal(calls.length, LANGUAGES.length, 'each plaintext driver reached the service');
});
