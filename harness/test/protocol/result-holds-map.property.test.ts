/**
 * resultHoldsMap (msgpack-length.ts) reads from a RESPONSE's bytes whether its result is or holds a map, which
 * decides whether the MF-VAL-14 key walk runs. It replaced a walk over the decoded result; this checks it
 * answers as that walk does, on generated RESPONSEs (maps anywhere, non-string keys, bigints, bin, a
 * duplicated result key) and on hand-made edge cases (nesting at the 64-deep limit, str8/str16 keys).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Codec } from '../../../src/protocol/codec.js';
import { loadMsgpackr } from '../../../src/protocol/msgpackr-loader.js';
import { resultHoldsMap } from '../../../src/protocol/msgpack-length.js';
import { fcParameters } from '../property/fc-config.js';

const { Packr } = loadMsgpackr();
const packr = new Packr({ useRecords: false, mapsAsObjects: false, variableMapSize: true, useFloat32: 0 });
const codec = new Codec();

/** The definition, on the decoded value: a map (any non-array object but bin), or an array holding one within 64 levels. */
function holdsMap(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return false;
  if (!Array.isArray(value) || depth > 64) return true;
  return value.some((item) => holdsMap(item, depth + 1));
}

/** Compares both answers for a payload that decodes to a map; returns false for one that does not. */
function agrees(bytes: Buffer): boolean {
  let decoded: unknown;
  try {
    decoded = codec.decodeValue(bytes);
  } catch {
    return false;
  }
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) return false;
  const result = (decoded as Record<string, unknown>)['result'];
  assert.equal(resultHoldsMap(bytes), holdsMap(result ?? null), bytes.toString('hex').slice(0, 200));
  return true;
}

const scalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 4 }).map((bytes) => Buffer.from(bytes)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 3 })), tie('value')), {
        maxLength: 3,
      })
      .map((entries) => new Map<unknown, unknown>(entries)),
  ),
}));

test('resultHoldsMap answers as the walk over the decoded result does, on generated RESPONSEs', () => {
  let compared = 0;
  fc.assert(
    fc.property(value, fc.boolean(), fc.option(value), (result, withResult, extra) => {
      const message = new Map<unknown, unknown>([
        ['app', 'comlink_ipc_v3'],
        ['id', 'x'],
        ['type', 'response'],
        ['timestamp', 1.5],
      ]);
      if (withResult) message.set('result', result);
      if (extra !== null) message.set(7, extra);
      if (agrees(packr.pack(message))) compared++;
      // Two `result` keys: the last one is the value a decoder keeps.
      const first = packr.pack(new Map([['result', result]]));
      const second = packr.pack(new Map([['result', extra]]));
      if (agrees(Buffer.concat([Buffer.from([0x82]), first.subarray(1), second.subarray(1)]))) compared++;
    }),
    fcParameters({ numRuns: 1500 }),
  );
  assert.ok(compared > 1500, `payloads compared: ${compared}`);
});

test('resultHoldsMap at the nesting limit and with the key written as str8 or str16', () => {
  const nested = (levels: number, inner: unknown): unknown => {
    let v = inner;
    for (let i = 0; i < levels; i++) v = [v];
    return v;
  };
  for (const levels of [0, 1, 63, 64, 65, 66, 70])
    for (const inner of [1, [], new Map([['a', 1]]), null])
      assert.ok(
        agrees(
          packr.pack(
            new Map<unknown, unknown>([
              ['app', 'a'],
              ['result', nested(levels, inner)],
            ]),
          ),
        ),
      );
  assert.ok(agrees(Buffer.from('81d906726573756c74' + '81a16101', 'hex')), 'str8 key, map result');
  assert.ok(agrees(Buffer.from('81da0006726573756c74' + '81a16101', 'hex')), 'str16 key, map result');
  assert.ok(agrees(Buffer.from('81a6726573756c74' + '92c0c0', 'hex')), 'fixstr key, array of nils');
});
