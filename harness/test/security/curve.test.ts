// Authenticated peers (MF-SEC-5..9), over real ZeroMQ with real child processes: a stranger connecting to a
// spawn-mode parent's port (the intruder probe) forges nothing with CURVE on, and without CURVE the
// parent notices it and refuses to send calls it could not attribute; a CURVE service refuses strangers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { UnverifiedPeerError } from '../../../src/errors.js';
import type { WorkerEvent } from '../../../src/worker/parent/events.js';
import { ZmqTransport } from '../../../src/transport/zmq/index.js';
import type { PeerEvent, Socket } from '../../../src/transport/transport.js';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { PROFILES } from '../../../src/protocol/profile.js';
import { createCall, createHeartbeatEcho, createResponse } from '../../../src/protocol/messages.js';
import { decodeMessage } from '../../../src/protocol/validate.js';
import { fileServiceDiscovery } from '../../../src/worker/shared/registry-adapter.js';
import { ServiceRegistry } from '../../../src/registry/index.js';
import { generateCurveKeyPair } from '../../../src/worker/shared/curve-keys.js';
import { CURVE_REGISTRY_FIELD, ENV_CURVE_SECRET_KEY } from '../../../src/worker/shared/curve-environment.js';
import { PEERS } from '../../peers/peers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const referenceWorker = `${root}src/conform/reference-worker.ts`;
const CALLS = 200;
const transport = new ZmqTransport();

