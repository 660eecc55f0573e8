// The TypeScript ParentWorker against each reference peer child, in both profiles: calls, wide integers and
// bin, nil results, remote errors, forwarded output, heartbeats answered while a call runs, and a clean
// stop. A first slice of the interop matrix. Needs `node harness/peers/setup.mjs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { ErrorCode, RemoteCallError } from '../../../src/errors.js';
import type { WorkerEvent } from '../../../src/worker/parent/events.js';
import { PEERS, PEER_LANGUAGES } from '../../peers/peers.js';
import type { ProfileName } from '../../../src/protocol/profile.js';

interface ConformanceApi {
  add(a: number, b: number): number;
  echo(value: unknown): unknown;
  fail(message: string): never;
  nothing(): void;
  profile(): string;
  sleep(ms: number): number;
  write_stdout(text: string): void;
}

for (const language of PEER_LANGUAGES) {
  for (const profile of ['v3', 'v4'] as const satisfies readonly ProfileName[]) {
    test(
      `TS ParentWorker (${profile}) calls the ${language} child and heartbeats it`,
      { timeout: 60_000 },
      async (t) => {
        const output: string[] = [];
        const events: WorkerEvent[] = [];
        const worker = ParentWorker.spawnCommand<ConformanceApi>(PEERS[language].child, {
          profile,
          heartbeatIntervalMs: 50,
          defaultTimeoutMs: 20_000,
          outputSink: (stream, text) => void output.push(`${stream}:${text}`),
        });
        worker.on((event) => void events.push(event));
        t.after(() => worker.stop());
        await worker.start();

        assert.equal(await worker.call.add(1, 2), 3);
        const value = { text: 'ü', list: [1, 2n ** 64n - 1n, -(2n ** 63n)], bin: Buffer.from([0, 1, 255]) };
        assert.deepEqual(await worker.call.echo(value), value);
        assert.equal(await worker.call.nothing(), null);
        assert.equal(await worker.call.profile(), profile);
        await assert.rejects(worker.call.fail('remote boom'), (error: unknown) => {
          assert.ok(error instanceof RemoteCallError);
          assert.equal(error.code, ErrorCode.REMOTE);
          assert.match(error.message, /remote boom/);
          return true;
        });
        await worker.call.write_stdout('hello from the child');
        // A 400 ms call spans several 50 ms heartbeats: each must be answered while it runs (MF-HB-4).
        assert.equal(await worker.call.sleep(400), 400);
        assert.ok(output.includes('stdout:hello from the child'), `forwarded output: ${JSON.stringify(output)}`);
        assert.ok(
          events.some((e) => e.type === 'heartbeat-rtt'),
          'at least one heartbeat echo',
        );
        assert.deepEqual(
          events.filter((e) => e.type === 'heartbeat-missed'),
          [],
        );

        const started = events.find((e) => e.type === 'started');
        assert.ok(started?.type === 'started' && started.pid !== undefined);
        await worker.stop();
        assert.throws(() => process.kill(started.pid!, 0), 'the child is gone after stop()');
        assert.ok(events.some((e) => e.type === 'stopped'));
      },
    );
  }
}

// A default parent (no profile pinned) probes at start-up (MF-PROF-6, MF-PROF-7): against each peer child
// made strict to v3 or v4 with MULTIFROST_PROFILE, and accepting both, it picks the profile the child
// answers (v3 when both are), reports it, and serves calls and heartbeats in it.
for (const language of PEER_LANGUAGES) {
  for (const accepts of ['v3', 'v4', 'both'] as const) {
    const expected: ProfileName = accepts === 'v4' ? 'v4' : 'v3';
    test(
      `TS ParentWorker with no profile pinned probes the ${language} child accepting ${accepts} and speaks ${expected}`,
      { timeout: 60_000 },
      async (t) => {
        const events: WorkerEvent[] = [];
        const worker = ParentWorker.spawnCommand<ConformanceApi>(PEERS[language].child, {
          env: accepts === 'both' ? {} : { MULTIFROST_PROFILE: accepts },
          heartbeatIntervalMs: 50,
          defaultTimeoutMs: 20_000,
          outputSink: () => undefined,
        });
        worker.on((event) => void events.push(event));
        t.after(() => worker.stop());
        await worker.start();

        assert.equal(worker.profile, expected);
        assert.deepEqual(
          events.filter((e) => e.type === 'profile-chosen'),
          [{ type: 'profile-chosen', profile: expected, probed: true }],
        );
        assert.equal(worker.metricsSnapshot().profile, expected);
        assert.equal(await worker.call.profile(), expected, 'the child saw the calls in the chosen profile');
        assert.equal(await worker.call.add(1, 2), 3);
        const value = { text: 'ü', list: [1, 2n ** 64n - 1n], bin: Buffer.from([0, 255]) };
        assert.deepEqual(await worker.call.echo(value), value);
        assert.equal(await worker.call.sleep(200), 200);
        assert.ok(
          events.some((e) => e.type === 'heartbeat-rtt'),
          'heartbeats answered in the chosen profile',
        );
        assert.deepEqual(
          events.filter((e) => e.type === 'heartbeat-missed' || e.type === 'message-dropped'),
          [],
        );
        await worker.stop();
      },
    );
  }
}
