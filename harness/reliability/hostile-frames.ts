/**
 * Hostile frame sets for the fuzz runs (fast-check arbitraries): wrong frame counts and delimiters, random
 * and truncated bytes, non-map msgpack, every message field with a wrong type or missing, deep nesting,
 * huge declared lengths, trailing bytes, and (towards a child) CALLs naming things no parent may reach.
 *
 * Each case says which message id it carries (when it has a string one) and whether its frame shape is
 * valid, so the runner can tell a legitimate reply (an ERROR for a malformed CALL with a usable id) from a
 * reply the peer must never send (anything answering a badly framed message).
 */
import fc from 'fast-check';
import { Codec, defaultCodec } from '../../src/protocol/codec.js';

export type Target = 'child' | 'parent';

export interface HostileCase {
  kind: string;
  /** Frames as the DEALER sends them (to a child) or as the ROUTER sends them after the routing id (to a parent). */
  frames: Uint8Array[];
  /** The string id inside the payload, when there is one (replies may only ever carry such ids). */
  id: string | undefined;
  /** False when the frame count or delimiter is wrong: such a message must get no reply at all (MF-FRAME-4). */
  wellFramed: boolean;
}

const EMPTY = new Uint8Array(0);
const APPS = ['comlink_ipc_v3', 'comlink_ipc_v4'];
const TYPES_TO_CHILD = ['call', 'heartbeat', 'shutdown-not-really', 'response', 'error', 'stdout'];
const TYPES_TO_PARENT = ['response', 'error', 'heartbeat', 'stdout', 'stderr', 'call', 'shutdown'];

/** Names that must never be callable remotely (MF-CALL-4/5, MF-SEC-2), plus a few real ones. */
export const FORBIDDEN_NAMES = [
  'constructor',
  '__proto__',
  'prototype',
  'toString',
  'toLocaleString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'call',
  'apply',
  'bind',
  'start',
  'stop',
  'run',
  'shutdown',
  'handleFrames',
  'dispatch',
  'serveCall',
  'reply',
  'drop',
  'log',
  'host',
  'clock',
  'childOptions',
  'state',
  'socket',
  'codec',
  'forwarder',
  'workerClock',
  'workerHost',
  'writeStdout',
  'writeStderr',
  'callContext',
  'namespace',
  'activeCalls',
  'openSocket',
  'installForwarding',
  'sendOutput',
  'receiveLoop',
  'stopAndExit',
  'newId',
  'timestampSec',
  'channel',
  'registered',
  '_secret',
  '_',
  '__',
  ' echo',
  'echo ',
  'ECHO',
  'echo\u0000',
  '',
];

