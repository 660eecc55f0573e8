// CURVE keys and refusals without a handshake (MF-SEC-5, MF-SEC-6): Z85 against ZeroMQ RFC 32's vector and
// libzmq's own keys, a bad key stops every reference child at start-up (never plaintext), and the simulator
// refuses CURVE instead of pretending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../../../src/errors.js';
import { createSimNetwork } from '../../../src/sim.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { checkCurveKey, generateCurveKeyPair, z85Decode, z85Encode } from '../../../src/worker/shared/curve-keys.js';
import { ENV_CURVE_SECRET_KEY } from '../../../src/worker/shared/curve-environment.js';
import { fileServiceDiscovery } from '../../../src/worker/shared/registry-adapter.js';
import { ServiceRegistry } from '../../../src/registry/index.js';
import { PEERS } from '../../peers/peers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('Z85 encodes and decodes the ZeroMQ RFC 32 test vector', () => {
  const bytes = new Uint8Array([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(z85Encode(bytes), 'HelloWorld');
  assert.deepEqual(z85Decode('HelloWorld'), bytes);
});

test('generated keys are 40 Z85 characters of 32 bytes each, and differ every time', () => {
  const first = generateCurveKeyPair();
  const second = generateCurveKeyPair();
  for (const key of [first.publicKey, first.secretKey]) {
    assert.equal(checkCurveKey(key, 'key'), key);
    assert.equal(z85Decode(key).length, 32);
  }
  assert.notEqual(first.secretKey, second.secretKey);
});

test('a key that is not 40 characters of Z85 is refused with InvalidArgumentError naming it', () => {
  for (const bad of ['', 'short', 'x'.repeat(39), `${'a'.repeat(39)}"`, 42])
    assert.throws(
      () => checkCurveKey(bad, 'curveServerKey'),
      (error: unknown) => {
        return error instanceof InvalidArgumentError && error.argument === 'curveServerKey';
      },
    );
});

test('the simulator has no CURVE: a parent asked for it fails start() instead of talking plaintext', async () => {
  const network = createSimNetwork({ clock: new VirtualClock(), seed: 1 });
  const worker = ParentWorker.connectToPort(5555, {
    curveServerKey: generateCurveKeyPair().publicKey,
    transport: network.transport('parent'),
  });
  await assert.rejects(worker.start(), (error: unknown) => error instanceof InvalidArgumentError);
  await worker.stop();
});

const CHILDREN: Array<[string, string[]]> = [
  ['typescript', [process.execPath, '--import', 'tsx', `${root}src/conform/reference-worker.ts`]],
  ['python', [...PEERS.python.child]],
  ['go', [...PEERS.go.child]],
  ['rust', [...PEERS.rust.child]],
];

for (const [language, argv] of CHILDREN) {
  test(`a ${language} child given a malformed ${ENV_CURVE_SECRET_KEY} exits non-zero at start-up`, async () => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, COMLINK_ZMQ_PORT: '5999', COMLINK_WORKER_MODE: '1', [ENV_CURVE_SECRET_KEY]: 'not-a-key' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(watchdog);
    assert.notEqual(code, 0, `exit code ${String(code)}; stderr: ${stderr}`);
    assert.notEqual(code, null, 'it exited by itself (not killed by the watchdog)');
    assert.match(stderr, /MULTIFROST_CURVE_SECRET_KEY|CURVE/);
  });
}

test('discovery refuses a curve_public_key that is not a string, never reading it as "no key" (MF-SEC-7)', async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'mf-curve-entry-'));
  t.after(() => rm(home, { recursive: true, force: true }));
  await chmod(home, 0o700);
  const entry = { port: 40_000, pid: process.pid, started: new Date().toISOString() };
  await writeFile(
    join(home, 'services.json'),
    JSON.stringify({
      keyed: { ...entry, curve_public_key: 5 },
      plain: entry,
      good: { ...entry, curve_public_key: generateCurveKeyPair().publicKey },
    }),
    { mode: 0o600 },
  );
  const discovery = await fileServiceDiscovery(new ServiceRegistry({ baseDir: home }));
  await assert.rejects(
    discovery.discover('keyed', 1000),
    (error: unknown) => error instanceof InvalidArgumentError && /keyed.*not a string.*\(5\)/.test(error.message),
  );
  assert.deepEqual(await discovery.discover('plain', 1000), { port: 40_000 });
  assert.equal((await discovery.discover('good', 1000)).curvePublicKey?.length, 40);
});
