/** Steps of call.feature and namespace.feature (child, parent and internal roles). */
import { Given, Then, When } from '@cucumber/cucumber';
import { forbiddenSpellings, targetName } from '../../src/conform/method-names.js';
import { conform, conformEqual, show, within } from '../support/expect.js';
import type { ConformanceWorld } from '../support/world.js';
import { lastId, lastReply, raw, sendCall } from './child-wire.steps.js';
import { kitChild, session, startCall } from './parent.steps.js';

type W = ConformanceWorld;

/** The quoted names in a step's text: `"a", "b" and "c"`. */
function quoted(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"/g)].map((match) => match[1]!);
}

Then("the reply is a RESPONSE whose result is the run's profile name", async function (this: W) {
  const reply = await lastReply(this);
  conform(
    reply['type'] === 'response' && reply['result'] === this.params.profile,
    'MF-SVC-1',
    `a RESPONSE with result ${show(this.params.profile)}`,
    show(reply),
  );
});

Then("the reply is a RESPONSE whose result is the worker's process id", async function (this: W) {
  const reply = await lastReply(this);
  const pid = reply['result'];
  conform(
    reply['type'] === 'response' && Number.isInteger(pid) && (pid as number) > 0,
    'MF-SVC-1',
    'a RESPONSE with a positive integer pid',
    show(reply),
  );
  const launched = this.child?.process?.pid;
  // A wrapper (`go run`, a shell script) has a pid of its own: only the reference worker must match exactly.
  if (this.params.target.kind === 'reference' && launched !== undefined)
    conformEqual(pid, launched, 'MF-SVC-1', 'the pid of the process the kit started');
});

Then('the reply is a RESPONSE that carries the key {string} set to nil', async function (this: W, key: string) {
  const reply = await lastReply(this, 'MF-CALL-6');
  conform(reply['type'] === 'response', 'MF-CALL-6', 'a RESPONSE', show(reply));
  conform(
    Object.hasOwn(reply, key),
    'MF-CALL-6',
    `the RESPONSE carries the key ${show(key)}`,
    `keys ${show(Object.keys(reply))}`,
  );
  conform(reply[key] === null, 'MF-CALL-6', `${key}: nil`, show(reply[key]));
});

Then('the reply is an ERROR that carries a non-empty {string}', async function (this: W, key: string) {
  const reply = await lastReply(this);
  conform(reply['type'] === 'error', this.clause, 'an ERROR', show(reply));
  conform(
    typeof reply[key] === 'string' && (reply[key] as string).length > 0,
    this.clause,
    `a non-empty string under ${show(key)}`,
    show(reply[key]),
  );
});

Then('the worker answers that CALL with an ERROR', async function (this: W) {
  const reply = await raw(this).replyTo(lastId(this), this.clause, 'an ERROR');
  conform(reply['type'] === 'error', this.clause, `an ERROR with id ${show(lastId(this))}`, show(reply));
  conform(
    typeof reply['error'] === 'string' && reply['error'] !== '',
    this.clause,
    'a non-empty "error" text',
    show(reply['error']),
  );
});

Then(
  'the worker still answers {string} with {args} with {json}',
  async function (this: W, fn: string, args: unknown[], expected: unknown) {
    const id = await sendCall(this, fn, args);
    const reply = await raw(this).replyTo(id, this.clause, 'a RESPONSE (the worker keeps serving)');
    conform(
      reply['type'] === 'response',
      this.clause,
      `the worker keeps serving: ${fn} answers ${show(expected)}`,
      show(reply),
    );
    conformEqual(reply['result'], expected, this.clause);
  },
);

// Names are compared in the target's spelling (`--names pascal` lists `WriteStdout`).
Then(/^the result lists (.+)$/, async function (this: W, names: string) {
  const reply = await lastReply(this);
  const result = reply['result'];
  conform(
    Array.isArray(result) && result.every((name) => typeof name === 'string'),
    'MF-CALL-9',
    'an array of strings',
    show(result),
  );
  for (const wire of quoted(names)) {
    const name = targetName(wire, this.params.methodNames);
    if ((result as string[]).includes(name)) continue;
    // Not listed: callable after all (a listFunctions failure) or missing (a skip, like any scenario that needs it).
    const probe = HARMLESS_ARGS[wire];
    if (probe === undefined)
      return this.skip(
        `the list leaves out ${show(name)}, and the kit cannot call it to tell a missing method from an unlisted one without ending the worker`,
      );
    const reply = await raw(this).replyTo(await raw(this).call(wire, probe), 'MF-CALL-9');
    conform(
      false,
      'MF-CALL-9',
      `the list includes ${show(name)}, which is callable`,
      `${show(result)}; yet calling ${show(name)} gave ${show(reply)}`,
    );
  }
  return undefined;
});

/** Arguments that make each conformance method do nothing harmful (crash is left out: it ends the worker). */
const HARMLESS_ARGS: Record<string, unknown[]> = {
  echo: [null],
  add: [1, 2],
  fail: ['listFunctions probe'],
  sleep: [0],
  write_stdout: ['listFunctions probe'],
  write_stderr: ['listFunctions probe'],
  nothing: [],
  profile: [],
  pid: [],
};

Then(/^the result does not list (.+)$/, async function (this: W, names: string) {
  const result = (await lastReply(this))['result'] as string[];
  for (const wire of quoted(names)) {
    for (const name of forbiddenSpellings(wire, this.params.methodNames))
      conform(!result.includes(name), 'MF-CALL-9', `the list leaves out ${show(name)}`, show(result));
  }
});