/** Resolves with the first event `pick` accepts; rejects after `ms` (generous: a deadline, not a sleep). */
function nextEvent<E>(
  subscribe: (listener: (event: E) => void) => () => void,
  pick: (event: E) => boolean,
  ms = 15_000,
) {
  return new Promise<E>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no matching event within ${ms} ms`));
    }, ms);
    const stop = subscribe((event) => {
      if (!pick(event)) return;
      clearTimeout(timer);
      stop();
      resolve(event);
    });
  });
}

/**
 * A stranger's ROUTER connected to `endpoint` that answers every CALL it receives with a forged RESPONSE and
 * echoes heartbeats (so it looks alive), as the probe did. `calls` counts the CALLs it received.
 */
function forger(socket: Socket) {
  const state = { calls: 0 };
  void (async () => {
    for await (const frames of socket) {
      const message = decodeMessage(defaultCodec, frames[2]!, [PROFILES.v3, PROFILES.v4]);
      if (!message.ok) continue;
      const m = message.message;
      const profile = m.app === PROFILES.v4.app ? PROFILES.v4 : PROFILES.v3;
      let reply;
      if (m.type === 'call') {
        state.calls++;
        reply = createResponse(profile, m.id, Date.now() / 1000, 'FORGED');
      } else if (m.type === 'heartbeat') reply = createHeartbeatEcho(profile, m, Date.now() / 1000);
      else continue;
      await socket.send([frames[0]!, new Uint8Array(0), defaultCodec.encode(reply)]);
    }
  })().catch(() => undefined);
  return state;
}

function startedEndpoint(events: WorkerEvent[]): string {
  const started = events.find((event) => event.type === 'started');
  assert.ok(started?.type === 'started');
  return started.endpoint;
}

async function callAll(worker: ParentWorker) {
  const tally = { genuine: 0, forged: 0, unverified: 0, other: [] as string[] };
  const results = await Promise.allSettled(
    Array.from({ length: CALLS }, (_, index) => worker.callFunction('echo', [index])),
  );
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      if (result.value === index) tally.genuine++;
      else tally.forged++;
    } else if (result.reason instanceof UnverifiedPeerError) tally.unverified++;
    else tally.other.push(String(result.reason));
  });
  return tally;
}

function spawnWorker(options: Parameters<typeof ParentWorker.spawn>[2], t: { after(fn: () => Promise<void>): void }) {
  const events: WorkerEvent[] = [];
  const worker = ParentWorker.spawn(referenceWorker, undefined, {
    defaultTimeoutMs: 10_000,
    heartbeatIntervalMs: 0,
    outputSink: () => undefined,
    ...options,
  });
  worker.on((event) => events.push(event));
  t.after(() => worker.stop());
  return { worker, events };
}

test('CURVE on: strangers without the child key are refused by the handshake and forge 0 of 200', async (t) => {
  const { worker, events } = spawnWorker({ curve: true }, t);
  await worker.start();
  const endpoint = startedEndpoint(events);
  const own = generateCurveKeyPair();
  const childLike = generateCurveKeyPair();
  const strangers: Socket[] = [transport.router(), transport.router(), transport.router()];
  strangers[1]!.secure!({ role: 'server', secretKey: own.secretKey }); // pretends to be the child, own keys
  strangers[2]!.secure!({ role: 'client', serverPublicKey: childLike.publicKey, ...own }); // a CURVE client
  t.after(() => Promise.all(strangers.map((socket) => socket.close())).then(() => undefined));
  const refusals = new Promise<void>((resolve) => {
    let seen = 0;
    worker.on((event) => {
      if (event.type === 'peer-refused' && ++seen === strangers.length) resolve();
    });
  });
  const forgers = strangers.map(forger);
  for (const socket of strangers) await socket.connect(endpoint);
  await refusals;
  const tally = await callAll(worker);
  assert.deepEqual(tally, { genuine: CALLS, forged: 0, unverified: 0, other: [] });
  assert.deepEqual(
    forgers.map((state) => state.calls),
    [0, 0, 0],
  );
  console.log(`INTRUDER curve=on forged=${tally.forged}/${CALLS} genuine=${tally.genuine} stranger-calls=0`);
});

test('CURVE on: the child key travels in the environment, never in argv', async (t) => {
  const { worker } = spawnWorker({ curve: true }, t);
  await worker.start();
  const pid = worker.pid!;
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const secret = environ.find((entry) => entry.startsWith(`${ENV_CURVE_SECRET_KEY}=`));
  assert.ok(secret !== undefined, 'the child got its secret key');
  assert.equal(secret.length, ENV_CURVE_SECRET_KEY.length + 1 + 40);
  assert.ok(!cmdline.includes(secret.slice(ENV_CURVE_SECRET_KEY.length + 1)), 'no key in argv');
  assert.equal(await worker.callFunction('add', [2, 3]), 5);
});

test('CURVE off: a second peer is reported, and calls fail typed instead of going to it (0 forged)', async (t) => {
  const { worker, events } = spawnWorker({}, t);
  await worker.start();
  assert.equal(await worker.callFunction('add', [1, 1]), 2);
  const stranger = transport.router();
  t.after(() => stranger.close());
  const state = forger(stranger);
  const seen = nextEvent<WorkerEvent>(worker.on.bind(worker), (e) => e.type === 'unverified-peer' && e.peers === 2);
  await stranger.connect(startedEndpoint(events));
  await seen;
  const tally = await callAll(worker);
  assert.deepEqual(tally, { genuine: 0, forged: 0, unverified: CALLS, other: [] });
  assert.equal(state.calls, 0, 'nothing was sent while two peers were connected');
  const gone = nextEvent<WorkerEvent>(worker.on.bind(worker), (e) => e.type === 'unverified-peer' && e.peers === 1);
  await stranger.close();
  await gone;
  assert.equal(await worker.callFunction('add', [2, 2]), 4, 'back to one peer: calls go out again');
  console.log(`INTRUDER curve=off forged=${tally.forged}/${CALLS} refused-typed=${tally.unverified} stranger-calls=0`);
});

test('CURVE off: a call in flight when a second peer connects fails with UnverifiedPeerError (may have run)', async (t) => {
  const { worker, events } = spawnWorker({}, t);
  await worker.start();
  const pending = worker.callFunction('sleep', [3_000]);
  const stranger = transport.router();
  t.after(() => stranger.close());
  await stranger.connect(startedEndpoint(events));
  await assert.rejects(pending, (error: unknown) => error instanceof UnverifiedPeerError && error.mayHaveRun);
});

const SERVICES: Array<[string, string[]]> = [
  ['TypeScript', [process.execPath, '--import', 'tsx', referenceWorker]],
  ['Python', [...PEERS.python.child]],
  ['Go', [...PEERS.go.child]],
  ['Rust', [...PEERS.rust.child]],
];

for (const [language, argv] of SERVICES)
  test(`connect mode: a ${language} CURVE service publishes its key (registry 0600) and refuses strangers`, async (t) => {
    const home = mkdtempSync(join(tmpdir(), 'mf-curve-'));
    t.after(() => rmSync(home, { recursive: true, force: true }));
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { ...process.env, MULTIFROST_HOME: home, MULTIFROST_SERVICE_ID: 'secure-svc', MULTIFROST_CURVE: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    t.after(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    const worker = await ParentWorker.connect('secure-svc', {
      curve: true,
      discovery: await fileServiceDiscovery(new ServiceRegistry({ baseDir: home })),
      discoverTimeoutMs: 20_000,
      heartbeatIntervalMs: 0,
      defaultTimeoutMs: 10_000,
    });
    t.after(() => worker.stop());
    await worker.start();
    assert.equal(await worker.callFunction('add', [20, 22]), 42);
    const registry = join(home, 'services.json');
    assert.equal(statSync(registry).mode & 0o777, 0o600);
    const entry = (JSON.parse(readFileSync(registry, 'utf8')) as Record<string, Record<string, unknown>>)[
      'secure-svc'
    ]!;
    assert.match(String(entry[CURVE_REGISTRY_FIELD]), /^.{40}$/);

    // A stranger without the key: its handshake fails and its CALL is never answered.
    const stranger = transport.dealer();
    t.after(() => stranger.close());
    const refused = nextEvent<PeerEvent>(stranger.watchPeers!.bind(stranger), (e) => e.type === 'handshake-failed');
    await stranger.connect(`tcp://127.0.0.1:${Number(entry['port'])}`);
    const call = createCall(PROFILES.v3, 'stranger-1', Date.now() / 1000, 'add', [1, 2], undefined);
    void stranger.post([new Uint8Array(0), defaultCodec.encode(call)], () => undefined);
    const answered = stranger.receive().then(
      () => true,
      () => false,
    );
    await refused;
    // The handshake failed: libzmq discards the message queued for that connection, so nothing reaches the
    // service. The genuine parent still gets answers meanwhile.
    assert.equal(await worker.callFunction('add', [1, 2]), 3);
    assert.equal(await Promise.race([answered, Promise.resolve(false)]), false);
  });

