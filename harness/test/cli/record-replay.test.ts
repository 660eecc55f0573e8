/**
 * Record on real ZeroMQ, replay in the simulator (issue 17 item 3): a worker with a planted timing-dependent
 * bug (two `bump` calls within 50 ms lose an update) runs as a real process behind the kit's relay with
 * `--record`; the bug shows on real sockets once and is recorded; every replay of the recording in SimNetwork
 * shows it again with a byte-identical trace, and the same recording against the fixed worker does not.
 * Then the CLI: `--record` on a conformance run, and `sim-replay` giving the same digest twice.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { faultRelayArgv } from '../../../src/conform/fault-relay-command.js';
import { readRecording } from '../../../src/conform/record/recording.js';
import { replaySession } from '../../../src/conform/record/replay-session.js';
import { replayAgainstParent } from '../../../src/conform/record/replay-parent.js';
import { RecordingTransport } from '../../../src/conform/record/recording-transport.js';
import { referenceWorkerPath } from '../../../src/conform/reference-worker.js';
import { ZmqTransport } from '../../../src/transport/zmq/index.js';
import { scriptArgv } from '../../../src/conform/target.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { fixedProgram, racyProgram } from './fixtures/racy-worker.js';
import { runCli } from './cli-process.js';

interface RacyApi {
  bump(): number;
  total(): number;
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mf-record-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The replay's reply to the `total` CALL (found by the CALL's id in the trace). */
function totalReply(trace: readonly string[]): unknown {
  const sends = trace
    .map(
      (line) =>
        JSON.parse(line) as {
          ev: string;
          message?: { type?: string; function?: string; id?: string; result?: unknown };
        },
    )
    .filter((record) => record.ev === 'send');
  const call = sends.find((s) => s.message?.type === 'call' && s.message.function === 'total');
  assert.ok(call !== undefined, 'the replay sent the total CALL');
  const reply = sends.find((s) => s.message?.type === 'response' && s.message.id === call.message!.id);
  assert.ok(reply !== undefined, 'the child answered total');
  return reply.message!.result;
}

test('a timing bug seen once on real sockets and recorded reproduces on every replay in the simulator', async (t) => {
  const file = join(tempDir(t), 'session.jsonl');
  const racy = scriptArgv(fileURLToPath(new URL('./fixtures/racy-worker.ts', import.meta.url)));
  const worker = ParentWorker.spawnCommand<RacyApi>(faultRelayArgv(racy, { spec: '', seed: 1, record: file }), {
    defaultTimeoutMs: 10_000,
    readyTimeoutMs: 30_000,
    heartbeatIntervalMs: 0,
  });
  t.after(() => worker.stop());
  await worker.start();
  // Two bumps at once on real sockets: both read 0 before either writes.
  const bumps = await Promise.all([worker.call.bump(), worker.call.bump()]);
  const total = await worker.call.total();
  assert.deepEqual(bumps, [1, 1], 'the bug shows on real sockets');
  assert.equal(total, 1);
  await worker.stop();

  const [session, ...others] = readRecording(readFileSync(file, 'utf8'), file);
  assert.equal(others.length, 0, 'one worker process, one session');
  assert.ok(
    session!.messages.some((m) => m.dir === 'child->parent'),
    'the replies are recorded too',
  );
  const first = await replaySession(session!, { program: racyProgram });
  const second = await replaySession(session!, { program: racyProgram });
  assert.equal(totalReply(first.trace), 1, 'the lost update happens in the replay');
  assert.deepEqual(second.trace, first.trace, 'every replay gives the same trace');
  assert.equal(first.sent, session!.messages.filter((m) => m.dir === 'parent->child').length);
  // The control: the same schedule against the fixed worker counts both bumps.
  const fixed = await replaySession(session!, { program: fixedProgram });
  assert.equal(totalReply(fixed.trace), 2);
});