When(
  "the kit calls {string} without arguments, in every spelling of the worker's method names",
  async function (this: W, name: string) {
    const calls: Array<{ name: string; id: string }> = [];
    for (const spelling of forbiddenSpellings(name, this.params.methodNames))
      calls.push({ name: spelling, id: await raw(this).call(spelling, []) });
    this.saved.set('spellings', calls);
  },
);

Then(
  'each of those calls is answered with an ERROR whose text contains {string}',
  async function (this: W, text: string) {
    for (const { name, id } of this.saved.get('spellings') as Array<{ name: string; id: string }>) {
      const reply = await raw(this).replyTo(id, this.clause, `a reply to the CALL of ${show(name)}`);
      conform(
        reply['type'] === 'error',
        this.clause,
        `${show(name)} is not callable: an ERROR containing ${show(text)}`,
        show(reply),
      );
      const error = reply['error'];
      conform(
        typeof error === 'string' && error.includes(text),
        this.clause,
        `"error" containing ${show(text)} for ${show(name)}`,
        show(error),
      );
    }
  },
);

When('the kit sends {int} CALLs to {string} at once', async function (this: W, count: number, fn: string) {
  const calls: Array<{ id: string; sum: number }> = [];
  for (let i = 0; i < count; i++) calls.push({ id: await raw(this).call(fn, [i, 1000]), sum: i + 1000 });
  this.saved.set('batch', calls);
});

Then('each of them is answered exactly once with the right sum', async function (this: W) {
  const kit = raw(this);
  const calls = this.saved.get('batch') as Array<{ id: string; sum: number }>;
  for (const { id, sum } of calls) {
    const reply = await kit.replyTo(id, 'MF-CALL-10');
    conformEqual(reply['result'], sum, 'MF-CALL-10', `the reply to ${id}`);
  }
  // A duplicate would arrive before the answer to a later probe call.
  const mark = kit.mark();
  await kit.expectNoReply(mark, 'MF-CALL-10', 'calls already answered');
  for (const { id } of calls)
    conform(
      kit.repliesTo(id).length === 1,
      'MF-CALL-10',
      `exactly one reply to ${id}`,
      `${kit.repliesTo(id).length} replies`,
    );
});

Then(
  'the reply to {string} arrives before the reply to {string}',
  async function (this: W, first: string, second: string) {
    const kit = raw(this);
    const sent = this.saved.get('sent') as Array<{ id: string }>;
    const idOf = (fn: string): string => {
      const index = fn === first ? sent.length - 1 : sent.length - 2;
      return sent[index]!.id;
    };
    const firstReply = await kit.replyTo(idOf(first), 'MF-CALL-11');
    const secondReply = kit.repliesTo(idOf(second));
    conform(
      secondReply.length === 0,
      'MF-CALL-11',
      `the ${first} reply first (calls served concurrently)`,
      `the ${second} reply came first: ${show(secondReply.map((r) => r.message))}`,
    );
    conform(firstReply['type'] === 'response', 'MF-CALL-11', 'a RESPONSE', show(firstReply));
    await kit.replyTo(idOf(second), 'MF-CALL-10');
  },
);

Given("the kit's child answers calls without the {string} key", function (this: W, _key: string) {
  kitChild(this).behaviour.calls = 'without-result';
});

Given("the kit's child first answers every call with a RESPONSE for an unknown id", function (this: W) {
  kitChild(this).behaviour.calls = 'unknown-id-first';
});

Given("the kit's child answers every call after {int} ms", function (this: W, delayMs: number) {
  kitChild(this).behaviour.replyDelayMs = delayMs;
});

Then('the parent has no call in flight', function (this: W) {
  conform(
    session(this).worker.inFlight === 0,
    'MF-CALL-12',
    'no pending call left',
    `${session(this).worker.inFlight} pending`,
  );
});

Then('the late reply arrives and is ignored', async function (this: W) {
  const kit = kitChild(this);
  const arrived = await within(
    this.clock,
    this.timeoutMs,
    kit.waitUntil(() => kit.sent.some((m) => m['type'] === 'response')),
  );
  conform(arrived !== undefined, 'MF-CALL-13', 'the kit child sends its late RESPONSE', 'it did not');
  // The reply reaches the parent after the kit sent it; a parent that settled the call twice or crashed would
  // fail the next call, which must still work.
  kit.behaviour.replyDelayMs = 0;
  const next = await session(this).worker.callFunction('add', [1, 2]);
  conformEqual(next, 3, 'MF-CALL-13', 'the next call works after the late reply');
  conform(
    session(this).worker.inFlight === 0,
    'MF-CALL-13',
    'no pending call left',
    `${session(this).worker.inFlight} pending`,
  );
});

When(
  'the parent calls {string} with {args} in namespace {string} with a timeout of {int} ms',
  function (this: W, fn: string, args: unknown[], namespace: string, timeoutMs: number) {
    this.saved.set('callStartedMs', this.clock.nowMs());
    startCall(this, fn, args, { namespace, timeoutMs });
    const call = this.saved.get('call') as Promise<unknown>;
    this.saved.set(
      'call',
      call.then((outcome) => {
        this.saved.set('callEndedMs', this.clock.nowMs());
        return outcome;
      }),
    );
  },
);

Then('the call took exactly {int} ms of virtual time', function (this: W, ms: number) {
  const took = (this.saved.get('callEndedMs') as number) - (this.saved.get('callStartedMs') as number);
  conformEqual(took, ms, this.clause, 'virtual ms from the call to its rejection');
});
