// Found by the chaos soak (seed 2786): the new child of an autoRestart dies while the parent waits for its first
// echo, and stop() comes before the exit is reported: stop() resolved with the restart's ready timer still armed
// (MF-LIFE-5: no timer of the worker survives stop()).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referenceProgram } from '../../../src/conform/reference-worker.js';
import { createSimNetwork, drop } from '../../../src/sim.js';
import { VirtualClock } from '../../../src/time/virtual-clock.js';
import { ParentWorker } from '../../../src/worker/parent/parent-worker.js';
import { SimLauncher } from '../../../src/worker/sim/sim-launcher.js';
import { CountingClock } from '../../reliability/counting-clock.js';

for (const crashFirst of [false, true]) {
  test(`MF-LIFE-5: stop() during a restart's ready wait${crashFirst ? ', just after the new child died,' : ''} leaves no timer of the worker behind`, async () => {
    const clock = new VirtualClock();
    const stopAdvancing = clock.autoAdvance();
    let blockReady = false;
    // Once armed, the new child's answers never reach the parent: the restart waits for its ready echo.
    const network = createSimNetwork({
      clock,
      seed: 1,
      faults: [drop({ direction: 'child->parent', where: () => blockReady })],
    });
    const launcher = new SimLauncher({
      transportFor: (name) => network.transport(name),
      clock,
      programs: { reference: referenceProgram },
    });
    const workerClock = new CountingClock(clock);
    const worker = ParentWorker.spawnCommand(['reference'], {
      transport: network.transport('parent'),
      launcher,
      clock: workerClock,
      autoRestart: true,
      restartBackoffMs: 10,
      readyTimeoutMs: 60_000,
      heartbeatIntervalMs: 0,
      stopGraceMs: 100,
      stopTermMs: 100,
      outputSink: () => undefined,
    });
    const restarting = new Promise<void>((resolve) => worker.on((event) => event.type === 'restarting' && resolve()));
    try {
      await worker.start();
      blockReady = true;
      assert.ok(launcher.crash(worker.pid!));
      await restarting;
      await clock.sleep(50); // past the backoff: the new child is up, its ready echo is being dropped
      assert.equal(launcher.liveProcesses.length, 1);
      // The new child dies and, in the same turn, before its exit is reported, the worker is stopped.
      if (crashFirst) assert.ok(launcher.crash(worker.pid!));
      await worker.stop();
      assert.deepEqual(workerClock.liveTimerStacks().length, 0, 'a timer of the worker survived stop()');
    } finally {
      await worker.stop();
      stopAdvancing();
    }
  });
}
