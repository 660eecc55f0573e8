/** Steps of output.feature. */
import { Given, Then } from '@cucumber/cucumber';
import { PROFILES } from '../../src/protocol/profile.js';
import { conform, show } from '../support/expect.js';
import type { Inbound } from '../support/raw-parent.js';
import type { ConformanceWorld } from '../support/world.js';
import { needsSimulator } from './internal.steps.js';
import { lastReply, raw } from './child-wire.steps.js';
import { session } from './parent.steps.js';

type W = ConformanceWorld;

Given('the simulated worker {string} is running', async function (this: W, program: string) {
  const skipped = needsSimulator(this);
  if (skipped !== undefined) return skipped;
  await this.startChild({ program });
  return undefined;
});

Then(
  'the kit receives a {word} message whose output contains {string}',
  async function (this: W, type: string, text: string) {
    const wanted = type.toLowerCase();
    const kit = raw(this);
    const found = await kit.waitFor(
      (inbound) =>
        inbound.message?.['type'] === wanted &&
        typeof inbound.message['output'] === 'string' &&
        inbound.message['output'].includes(text),
    );
    const clause = this.clauseOr('MF-OUT-1');
    conform(
      found !== undefined,
      clause,
      `a ${type} message with output containing ${show(text)} (in the ROUTER envelope, MF-FRAME-3)`,
      `none within ${this.timeoutMs} ms`,
      kit.lastSeen(),
    );
    this.saved.set('output', found);
  },
);

Then("that message arrived as [empty delimiter, payload] in the run's profile", function (this: W) {
  const found = this.saved.get('output') as Inbound;
  conform(
    found.frames.length === 2 && found.frames[0]!.byteLength === 0,
    'MF-FRAME-3',
    '[empty, payload] at the DEALER',
    `${found.frames.length} frames`,
  );
  const app = PROFILES[this.params.profile].app;
  conform(
    found.message?.['app'] === app,
    'MF-OUT-1',
    `app ${show(app)}, the profile of the parent it is addressed to`,
    show(found.message?.['app']),
    'a parent speaking one profile ignores messages with another app id (MF-PROF-2, MF-MSG-6), so the output would be lost',
  );
});

Then('it arrived once: no second copy comes before the answer to a later call', async function (this: W) {
  const kit = raw(this);
  const found = this.saved.get('output') as Inbound;
  const same = (inbound: Inbound): boolean =>
    inbound.message?.['type'] === found.message?.['type'] && inbound.message?.['output'] === found.message?.['output'];
  // The write call's reply, then the answer to a later call: a copy sent with the first (or with the reply)
  // travels on the same connection and so arrives before that answer.
  await lastReply(this, 'MF-OUT-1');
  const probe = await kit.call('echo', ['after the output']);
  await kit.replyTo(probe, 'MF-FRAME-3', 'the answer to a later echo call');
  const copies = kit.received.filter(same);
  conform(
    copies.length === 1,
    'MF-FRAME-3',
    `one ${String(found.message?.['type']).toUpperCase()} message with output ${show(found.message?.['output'])} (each known parent gets it once)`,
    `${copies.length} copies`,
    show(copies.map((copy) => copy.message?.['id'])),
  );
});

Then(
  "the parent's output sink received {string} on {word} with the worker's name",
  async function (this: W, text: string, stream: string) {
    const { output, worker } = session(this);
    // Output travels as its own message: wait for it on the run's clock (a call after it proves it was sent).
    await worker.callFunction('add', [0, 0]);
    const hit = output.find((entry) => entry.stream === stream && entry.text.includes(text));
    conform(hit !== undefined, 'MF-OUT-4', `${stream} output ${show(text)} in the sink`, show(output));
    conform(hit.name === worker.name, 'MF-OUT-4', `the worker's name ${show(worker.name)}`, show(hit.name));
  },
);

Then(
  "each of the {int} lines arrived once, as a STDOUT message or on the worker's own stdout, and some on each",
  function (this: W, count: number) {
    const forwarded = raw(this).received.flatMap((inbound) =>
      inbound.message?.['type'] === 'stdout' ? [String(inbound.message['output'])] : [],
    );
    const local = (this.child?.rawOutput ?? []).filter((entry) => entry.stream === 'stdout').map((entry) => entry.line);
    const seen = new Map<string, number>();
    for (const line of [...forwarded, ...local]) seen.set(line, (seen.get(line) ?? 0) + 1);
    const missing = Array.from({ length: count }, (_, i) => `line ${i}`).filter((line) => seen.get(line) !== 1);
    conform(
      missing.length === 0,
      'MF-OUT-3',
      `all ${count} lines exactly once (forwarded or local)`,
      `${missing.length} lines missing or repeated, e.g. ${show(missing.slice(0, 3))}`,
    );
    conform(
      forwarded.length > 0 && local.length > 0,
      'MF-OUT-3',
      "some lines forwarded and the overflow on the worker's own stdout (no queue grows without bound)",
      `${forwarded.length} forwarded, ${local.length} local`,
    );
  },
);