test('CLI: --record on a conformance run, and sim-replay prints the same digest on every replay', async (t) => {
  const file = join(tempDir(t), 'run.jsonl');
  const run = await runCli(t, ['--reference', '--name', 'answers add', '--record', file]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const sessions = readRecording(readFileSync(file, 'utf8'), file);
  assert.ok(sessions.length >= 2, 'the start-up probe and the scenarios each ran behind a recording relay');
  const calls = sessions
    .flatMap((s) => s.messages)
    .filter((m) => (m.message as { function?: string }).function === 'add');
  assert.ok(calls.length >= 2, 'both add CALLs are recorded');
  const once = await runCli(t, ['sim-replay', file]);
  const twice = await runCli(t, ['sim-replay', file]);
  assert.equal(once.code, 0, once.stderr);
  const lines = once.stdout.trim().split('\n');
  assert.equal(lines.length, sessions.length);
  for (const line of lines)
    assert.match(
      line,
      /^multifrost-conform: sim-replay session \d+ \(.*reference-worker\.js\): \d+ message\(s\) replayed to the TypeScript child over \d+ ms of virtual time, \d+ came back; trace \d+ lines, sha256 [0-9a-f]{16}$/,
    );
  assert.equal(twice.stdout, once.stdout, 'the same digests on every replay');
  const bad = await runCli(t, ['sim-replay']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /sim-replay replays one recording/);
});

test('the tap in the transport: a TypeScript parent records its own session, and the replay answers the same calls', async (t) => {
  const file = join(tempDir(t), 'parent.jsonl');
  const worker = ParentWorker.spawn<{ add(a: number, b: number): number }>(referenceWorkerPath, undefined, {
    transport: new RecordingTransport(new ZmqTransport(), file),
    heartbeatIntervalMs: 0,
    readyTimeoutMs: 30_000,
  });
  t.after(() => worker.stop());
  await worker.start();
  assert.equal(await worker.call.add(20, 22), 42);
  await worker.stop();
  const [session] = readRecording(readFileSync(file, 'utf8'), file);
  const add = session!.messages.find((m) => (m.message as { function?: string }).function === 'add');
  assert.equal(add?.dir, 'parent->child');
  const reply = session!.messages.find(
    (m) => m.dir === 'child->parent' && (m.message as { result?: unknown }).result === 42,
  );
  assert.ok(reply !== undefined, 'the reply is recorded, without a routing id');
  assert.equal(reply.frames.length, 2);
  const replay = await replaySession(session!);
  assert.ok(
    replay.trace.some((line) => /"type":"response"[^\n]*"result":42/.test(line)),
    'the TypeScript child answers the replayed add with 42',
  );
  assert.deepEqual((await replaySession(session!)).trace, replay.trace);
});

test('replay against the TypeScript parent: the recorded child answers with its recorded delays, so a 300 ms reply times out a 200 ms parent on every replay', async (t) => {
  const file = join(tempDir(t), 'slow.jsonl');
  const worker = ParentWorker.spawn<{ add(a: number, b: number): number; sleep(ms: number): number }>(
    referenceWorkerPath,
    undefined,
    { transport: new RecordingTransport(new ZmqTransport(), file), heartbeatIntervalMs: 0, readyTimeoutMs: 30_000 },
  );
  t.after(() => worker.stop());
  await worker.start();
  assert.equal(await worker.call.add(1, 2), 3);
  assert.equal(await worker.call.sleep(300), 300);
  await worker.stop();
  const [session] = readRecording(readFileSync(file, 'utf8'), file);
  const impatient = await replayAgainstParent(session!, { defaultTimeoutMs: 200 });
  assert.equal(impatient.calls[0], 'ok 3');
  assert.match(impatient.calls[1]!, /^MF_TIMEOUT: /);
  assert.deepEqual((await replayAgainstParent(session!, { defaultTimeoutMs: 200 })).trace, impatient.trace);
  const patient = await replayAgainstParent(session!, { defaultTimeoutMs: 2_000 });
  assert.deepEqual(patient.calls, ['ok 3', 'ok 300']);
});
