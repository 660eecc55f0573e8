/**
 * Hooks of the catalogue: the World, a generous cucumber step timeout (steps bound their own waits by
 * `stepTimeoutMs`), and the After hook that releases everything a scenario opened and attaches its wire
 * trace, whatever the outcome.
 */
import { After, AfterAll, Before, Status, setDefaultTimeout, setWorldConstructor } from '@cucumber/cucumber';
import { ConformanceWorld } from './world.js';
import { TRACE_MEDIA_TYPE } from './wire-trace.js';
import { workerPool } from './worker-connection.js';

setWorldConstructor(ConformanceWorld);

// A backstop only: every wait inside a step is bounded by worldParameters.stepTimeoutMs (default 5 s).
setDefaultTimeout(120_000);

Before(function (this: ConformanceWorld, { pickle }) {
  this.tags = pickle.tags.map((tag) => tag.name);
});

After(async function (this: ConformanceWorld, { result }) {
  this.failed = result?.status !== Status.PASSED;
  await this.release();
  await this.attach(this.trace.toJson(), TRACE_MEDIA_TYPE);
});

// Workers shared by several scenarios on real ZeroMQ are killed and reaped at the end of the run.
AfterAll(async function () {
  await workerPool.closeAll();
});
