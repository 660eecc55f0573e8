// The start-up profile probe of a ParentWorker with no profile pinned (MF-PROF-6, MF-PROF-7), on the simulator:
// what it sends, what it picks and reports, the losing echo, a child that answers neither, stop() during the
// probe, and a restarted child that comes back speaking the other profile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConformanceWorker } from '../../../src/conform/reference-worker.js';
import { ErrorCode, ProfileProbeError, WorkerStoppedError } from '../../../src/errors.js';
import type { ProfileName } from '../../../src/protocol/profile.js';
import { drop } from '../../../src/sim.js';
import { loopbackEndpoint } from '../../../src/transport/transport.js';
import { ENV_PORT } from '../../../src/worker/shared/environment.js';
import type { SimProgram } from '../../../src/worker/sim/sim-launcher.js';
import { outcome, simWorld } from './sim-support.js';

/** The reference worker strict to `profile` (MF-PROF-4). */
function strict(profile: ProfileName): SimProgram {
  return async ({ transport, host, clock }) => {
    await new ConformanceWorker({ profiles: [profile], transport, host, clock }).run();
  };
}

/** A child that answers nothing: it connects, writes a line on stderr and reads until it is killed. */
const deaf: SimProgram = async ({ transport, host }) => {
  const socket = transport.router();
  await socket.connect(loopbackEndpoint(Number(host.env(ENV_PORT))));
  host.writeRaw('stderr', 'v9 only\n');
  try {
    for await (const _frames of socket) void _frames;
  } catch {
    // closed when the process is killed
  }
};

type RecordingWorld = ReturnType<typeof simWorld> & { sent: string[]; heartbeats: string[] };

/** A simulated world that records every message the parent sends as `type app` (`sent`), and the app id of each HEARTBEAT. */
function recordingWorld(options: Parameters<typeof simWorld>[0]): RecordingWorld {
  const sent: string[] = [];
  const heartbeats: string[] = [];
  // A fault rule that never fires: it only sees every message the parent sends.
  const recorder = drop({
    direction: 'parent->child',
    where: (m) => {
      const app = String((m.message as { app?: unknown }).app);
      sent.push(`${m.type ?? '?'} ${app}`);
      if (m.type === 'heartbeat') heartbeats.push(app);
      return false;
    },
  });
  return { ...simWorld({ ...options, faults: [recorder] }), sent, heartbeats };
}

test('MF-PROF-6: with no profile pinned the parent sends a v3 then a v4 probe at once; a child accepting both answers v3 first and v3 is spoken', async () => {
  const world = recordingWorld({ worker: { heartbeatIntervalMs: 0 } });
  await world.worker.start();
  assert.deepEqual(world.heartbeats, ['comlink_ipc_v3', 'comlink_ipc_v4']);
  assert.equal(world.worker.profile, 'v3');
  assert.equal(await world.worker.call.profile(), 'v3');
  await world.clock.sleep(10); // the v4 echo has come back by now and been dropped without a report
  assert.deepEqual(
    world.events.filter((e) => e.type === 'message-dropped'),
    [],
  );
  assert.deepEqual(
    world.events.filter((e) => e.type === 'profile-chosen'),
    [{ type: 'profile-chosen', profile: 'v3', probed: true }],
  );
  assert.equal(world.worker.metricsSnapshot().profile, 'v3');
  assert.equal(world.worker.metricsSnapshot().heartbeat.sent, 2);
  await world.worker.stop();
});

test('MF-PROF-6: a child strict to v4 answers the v4 probe; calls and periodic heartbeats then go in v4', async () => {
  const world = recordingWorld({
    command: 'v4-only',
    programs: { 'v4-only': strict('v4') },
    worker: { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 1000 },
  });
  await world.worker.start();
  assert.equal(world.worker.profile, 'v4');
  assert.equal(await world.worker.call.profile(), 'v4');
  await world.clock.sleep(350);
  assert.deepEqual(world.heartbeats.slice(0, 2), ['comlink_ipc_v3', 'comlink_ipc_v4']);
  assert.ok(world.heartbeats.slice(2).length >= 3);
  assert.ok(world.heartbeats.slice(2).every((app) => app === 'comlink_ipc_v4'));
  assert.ok(world.events.some((e) => e.type === 'heartbeat-rtt'));
  assert.deepEqual(
    world.events.filter((e) => e.type === 'heartbeat-missed' || e.type === 'message-dropped'),
    [],
  );
  await world.worker.stop();
});

