/**
 * One model-based property: fast-check draws command lists, each run builds a fresh simulated world (seeded
 * from the run's own random source), starts a worker, runs the commands with `fc.asyncModelRun` and releases
 * the world whatever happened. Replay a failure with the seed, path and replay path fast-check prints:
 * `MF_FC_SEED=<seed> MF_FC_PATH=<path> MF_MODEL_REPLAY_PATH=<replayPath>` (see docs/simulator.md).
 */
import fc from 'fast-check';
import { fcParameters } from '../property/fc-config.js';
import { type ModelCommand, commandArbitraries } from './model-commands.js';
import { ParentChildModel } from './parent-child-model.js';
import { RealWorld } from './real-world.js';

/** What one run draws: the command list and the seed of its world (pinned profile, network seed). */
export type ModelArgs = [commands: Iterable<ModelCommand>, worldSeed: number];

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
    fc.commands(commandArbitraries(), {
      maxCommands: MAX_COMMANDS,
      size: 'max',
      ...(replayPath === undefined || replayPath === '' ? {} : { replayPath }),
    }),
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    async (commands, worldSeed) => {
      const real = new RealWorld(worldSeed);
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
export function modelParameters(overrides: fc.Parameters<ModelArgs> = {}): fc.Parameters<ModelArgs> {
  return { ...fcParameters<ModelArgs>({ numRuns: modelRuns() }), includeErrorInReport: true, ...overrides };
}

/** The replay path of a counterexample, read from fast-check's printout of the command list. */
export function replayPathOf(details: fc.RunDetails<ModelArgs>): string | undefined {
  return /replayPath="([^"]+)"/.exec(String(details.counterexample?.[0] ?? ''))?.[1];
}

/** The shell command that reruns a failure's shrunk command list at once, with a transcript. */
export function replayCommand(details: fc.RunDetails<ModelArgs>, testFile: string, testName: string): string {
  const env = [
    `MF_FC_SEED=${details.seed}`,
    `MF_FC_PATH="${details.counterexamplePath ?? ''}"`,
    `MF_MODEL_REPLAY_PATH="${replayPathOf(details) ?? ''}"`,
    'MF_MODEL_VERBOSE=1',
  ];
  return `${env.join(' ')} node --import tsx --test --test-name-pattern='${testName}' ${testFile}`;
}

/** fc.assert, with the command that replays the failure added to fast-check's report. */
export async function assertModel(
  property: ReturnType<typeof parentChildProperty>,
  parameters: fc.Parameters<ModelArgs>,
  replay: { testFile: string; testName: string },
): Promise<void> {
  const details = await fc.check(property, parameters);
  if (!details.failed) return;
  throw new Error(
    `${fc.defaultReportMessage(details) ?? 'the model property failed'}\n\nReplay the shrunk case:\n  ${replayCommand(details, replay.testFile, replay.testName)}`,
    { cause: details.errorInstance },
  );
}
