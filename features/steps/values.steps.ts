/** Steps of values.feature: golden vectors through a live worker, and the TypeScript sender's sanitising. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Then, When } from '@cucumber/cucumber';
import { MultifrostError } from '../../src/errors.js';
import { sanitize } from '../../src/protocol/sanitize.js';
import { PROFILES } from '../../src/protocol/profile.js';
import { EMPTY_FRAME } from '../../src/protocol/framing.js';
import { conform, conformEqual, sameValue, settle, show } from '../support/expect.js';
import { mapFieldBytes, readTyped, type Typed, typedEqual, typedField, writeTyped } from '../support/typed-msgpack.js';
import type { ConformanceWorld } from '../support/world.js';
import { compareEcho } from '../../src/conform/value-oracle.js';
import { readWire } from '../../src/conform/wire-read.js';
import { showWire } from '../../src/conform/wire-show.js';
import { wire, wireField, type WireValue } from '../../src/conform/wire-value.js';
import { raw } from './child-wire.steps.js';
import { describeError, session } from './parent.steps.js';

type W = ConformanceWorld;

interface Vector {
  name: string;
  hex: string;
  value: Typed;
  input?: unknown;
  clauses?: string[];
}

function vectors(file: string): Vector[] {
  // Compiled steps live in dist/features/steps, one level deeper: the fixtures stay at the package root.
  const up = import.meta.url.includes('/dist/features/') ? '../../../' : '../../';
  const path = fileURLToPath(new URL(`${up}fixtures/vectors/${file}`, import.meta.url));
  return (JSON.parse(readFileSync(path, 'utf8')) as { vectors: Vector[] }).vectors;
}

/** Sends echo(<raw bytes>) built by hand, so the worker receives the vector's bytes exactly. */
async function echoRaw(world: W, hex: string): Promise<string> {
  const kit = raw(world);
  const id = kit.newId();
  kit.noteSent(id);
  const echo = kit.noteServiceCall(id, 'echo');
  const call: Typed = {
    map: [
      ['app', { str: PROFILES[world.params.profile].app }],
      ['id', { str: id }],
      ['type', { str: 'call' }],
      [
        'timestamp',
        {
          float: Buffer.from(new Float64Array([world.clock.epochMs() / 1000]).buffer)
            .reverse()
            .toString('hex'),
        },
      ],
      ['function', { str: echo }],
      ['args', { array: [{ raw: hex }] }],
    ],
  };
  await kit.sendFrames([EMPTY_FRAME, writeTyped(call)]);
  return id;
}

When('the kit echoes every {string} vector of values.json', async function (this: W, group: string) {
  const selected = vectors('values.json').filter(
    (vector) => vector.name === group || vector.name.startsWith(`${group}/`),
  );
  if (selected.length === 0) throw new Error(`no vector in group ${group}`);
  const sent: Array<{ vector: Vector; id: string }> = [];
  for (const vector of selected) sent.push({ vector, id: await echoRaw(this, vector.hex) });
  this.saved.set('vectors', sent);
});

