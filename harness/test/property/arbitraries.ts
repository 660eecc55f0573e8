/** fast-check arbitraries for JavaScript values, wire values and messages, shared by the property tests. */
import fc from 'fast-check';
import type { Message } from '../../../src/protocol/message.js';
import {
  createCall,
  createError,
  createHeartbeat,
  createHeartbeatEcho,
  createOutput,
  createResponse,
  createShutdown,
} from '../../../src/protocol/messages.js';
import { V3, V4 } from '../../../src/protocol/profile.js';

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Strings including lone surrogates (every UTF-16 code unit is possible). */
export const anyString = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 12,
});

/** Well-formed strings over the whole Unicode range, including non-BMP characters. */
export const unicodeString = fc.string({ unit: 'binary', maxLength: 12 });

/** Keys that name something on Object.prototype: they must travel as ordinary keys, unchanged. */
export const oddKey = fc.constantFrom(
  '__proto__',
  '__proto_',
  'constructor',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
  'prototype',
  '',
);

/** Object keys: any string, the odd ones above included. */
export const key = fc.oneof(fc.string({ maxLength: 6 }), unicodeString, oddKey);

/** Numbers with every edge: NaN, ±Infinity, -0, integers around each format boundary, 2^53, 2^63. */
export const anyNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    2 ** 63,
    -(2 ** 63),
    -32,
    -33,
    -128,
    -129,
    -32768,
    -32769,
    -(2 ** 31) - 1,
  ),
  fc.bigInt({ min: INT64_MIN, max: 2n ** 63n }).map((n) => Number(n)),
);

/** Bigints within int64/uint64 (encodable). */
export const encodableBigInt = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: UINT64_MAX }),
  fc.bigInt({ min: -1000n, max: 1000n }),
);

/** Leaves of arbitrary JavaScript input, portable or not (but encodable). */
const inputLeaf = fc.oneof(
  anyNumber,
  encodableBigInt,
  anyString,
  unicodeString,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.uint8Array({ maxLength: 8 }).map((bytes) => (bytes.length % 2 === 0 ? Buffer.from(bytes) : bytes)),
  fc.date({ noInvalidDate: true }),
);

/** Arbitrary encodable JavaScript input: leaves, arrays, plain objects, Maps with string keys, Sets. */
export const encodableInput: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    inputLeaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => new Set(items)),
  ),
})).value;

/** A profile. */
export const profile = fc.constantFrom(V3, V4);

const id = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 16 }));
const timestamp = fc.oneof(fc.double({ min: 0, max: 4e9, noNaN: true }), fc.integer({ min: 0, max: 2 ** 31 }));

/** Any valid message, built with the factories (payloads are arbitrary encodable values). */
export const anyMessage: fc.Arbitrary<Message> = fc.oneof(
  fc
    .record({
      p: profile,
      id,
      t: timestamp,
      fn: fc.string({ minLength: 1, maxLength: 10 }),
      args: fc.array(encodableInput, { maxLength: 4 }),
      ns: fc.option(fc.string(), { nil: undefined }),
      client: fc.option(fc.string(), { nil: undefined }),
    })
    .map(({ p, id: i, t, fn, args, ns, client }) =>
      createCall(p, i, t, fn, args, {
        ...(ns === undefined ? {} : { namespace: ns }),
        ...(client === undefined ? {} : { clientName: client }),
      }),
    ),
  fc
    .record({ p: profile, id, t: timestamp, result: encodableInput })
    .map(({ p, id: i, t, result }) => createResponse(p, i, t, result)),
  fc
    .record({ p: profile, id, t: timestamp, error: unicodeString, trace: fc.option(fc.string(), { nil: undefined }) })
    .map(({ p, id: i, t, error, trace }) => createError(p, i, t, error, trace)),
  fc
    .record({
      p: profile,
      id,
      t: timestamp,
      stream: fc.constantFrom('stdout' as const, 'stderr' as const),
      text: unicodeString,
    })
    .map(({ p, id: i, t, stream, text }) => createOutput(p, i, t, stream, text)),
  fc
    .record({ p: profile, id, t: timestamp, sent: fc.integer({ min: 0, max: 2 ** 52 }), echo: fc.boolean() })
    .map(({ p, id: i, t, sent, echo }) => {
      const request = createHeartbeat(p, i, t, sent);
      return echo ? createHeartbeatEcho(p, request, t) : request;
    }),
  fc.record({ p: profile, id, t: timestamp }).map(({ p, id: i, t }) => createShutdown(p, i, t)),
);
