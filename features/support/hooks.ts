/**
 * Hooks of the catalogue: the World, a generous cucumber step timeout (steps bound their own waits by
 * `stepTimeoutMs`), and the After hook that releases everything a scenario opened and attaches its wire
 * trace, whatever the outcome.
 */
import { After, Before, setDefaultTimeout, setWorldConstructor } from '@cucumber/cucumber';
import { ConformanceWorld } from './world.js';
import { TRACE_MEDIA_TYPE } from './wire-trace.js';

setWorldConstructor(ConformanceWorld);

// A backstop only: every wait inside a step is bounded by worldParameters.stepTimeoutMs (default 5 s).
setDefaultTimeout(120_000);

Before(function (this: ConformanceWorld, { pickle }) {
  this.tags = pickle.tags.map((tag) => tag.name);
});

After(async function (this: ConformanceWorld) {
  await this.release();
  await this.attach(this.trace.toJson(), TRACE_MEDIA_TYPE);
});