test('without the guard or CURVE (a bare DEALER), a stranger gets calls: what the guard and CURVE prevent', async (t) => {
  const dealer = transport.dealer();
  const child = transport.router();
  const stranger = transport.router();
  t.after(() => Promise.all([dealer, child, stranger].map((socket) => socket.close())).then(() => undefined));
  const endpoint = await dealer.bind('tcp://127.0.0.1:0');
  const handshakes = { count: 0 };
  const both = nextEvent<PeerEvent>(
    dealer.watchPeers!.bind(dealer),
    (e) => e.type === 'handshake' && ++handshakes.count === 2,
  );
  await child.connect(endpoint);
  await stranger.connect(endpoint);
  await both;
  const state = forger(stranger);
  let genuine = 0;
  void (async () => {
    for await (const frames of child) {
      genuine++;
      void frames;
    }
  })().catch(() => undefined);
  for (let index = 0; index < CALLS; index++) {
    const call = createCall(PROFILES.v3, `c${index}`, Date.now() / 1000, 'echo', [index], undefined);
    await dealer.send([new Uint8Array(0), defaultCodec.encode(call)]);
  }
  let forged = 0;
  while (forged < state.calls || forged === 0) {
    await dealer.receive();
    forged++;
  }
  assert.ok(state.calls > 0, 'round-robin hands the stranger calls');
  console.log(
    `INTRUDER bare-dealer stranger-calls=${state.calls}/${CALLS} child-calls=${genuine} forged-replies=${forged}`,
  );
});

test('a parent asked for CURVE refuses a service that publishes no key', async () => {
  const worker = await ParentWorker.connect('plain', {
    curve: true,
    discovery: { discover: () => Promise.resolve({ port: 65_000 }) },
  });
  await assert.rejects(worker.start(), /publishes no curve_public_key/);
});
