/**
 * Hooks of the catalogue: the World, a generous cucumber step timeout (steps bound their own waits by
 * `stepTimeoutMs`), the Before hook that skips scenarios once the run was asked to stop, and the After hook
 * that releases everything a scenario opened and attaches its wire trace and its processes (exit status,
 * output tails), whatever the outcome.
 */
import { After, AfterAll, Before, Status, setDefaultTimeout, setWorldConstructor } from '@cucumber/cucumber';
import { FAILURE_MEDIA_TYPE, takeFailure } from '../../src/conform/conformance-failure.js';
import type { ProcessOutcome } from '../../src/conform/results.js';
import { requestStop, stopReason } from '../../src/conform/run-catalogue.js';
import { PROCESSES_MEDIA_TYPE } from '../../src/conform/scenario-collector.js';
import { ConformanceWorld, type TrackedProcess } from './world.js';
import { TRACE_MEDIA_TYPE } from './wire-trace.js';
import { workerPool } from './worker-connection.js';

setWorldConstructor(ConformanceWorld);

// A backstop only: every wait inside a step is bounded by worldParameters.stepTimeoutMs (default 5 s).
setDefaultTimeout(120_000);

/** Lines of each output stream kept per process and scenario (the report shows the end of it). */
const TAIL_LINES = 40;

Before(function (this: ConformanceWorld, { pickle }) {
  this.tags = pickle.tags.map((tag) => tag.name);
  // --fail-fast, a dead service or an interrupt: what has not started yet is reported as not run.
  const stopped = stopReason();
  if (stopped !== undefined) {
    this.log(`not run: ${stopped}`);
    return 'skipped';
  }
  return undefined;
});

After(async function (this: ConformanceWorld, { result, pickle }) {
  this.failed = result?.status !== Status.PASSED;
  // The failure's fields as data, so no report has to parse them back out of the message.
  const failure = result?.status === Status.FAILED ? takeFailure(result.message) : takeFailure(undefined);
  if (failure !== undefined) await this.attach(JSON.stringify(failure), FAILURE_MEDIA_TYPE);
  // A scenario reusing a shared worker did not start it, but the worker is still one of its processes.
  const reused = this.child?.raw.connection.tracked;
  if (reused !== undefined && !this.processes.includes(reused)) this.track(reused);
  // Taken before the release: what the kit kills on its way out is not how the process ended the scenario.
  const processes = this.processes.map(outcome);
  await this.release();
  await this.attach(this.trace.toJson(), TRACE_MEDIA_TYPE);
  await this.attach(JSON.stringify(processes), PROCESSES_MEDIA_TYPE);
  if (this.failed && result?.status !== Status.SKIPPED) await stopIfServiceGone(this, pickle.name);
});

// Workers shared by several scenarios on real ZeroMQ are killed and reaped at the end of the run.
AfterAll(async function () {
  await workerPool.closeAll();
});

function outcome(tracked: TrackedProcess): ProcessOutcome {
  const exit = tracked.exit();
  return {
    role: tracked.role,
    argv: [...tracked.argv],
    pid: tracked.pid,
    exitCode: exit?.code,
    signal: exit?.signal,
    stderrTail: tracked.stderr().slice(-TAIL_LINES),
    stdoutTail: tracked.stdout().slice(-TAIL_LINES),
  };
}

/**
 * After a failure against a `--service` target: when the service is gone (no live registered process),
 * every later scenario would wait out its timeout and fail the same way, so the run stops here with one
 * clear reason.
 */
async function stopIfServiceGone(world: ConformanceWorld, scenario: string): Promise<void> {
  const target = world.params.target;
  if (target.kind !== 'service' || world.params.transport !== 'zmq') return;
  const { ServiceRegistry } = await import('../../src/registry/index.js');
  try {
    await new ServiceRegistry().discover(target.serviceId, { timeoutMs: 0 });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    requestStop(
      `the service '${target.serviceId}' is gone (its process exited or it unregistered) during "${scenario}"; the remaining scenarios cannot reach it (${why})`,
    );
  }
}
