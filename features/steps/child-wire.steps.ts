/**
 * @child steps: the kit plays the parent with raw frames against the worker under test. They use only the
 * wire and the conformance service (spec section 13), never TypeScript internals, so they run unchanged
 * against a worker written in any language.
 */
import { targetName } from '../../src/conform/method-names.js';
import { Given, Then, When } from '@cucumber/cucumber';
import { Codec, defaultCodec } from '../../src/protocol/codec.js';
import { EMPTY_FRAME } from '../../src/protocol/framing.js';
import { PROFILES, type ProfileName } from '../../src/protocol/profile.js';
import { conform, conformEqual, show } from '../support/expect.js';
import type { RawParent } from '../support/raw-parent.js';
import type { ConformanceWorld } from '../support/world.js';

type W = ConformanceWorld;

/** The raw parent of a running @child scenario. */
export function raw(world: W): RawParent {
  if (world.child === undefined) throw new Error('no worker: the scenario needs "Given the worker is running"');
  return world.child.raw;
}

/** The id of the last CALL the kit sent. */
/** The message types of the protocol (MF-MSG-3). */
const KNOWN_MESSAGE_TYPES = ['call', 'response', 'error', 'stdout', 'stderr', 'heartbeat', 'shutdown'];

export function lastId(world: W): string {
  const id = world.saved.get('last');
  if (typeof id !== 'string') throw new Error('no CALL was sent in this scenario');
  return id;
}

/** Sends a CALL (remembering where the inbox stood) and stores its id as the last one. */
export async function sendCall(
  world: W,
  fn: string,
  args: unknown[],
  extra: Record<string, unknown> = {},
  profile?: ProfileName,
): Promise<string> {
  const kit = raw(world);
  world.saved.set('mark', kit.mark());
  const id = await kit.call(fn, args, extra, profile);
  world.saved.set('last', id);
  const sent = (world.saved.get('sent') as Array<{ id: string; profile: ProfileName }> | undefined) ?? [];
  sent.push({ id, profile: profile ?? world.params.profile });
  world.saved.set('sent', sent);
  return id;
}

/** The reply to the last CALL (waits for it). */
export async function lastReply(world: W, clause = world.clause): Promise<Record<string, unknown>> {
  return raw(world).replyTo(lastId(world), clause);
}

/** Sends frames as a step built them, remembering where the inbox stood. */
async function sendRaw(world: W, frames: Uint8Array[]): Promise<void> {
  const kit = raw(world);
  world.saved.set('mark', kit.mark());
  await kit.sendFrames(frames);
}

/** A valid CALL to `echo` in the run's profile, as a map the steps can then spoil. */
function echoCall(world: W): Record<string, unknown> {
  return {
    ...raw(world).core('call'),
    function: targetName('echo', world.params.methodNames),
    args: ['should not be answered'],
  };
}

Given('the worker is running', async function (this: W) {
  if (this.params.target.kind === 'parent-driver')
    return this.skip('a @child scenario checks a worker; the target is a parent driver');
  await this.startChild();
  return undefined;
});

Given('the worker was started by the kit', function (this: W) {
  // A running service is shared: the kit must not stop or crash it, and cannot see its exit status.
  if (this.child?.process === undefined)
    return this.skip('the kit did not start this worker (service target): it must not stop it and cannot see its exit');
  return undefined;
});

When('the kit calls {string} with {args}', async function (this: W, fn: string, args: unknown[]) {
  await sendCall(this, fn, args);
});

When(
  'the kit calls {string} with {args} in profile {profile}',
  async function (this: W, fn: string, args: unknown[], profile: ProfileName) {
    await sendCall(this, fn, args, {}, profile);
  },
);

When('the kit calls {string} without arguments', async function (this: W, fn: string) {
  await sendCall(this, fn, []);
});

When(
  'the kit calls {string} with {args} and the extra fields {json}',
  async function (this: W, fn: string, args: unknown[], extra: Record<string, unknown>) {
    await sendCall(this, fn, args, extra);
  },
);

When('the kit sends a CALL to {string} framed as {}', async function (this: W, fn: string, framing: string) {
  const payload = defaultCodec.encode({
    ...raw(this).core('call'),
    function: targetName(fn, this.params.methodNames),
    args: ['x'],
  });
  const framings: Record<string, Uint8Array[]> = {
    'the payload alone': [payload],
    'empty, payload and an extra frame': [EMPTY_FRAME, payload, Buffer.from('extra')],
    'a non-empty delimiter and payload': [Buffer.from('x'), payload],
    'the empty delimiter alone': [EMPTY_FRAME],
  };
  const frames = framings[framing];
  if (frames === undefined) throw new Error(`unknown framing '${framing}'`);
  await sendRaw(this, frames);
});

When('the kit sends the payload bytes {}', async function (this: W, hex: string) {
  let bytes: Buffer;
  if (hex === '-') bytes = Buffer.alloc(0);
  else if (hex.startsWith('<call>'))
    bytes = Buffer.concat([defaultCodec.encode(echoCall(this)), Buffer.from(hex.slice('<call>'.length), 'hex')]);
  else bytes = Buffer.from(hex, 'hex');
  await sendRaw(this, [EMPTY_FRAME, bytes]);
});

When(
  'the kit sends a message of type {string} with the fields {json}',
  async function (this: W, type: string, fields: Record<string, unknown>) {
    await sendRaw(this, [EMPTY_FRAME, defaultCodec.encode({ ...raw(this).core(type), ...fields })]);
  },
);