/** Any portable value (what a hostile peer can put in a field). */
const wireValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.uint8Array({ maxLength: 16 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);

function baseMessage(target: Target, id: string, type: string, app: string): Record<string, unknown> {
  const message: Record<string, unknown> = { app, id, type, timestamp: 1_767_225_600.5 };
  if (type === 'call') Object.assign(message, { function: 'echo', args: ['x'], namespace: 'default' });
  if (type === 'heartbeat')
    Object.assign(message, app.endsWith('v4') ? { metadata: { hb_timestamp: 1.5 } } : { args: [1] });
  if (type === 'response') message['result'] = 'r';
  if (type === 'error') message['error'] = 'e';
  if (type === 'stdout' || type === 'stderr') message['output'] = 'o';
  if (target === 'parent' && type === 'heartbeat' && app.endsWith('v4'))
    (message['metadata'] as Record<string, unknown>)['hb_response'] = true;
  return message;
}

const encode = (value: unknown): Uint8Array => defaultCodec.encode(value as object);

/** Raw msgpack headers that declare far more content than follows. */
const DECLARED_LENGTH_BOMBS = [
  'ddffffffff', // array32 of 4,294,967,295 elements
  'dfffffffff', // map32 of 4,294,967,295 pairs
  'db7fffffff', // str32 of 2 GiB
  'c6ffffffff', // bin32 of 4 GiB
  'c9ffffffff01', // ext32 of 4 GiB
  'dcffff', // array16 of 65,535 elements
  'deffff', // map16 of 65,535 pairs
  'da ffff'.replace(' ', ''), // str16 of 64 KiB
].map((hex) => Buffer.from(hex, 'hex'));

/** Payload arbitraries; each yields the payload bytes and the id inside, when there is one. */
function payloads(
  target: Target,
  id: string,
): fc.Arbitrary<{ kind: string; payload: Uint8Array; id: string | undefined }> {
  const types = target === 'child' ? TYPES_TO_CHILD : TYPES_TO_PARENT;
  const valid = fc
    .record({ type: fc.constantFrom(...types), app: fc.constantFrom(...APPS) })
    .map(({ type, app }) => baseMessage(target, id, type, app));
  const wrongField = fc
    .record({ message: valid, field: fc.nat(), value: wireValue, remove: fc.boolean() })
    .map(({ message, field, value, remove }) => {
      const keys = Object.keys(message);
      const key = keys[field % keys.length]!;
      if (remove) delete message[key];
      else message[key] = value;
      return {
        kind: `field:${key}:${remove ? 'missing' : 'wrong-type'}`,
        payload: encode(message),
        id: typeof message['id'] === 'string' ? message['id'] : undefined,
      };
    });
  const extraFields = fc
    .record({ message: valid, extra: fc.dictionary(fc.string({ maxLength: 12 }), wireValue, { maxKeys: 4 }) })
    .map(({ message, extra }) => ({ kind: 'extra-fields', payload: encode({ ...extra, ...message }), id }));
  const random = fc
    .uint8Array({ minLength: 0, maxLength: 300 })
    .map((payload) => ({ kind: 'random-bytes', payload, id: undefined }));
  const truncated = fc.record({ message: valid, cut: fc.nat() }).map(({ message, cut }) => {
    const bytes = encode(message);
    return { kind: 'truncated', payload: bytes.subarray(0, cut % bytes.length), id: undefined };
  });
  const trailing = fc
    .record({ message: valid, tail: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
    .map(({ message, tail }) => ({
      kind: 'trailing-bytes',
      payload: Buffer.concat([encode(message), tail]),
      id: undefined,
    }));
  const nonMap = wireValue.map((value) => ({ kind: 'non-map', payload: encode(value), id: undefined }));
  const deep = fc
    .record({ depth: fc.integer({ min: 100, max: 100_000 }), maps: fc.boolean() })
    .map(({ depth, maps }) => {
      // [[[[...nil]]]] or {"a":{"a":{...}}}: recursion a naive decoder would blow its stack on.
      const unit = maps ? Buffer.from('81a161', 'hex') : Buffer.from('91', 'hex');
      return {
        kind: `deep-${maps ? 'maps' : 'arrays'}`,
        payload: Buffer.concat([...Array<Buffer>(depth).fill(unit), Buffer.from('c0', 'hex')]),
        id: undefined,
      };
    });
  const deepInField = fc
    .record({ message: valid, depth: fc.integer({ min: 100, max: 50_000 }) })
    .map(({ message, depth }) => {
      // A valid message whose last field value is deeply nested: the decoder must not crash mid-message.
      const head = encode({ ...message, zz: null });
      return {
        kind: 'deep-in-field',
        payload: Buffer.concat([
          head.subarray(0, head.length - 1),
          Buffer.alloc(depth, 0x91),
          Buffer.from('c0', 'hex'),
        ]),
        id,
      };
    });
  const bomb = fc
    .record({ bomb: fc.constantFrom(...DECLARED_LENGTH_BOMBS), inField: fc.boolean(), message: valid })
    .map(({ bomb, inField, message }) => {
      if (!inField) return { kind: 'length-bomb', payload: bomb, id: undefined };
      const head = encode({ ...message, zz: null });
      return {
        kind: 'length-bomb-in-field',
        payload: Buffer.concat([head.subarray(0, head.length - 1), bomb]),
        id: undefined,
      };
    });
  const arbitraries = [
    valid.map((m) => ({ kind: 'valid-other', payload: encode(m), id })),
    wrongField,
    extraFields,
    random,
    truncated,
    trailing,
    nonMap,
    deep,
    deepInField,
    bomb,
  ];
  if (target === 'child') {
    const hostileName = fc
      .record({
        name: fc.constantFrom(...FORBIDDEN_NAMES),
        args: fc.oneof(fc.array(wireValue, { maxLength: 3 }), wireValue),
        app: fc.constantFrom(...APPS),
      })
      .map(({ name, args, app }) => ({
        kind: 'forbidden-name',
        payload: encode({ ...baseMessage('child', id, 'call', app), function: name, args }),
        id,
      }));
    arbitraries.push(hostileName, hostileName);
  }
  return fc.oneof(...arbitraries.map((arbitrary) => ({ arbitrary, weight: 1 })));
}

/** Frame shapes around a payload: the right one most of the time, every wrong one some of the time. */
interface Shape {
  shape: string;
  frames: Uint8Array[];
  wellFramed: boolean;
}

function shapes(payload: Uint8Array): fc.Arbitrary<Shape> {
  const shape = (s: Shape): Shape => s;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(shape({ shape: 'ok', frames: [EMPTY, payload], wellFramed: true })) },
    { weight: 1, arbitrary: fc.constant(shape({ shape: 'one-frame', frames: [payload], wellFramed: false })) },
    { weight: 1, arbitrary: fc.constant(shape({ shape: 'only-delimiter', frames: [EMPTY], wellFramed: false })) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ minLength: 1, maxLength: 8 })
        .map((d) => shape({ shape: 'bad-delimiter', frames: [d, payload], wellFramed: false })),
    },
    {
      weight: 1,
      arbitrary: fc.constant(shape({ shape: 'extra-frame', frames: [EMPTY, payload, payload], wellFramed: false })),
    },
    {
      weight: 1,
      arbitrary: fc.constant(shape({ shape: 'two-delimiters', frames: [EMPTY, EMPTY, payload], wellFramed: false })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 4, max: 12 })
        .map((n) => shape({ shape: 'many-frames', frames: Array<Uint8Array>(n).fill(EMPTY), wellFramed: false })),
    },
  );
}

