/**
 * One model-based property: fast-check draws command lists, each run builds a fresh simulated world (seeded
 * from the run's own random source), starts a worker, runs the commands with `fc.asyncModelRun` and releases
 * the world whatever happened. Replay a failure with the seed, path and replay path fast-check prints:
 * `MF_FC_SEED=<seed> MF_FC_PATH=<path> MF_MODEL_REPLAY_PATH=<replayPath>` (see docs/simulator.md).
 */
import fc from 'fast-check';
import { fcParameters } from '../property/fc-config.js';
import { commandArbitraries } from './model-commands.js';
import { ParentChildModel } from './parent-child-model.js';
import { RealWorld } from './real-world.js';

/** Runs of the default test run: a few seconds on a loaded 2-core machine. MF_MODEL_RUNS overrides. */
export const DEFAULT_MODEL_RUNS = 200;
export const MAX_COMMANDS = 30;

export function modelRuns(): number {
  const text = process.env['MF_MODEL_RUNS'];
  return text === undefined || text === '' ? DEFAULT_MODEL_RUNS : Number(text);
}

/** The property: any command list keeps the real parent and child in step with the model. */
export function parentChildProperty(replayPath = process.env['MF_MODEL_REPLAY_PATH']) {
  return fc.asyncProperty(
    fc.commands(commandArbitraries(), { maxCommands: MAX_COMMANDS, size: 'max', ...(replayPath === undefined || replayPath === '' ? {} : { replayPath }) }),
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    async (commands, networkSeed) => {
      const real = new RealWorld(networkSeed);
      await real.startWorker();
      try {
        await fc.asyncModelRun(() => ({ model: new ParentChildModel(), real }), commands);
      } finally {
        await real.dispose();
      }
    },
  );
}

/** fast-check parameters: MF_MODEL_RUNS runs, MF_FC_SEED / MF_FC_PATH to replay (harness/test/property/fc-config.ts). */
export function modelParameters(overrides: fc.Parameters<[Iterable<unknown>, number]> = {}): fc.Parameters<[Iterable<unknown>, number]> {
  return { ...fcParameters<[Iterable<unknown>, number]>({ numRuns: modelRuns() }), includeErrorInReport: true, ...overrides };
}