Then("every result has the vector's type and value", async function (this: W) {
  const sent = this.saved.get('vectors') as Array<{ vector: Vector; id: string }>;
  const problems: string[] = [];
  for (const { vector, id } of sent) {
    const reply = await raw(this).waitFor((inbound) => inbound.message?.['id'] === id);
    if (reply === undefined) {
      const exited = raw(this).exitedWith;
      problems.push(`${vector.name}: no reply${exited === undefined ? '' : ` (the worker ${exited})`}`);
      if (exited !== undefined) break;
      continue;
    }
    const payload = reply.frames[reply.frames.length - 1]!;
    if (reply.message?.['type'] !== 'response') {
      problems.push(`${vector.name}: ${show(reply.message)}`);
      continue;
    }
    conform(
      Object.hasOwn(reply.message, 'result'),
      'MF-CALL-6',
      `the RESPONSE to the ${vector.name} echo carries the key "result"`,
      `keys ${show(Object.keys(reply.message))}`,
    );
    let result: Typed | undefined;
    try {
      result = typedField(readTyped(payload), 'result');
    } catch (error) {
      problems.push(`${vector.name}: unreadable reply (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    if (result === undefined || !typedEqual(result, vector.value)) {
      problems.push(
        `${vector.name}: expected ${JSON.stringify(vector.value).slice(0, 120)}, got ${JSON.stringify(result).slice(0, 120)}`,
      );
      continue;
    }
    // Integers must use the smallest format (MF-VAL-2): compare the bytes themselves.
    const bytes = mapFieldBytes(payload, 'result')?.toString('hex');
    if ('int' in vector.value && bytes !== vector.hex)
      problems.push(`${vector.name}: bytes ${bytes ?? '?'} instead of ${vector.hex} (not the smallest integer format)`);
  }
  const clause = vectorClause(
    this,
    sent.map((s) => s.vector),
  );
  conform(
    problems.length === 0,
    clause,
    `all ${sent.length} vectors echoed with the same msgpack type and value`,
    `${problems.length} differ`,
    problems.join('; '),
  );
});

function vectorClause(world: W, list: Vector[]): string {
  const cited = list.flatMap((vector) => vector.clauses ?? []).find((clause) => world.tags.includes(`@${clause}`));
  return cited ?? world.clause;
}

When('the kit echoes the raw value {word}', async function (this: W, hex: string) {
  this.saved.set('last', await echoRaw(this, hex));
  this.saved.set('lastHex', hex);
});

/**
 * The reply to the last raw echo, read with the kit's typed reader (it may hold what the kit's codec would
 * refuse, e.g. an extension type echoed back); fails with the scenario's clause when none comes.
 */
async function typedReplyToLast(
  world: W,
): Promise<{ type: string; result: WireValue | undefined; error: WireValue | undefined }> {
  const id = world.saved.get('last') as string;
  const idOf = (frames: Uint8Array[]): string | undefined => {
    try {
      const field = wireField(readWire(frames[frames.length - 1]!), 'id');
      return field?.type === 'str' ? field.value : undefined;
    } catch {
      return undefined;
    }
  };
  const reply = await raw(world).waitFor((inbound) => idOf(inbound.frames) === id);
  const exited = raw(world).exitedWith;
  conform(
    reply !== undefined,
    world.clause,
    `a RESPONSE or an ERROR to the CALL ${show(id)} (never silence)`,
    exited === undefined ? 'no reply: the CALL was dropped' : `no reply: the worker ${exited}`,
  );
  const message = readWire(reply.frames[reply.frames.length - 1]!);
  const type = wireField(message, 'type');
  return {
    type: type?.type === 'str' ? type.value : showWire(type ?? wire.nil()),
    result: wireField(message, 'result'),
    error: wireField(message, 'error'),
  };
}

Then('the result is exactly the raw value sent', async function (this: W) {
  const sent = readWire(Buffer.from(this.saved.get('lastHex') as string, 'hex'));
  const reply = await typedReplyToLast(this);
  conform(
    reply.type === 'response',
    this.clause,
    `a RESPONSE whose result is ${showWire(sent)}`,
    `a ${reply.type}: ${showWire(reply.error ?? reply.result ?? wire.nil())}`,
  );
  const mismatch = compareEcho(sent, reply.result ?? wire.nil());
  conform(
    mismatch === undefined,
    this.clause,
    `the result ${showWire(sent)}, unchanged`,
    mismatch === undefined ? '' : `at ${mismatch.path}: ${mismatch.actual}`,
  );
});

Then('the echo is the raw value {word}', async function (this: W, expectedHex: string) {
  const expected = readWire(Buffer.from(expectedHex, 'hex'));
  const reply = await typedReplyToLast(this);
  conform(
    reply.type === 'response',
    this.clause,
    `a RESPONSE whose result is ${showWire(expected)}`,
    `a ${reply.type}: ${showWire(reply.error ?? reply.result ?? wire.nil())}`,
  );
  const mismatch = compareEcho(expected, reply.result ?? wire.nil());
  conform(
    mismatch === undefined,
    this.clause,
    `the result ${showWire(expected)}`,
    mismatch === undefined ? '' : `at ${mismatch.path}: ${mismatch.actual}`,
  );
});

Then('the reply is an ERROR, or a RESPONSE whose result is exactly the raw value sent', async function (this: W) {
  const sent = readWire(Buffer.from(this.saved.get('lastHex') as string, 'hex'));
  const reply = await typedReplyToLast(this);
  if (reply.type === 'error') {
    conform(
      reply.error?.type === 'str' && reply.error.value !== '',
      'MF-CALL-7',
      'an ERROR with a non-empty error text',
      showWire(reply.error ?? wire.nil()),
    );
    return;
  }
  conform(
    reply.type === 'response',
    this.clause,
    `an ERROR, or a RESPONSE whose result is ${showWire(sent)}`,
    `a ${reply.type}`,
  );
  const mismatch = compareEcho(sent, reply.result ?? wire.nil());
  conform(
    mismatch === undefined,
    this.clause,
    `an ERROR, or the result ${showWire(sent)} unchanged (keys and extension types kept)`,
    mismatch === undefined ? '' : `a changed value: at ${mismatch.path}: ${mismatch.actual}`,
  );
});

Then('the result is a number equal to {int}', async function (this: W, expected: number) {
  const reply = await raw(this).replyTo(this.saved.get('last') as string, this.clause);
  conform(
    reply['type'] === 'response' && typeof reply['result'] === 'number' && reply['result'] === expected,
    this.clause,
    `a RESPONSE whose result equals ${expected}`,
    show(reply),
  );
});

/** Builds the JavaScript value a feature row names (a literal, or `cycle`). Rows are written by us. */
function jsValue(text: string): unknown {
  if (text === 'cycle') {
    const node: Record<string, unknown> = { name: 'loop' };
    node['self'] = node;
    return node;
  }
  return new Function(`return (${text});`)() as unknown;
}

When('the parent echoes the JavaScript value {}', function (this: W, input: string) {
  this.saved.set('call', settle(session(this).worker.callFunction('echo', [jsValue(input)])));
});

Then('the echo gives {json}', async function (this: W, expected: unknown) {
  const outcome = await (this.saved.get('call') as ReturnType<typeof settle>);
  conform(outcome.ok, this.clause, `echo gives ${show(expected)}`, outcome.ok ? '' : describeError(outcome.error));
  conformEqual(outcome.value, expected, this.clause);
});

Then('the echo gives the BigInt {word}', async function (this: W, text: string) {
  const expected = BigInt(text.replace(/n$/, ''));
  const outcome = await (this.saved.get('call') as ReturnType<typeof settle>);
  conform(outcome.ok, 'MF-VAL-3', `echo gives ${text}`, outcome.ok ? '' : describeError(outcome.error));
  conform(outcome.value === expected, 'MF-VAL-4', `the BigInt ${text} (exact)`, show(outcome.value));
});

Then(
  'the call fails with code {string} naming the path {string}',
  async function (this: W, code: string, path: string) {
    const outcome = await (this.saved.get('call') as ReturnType<typeof settle>);
    const error = outcome.ok ? undefined : outcome.error;
    conform(
      error instanceof MultifrostError && error.code === code,
      this.clause,
      `rejected with ${code}`,
      outcome.ok ? `resolved with ${show(outcome.value)}` : describeError(error),
    );
    const named = (error as { path?: unknown }).path;
    conform(
      typeof named === 'string' && named.includes(path),
      this.clause,
      `an error naming the path ${show(path)}`,
      `path ${show(named)}: ${error.message}`,
    );
  },
);

/** The JavaScript input of a sanitize.json vector (input-only tags included). */
function fromTyped(value: Record<string, unknown>): unknown {
  const [[tag, body]] = Object.entries(value) as [[string, unknown]];
  switch (tag) {
    case 'nil':
      return null;
    case 'undefined':
      return undefined;
    case 'bool':
      return body;
    case 'int':
      return Number(body);
    case 'bigint':
      return BigInt(body as string);
    case 'float':
      return Buffer.from(body as string, 'hex').readDoubleBE(0);
    case 'str':
      return body;
    case 'date':
      return new Date(body as string);
    case 'bin':
      return Buffer.from(body as string, 'hex');
    case 'array':
      return (body as Array<Record<string, unknown>>).map(fromTyped);
    case 'set':
      return new Set((body as Array<Record<string, unknown>>).map(fromTyped));
    case 'map':
      return Object.fromEntries((body as Array<[string, Record<string, unknown>]>).map(([k, v]) => [k, fromTyped(v)]));
    case 'jsmap':
      return new Map((body as Array<[string, Record<string, unknown>]>).map(([k, v]) => [k, fromTyped(v)]));
    default:
      throw new Error(`unknown tag ${tag}`);
  }
}

When('the kit sanitises every input of sanitize.json twice', function (this: W) {
  const rows = vectors('sanitize.json')
    .filter((vector) => vector.input !== undefined)
    .map((vector) => {
      const once = sanitize(fromTyped(vector.input as Record<string, unknown>));
      return { name: vector.name, once, twice: sanitize(once) };
    });
  this.saved.set('sanitised', rows);
});

Then('the second pass changes nothing and the echo of the first gives it back', async function (this: W) {
  const rows = this.saved.get('sanitised') as Array<{ name: string; once: unknown; twice: unknown }>;
  for (const row of rows) {
    conform(
      sameValue(row.once, row.twice),
      'MF-VAL-8',
      `${row.name}: sanitise(sanitise(x)) equals sanitise(x) = ${show(row.once)}`,
      show(row.twice),
    );
    const echoed = await session(this).worker.callFunction('echo', [row.once]);
    conform(sameValue(echoed, row.once), 'MF-VAL-8', `${row.name}: the echo gives ${show(row.once)}`, show(echoed));
  }
});