/** Hostile cases towards a child or a parent; ids are `fz-<a>-<b>` (62 random bits: unique in practice). */
export function hostileCases(target: Target): fc.Arbitrary<HostileCase> {
  return fc
    .tuple(fc.nat(), fc.nat())
    .chain(([a, b]) => payloads(target, `fz-${a.toString(36)}-${b.toString(36)}`))
    .chain(({ kind, payload, id }) =>
      shapes(payload).map(({ shape, frames, wellFramed }) => ({
        kind: shape === 'ok' ? kind : `${shape}/${kind}`,
        frames,
        id,
        wellFramed,
      })),
    );
}

/**
 * `count` cases, reproducible from `seed`, with unique ids: fast-check biases numbers towards small values, so
 * two cases can draw the same id, and the runner could not tell which one a reply answers. Later duplicates are
 * skipped (and more cases drawn) rather than re-encoded.
 */
export function sampleCases(target: Target, count: number, seed: number): HostileCase[] {
  const cases: HostileCase[] = [];
  const ids = new Set<string>();
  for (let round = 0; cases.length < count; round++) {
    for (const c of fc.sample(hostileCases(target), {
      numRuns: Math.ceil((count - cases.length) * 1.05) + 10,
      seed: seed + round,
    })) {
      if (c.id !== undefined) {
        if (ids.has(c.id)) continue;
        ids.add(c.id);
      }
      cases.push(c);
      if (cases.length === count) break;
    }
  }
  return cases;
}

/**
 * How far over the payload limit the fuzz and the codec-level security tests go: less than the transport's
 * frame overhead (FRAME_OVERHEAD_BYTES, 64), so the frame passes the transport's limit (libzmq MAXMSGSIZE) and
 * reaches the codec, which must drop it before decoding. Frames further over are refused by the transport
 * itself, with the connection: harness/test/transport/message-size.test.ts and process-memory.test.ts.
 */
export const JUST_OVER_BYTES = 16;

/**
 * A payload over `limitBytes` by about `overBytes` (default 1,024; a few bytes more for the string header): a
 * valid CALL of echo whose argument is a string that makes it too large.
 */
export function oversizedCall(limitBytes: number, id: string, overBytes = 1024): Uint8Array {
  // The sender's own limit would refuse it (MF-MSG-10): this hostile sender has a bigger one.
  const big = new Codec({ maxPayloadBytes: limitBytes * 2 });
  const head = encode({
    app: 'comlink_ipc_v3',
    id,
    type: 'call',
    timestamp: 1.5,
    function: 'echo',
    namespace: 'default',
    args: [''],
  });
  const fill = limitBytes + overBytes - head.length;
  return big.encode({
    app: 'comlink_ipc_v3',
    id,
    type: 'call',
    timestamp: 1.5,
    function: 'echo',
    namespace: 'default',
    args: ['x'.repeat(fill)],
  });
}

/**
 * A payload over `limitBytes` that is a length bomb all the way: an array32 declaring 4 G elements, then
 * `limitBytes + overBytes` (default 1 MiB) of zero bytes. A decoder that read it would try to allocate a
 * 4 G-element array (and fail with a RangeError, i.e. `not-msgpack`); one that checks the size first says
 * `too-large`.
 */
export function oversizedBomb(limitBytes: number, overBytes = 1024 * 1024): Uint8Array {
  return Buffer.concat([Buffer.from('ddffffffff', 'hex'), Buffer.alloc(limitBytes + overBytes)]);
}