test('MF-PROF-7: a pinned profile sends one probe, in that profile, and reports it as not probed', async () => {
  const world = recordingWorld({
    command: 'v4-only',
    programs: { 'v4-only': strict('v4') },
    worker: { profile: 'v4', heartbeatIntervalMs: 0 },
  });
  await world.worker.start();
  assert.deepEqual(world.heartbeats, ['comlink_ipc_v4']);
  assert.deepEqual(
    world.events.filter((e) => e.type === 'profile-chosen'),
    [{ type: 'profile-chosen', profile: 'v4', probed: false }],
  );
  await world.worker.stop();
});

test('MF-PROF-6/7: a child that answers neither probe fails start() after the ready timeout with a ProfileProbeError', async () => {
  const world = recordingWorld({ command: 'deaf', programs: { deaf }, worker: { readyTimeoutMs: 1500 } });
  const startedAt = world.clock.nowMs();
  const error = await outcome(world.worker.start());
  assert.ok(error instanceof ProfileProbeError, String(error));
  assert.equal(error.code, ErrorCode.SPAWN);
  assert.deepEqual(error.probes, ['v3', 'v4']);
  assert.equal(error.outcome, 'timeout');
  assert.equal(error.exitCode, null);
  assert.match(error.message, /comlink_ipc_v3.*comlink_ipc_v4.*profile option/s);
  assert.match(error.stderrTail, /v9 only/);
  assert.equal(world.clock.nowMs() - startedAt, 1500);
  assert.equal(world.worker.profile, undefined);
  assert.equal(world.launcher.liveProcesses.length, 0, 'the silent child is killed');
});

test('a pinned profile that is not answered keeps the plain SpawnError, naming the profile', async () => {
  const world = recordingWorld({
    command: 'v4-only',
    programs: { 'v4-only': strict('v4') },
    worker: { profile: 'v3', readyTimeoutMs: 1000 },
  });
  const error = await outcome(world.worker.start());
  assert.equal((error as { code?: unknown }).code, ErrorCode.SPAWN);
  assert.ok(!(error instanceof ProfileProbeError));
  assert.ok(error instanceof Error);
  assert.match(error.message, /comlink_ipc_v3.*pinned/);
});

test('stop() during the probe ends start() with WorkerStoppedError and sends SHUTDOWN in both profiles', async () => {
  const world = recordingWorld({ command: 'deaf', programs: { deaf }, worker: { stopGraceMs: 100, stopTermMs: 100 } });
  const starting = outcome(world.worker.start());
  await world.clock.sleep(50);
  await world.worker.stop();
  assert.ok((await starting) instanceof WorkerStoppedError);
  assert.deepEqual(world.sent, [
    'heartbeat comlink_ipc_v3',
    'heartbeat comlink_ipc_v4',
    'shutdown comlink_ipc_v3',
    'shutdown comlink_ipc_v4',
  ]);
});

test('MF-PROF-6: after a restart the parent probes again and follows a child that now speaks the other profile', async () => {
  let launches = 0;
  const flip: SimProgram = (context) => strict(launches++ === 0 ? 'v4' : 'v3')(context);
  const world = recordingWorld({
    command: 'flip',
    programs: { flip },
    worker: { autoRestart: true, restartBackoffMs: 100, heartbeatIntervalMs: 0 },
  });
  await world.worker.start();
  assert.equal(world.worker.profile, 'v4');
  void outcome(world.worker.call.crash(1));
  while (!world.events.some((e) => e.type === 'restarted')) await world.clock.sleep(10);
  assert.equal(world.worker.profile, 'v3');
  assert.equal(await world.worker.call.profile(), 'v3');
  assert.deepEqual(world.heartbeats, ['comlink_ipc_v3', 'comlink_ipc_v4', 'comlink_ipc_v3', 'comlink_ipc_v4']);
  assert.deepEqual(
    world.events.filter((e) => e.type === 'profile-chosen').map((e) => e.type === 'profile-chosen' && e.profile),
    ['v4', 'v3'],
  );
  assert.equal(world.worker.metricsSnapshot().profile, 'v3');
  await world.worker.stop();
});