When(
  'the kit sends a CALL to {string} with the field {string} set to {}',
  async function (this: W, fn: string, field: string, valueText: string) {
    const message: Record<string, unknown> = { ...echoCall(this), function: targetName(fn, this.params.methodNames) };
    if (valueText === '<missing>') delete message[field];
    else message[field] = valueText === 'nil' ? null : JSON.parse(valueText);
    if (typeof message['id'] === 'string') {
      this.saved.set('last', message['id']);
      raw(this).noteSent(message['id']);
    }
    await sendRaw(this, [EMPTY_FRAME, defaultCodec.encode(message)]);
  },
);

When('the kit sends a CALL to {string} whose payload is 16 MiB plus 1 KiB', async function (this: W, fn: string) {
  const size = 16 * 1024 * 1024 + 1024;
  const big = new Codec({ maxPayloadBytes: 2 * size }).encode({
    ...raw(this).core('call'),
    function: targetName(fn, this.params.methodNames),
    args: [Buffer.alloc(size, 0x61)],
  });
  await sendRaw(this, [EMPTY_FRAME, big]);
  // The worker may drop the connection with the message (libzmq MAXMSGSIZE), and a probe sent behind it.
  this.saved.set('probes', 3);
});

Then('the worker sends no reply and keeps serving', async function (this: W) {
  const mark = this.saved.get('mark');
  const probes = this.saved.get('probes');
  await raw(this).expectNoReply(
    typeof mark === 'number' ? mark : 0,
    this.clause,
    'the message the kit just sent',
    typeof probes === 'number' ? probes : 1,
  );
});

Then('the reply is a RESPONSE whose result is {json}', async function (this: W, expected: unknown) {
  const reply = await lastReply(this);
  conform(
    reply['type'] === 'response',
    this.clauseOr('MF-SVC-1'),
    `a RESPONSE with result ${show(expected)}`,
    show(reply),
  );
  conform(
    Object.hasOwn(reply, 'result'),
    'MF-CALL-6',
    'the RESPONSE carries the key "result"',
    `keys ${show(Object.keys(reply))}`,
  );
  conformEqual(reply['result'], expected, this.clauseOr('MF-SVC-1'));
});

Then('the reply is an ERROR whose text contains {string}', async function (this: W, text: string) {
  const reply = await lastReply(this);
  conform(reply['type'] === 'error', this.clause, `an ERROR containing ${show(text)}`, show(reply));
  const error = reply['error'];
  conform(
    typeof error === 'string' && error.includes(text),
    this.clause,
    `"error" containing ${show(text)}`,
    show(error),
  );
});

Then('every message from the worker arrived as [empty delimiter, payload]', function (this: W) {
  const kit = raw(this);
  conform(kit.received.length > 0, 'MF-FRAME-2', 'at least one message from the worker', 'none');
  for (const inbound of kit.received) {
    const shape = inbound.frames.map((frame) => frame.byteLength);
    conform(
      inbound.frames.length === 2 && inbound.frames[0]!.byteLength === 0,
      'MF-FRAME-2',
      'a DEALER receives [empty, payload] (2 frames, empty delimiter)',
      `${inbound.frames.length} frames of sizes ${show(shape)}`,
    );
  }
});

Then('the worker answers that CALL with a message of a known type', async function (this: W) {
  const id = lastId(this);
  const answer = await raw(this).waitFor((inbound) => inbound.message?.['id'] === id);
  conform(answer !== undefined, this.clause, `a message answering the CALL ${show(id)}`, 'none', raw(this).lastSeen());
  const type = answer.message?.['type'];
  conform(
    KNOWN_MESSAGE_TYPES.includes(String(type)),
    'MF-MSG-3',
    `a message type of the protocol (${KNOWN_MESSAGE_TYPES.join(', ')})`,
    show(type),
    show(answer.message),
  );
});

Then("the reply carries app, id, type and timestamp in the run's profile", async function (this: W) {
  const reply = await lastReply(this);
  const app = PROFILES[this.params.profile].app;
  conform(reply['app'] === app, 'MF-PROF-3', `app ${show(app)} (the profile the CALL arrived in)`, show(reply['app']));
  conform(reply['id'] === lastId(this), 'MF-MSG-8', `id ${show(lastId(this))}`, show(reply['id']));
  conform(KNOWN_MESSAGE_TYPES.includes(String(reply['type'])), 'MF-MSG-3', 'a known message type', show(reply['type']));
  const timestamp = reply['timestamp'];
  conform(
    typeof timestamp === 'number' && Number.isFinite(timestamp),
    'MF-MSG-2',
    'timestamp: epoch seconds (a number)',
    show(timestamp),
  );
  // Epoch seconds, not milliseconds: within a day of the run's clock.
  const nowSec = this.clock.epochMs() / 1000;
  conform(
    Math.abs((timestamp as number) - nowSec) < 86_400,
    'MF-MSG-2',
    `timestamp near ${nowSec.toFixed(0)} (epoch seconds)`,
    show(timestamp),
  );
});

Then('each CALL is answered in the profile it arrived in', async function (this: W) {
  const sent = (this.saved.get('sent') as Array<{ id: string; profile: ProfileName }> | undefined) ?? [];
  for (const { id, profile } of sent) {
    const reply = await raw(this).replyTo(id, 'MF-PROF-4', `a reply to the ${profile} CALL`);
    conform(
      reply['app'] === PROFILES[profile].app,
      'MF-PROF-3',
      `app ${show(PROFILES[profile].app)}`,
      show(reply['app']),
    );
  }
});
