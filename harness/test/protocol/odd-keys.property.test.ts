/**
 * Map keys that name something on Object.prototype (`__proto__` above all) travel through the codec as
 * ordinary keys: nothing renamed, nothing lost, no prototype set or polluted, in both directions.
 * @see MF-VAL-8
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Codec } from '../../../src/protocol/codec.js';
import { sanitize } from '../../../src/protocol/sanitize.js';
import { fcParameters } from '../property/fc-config.js';
import { oddKey, unicodeString } from '../property/arbitraries.js';

const codec = new Codec();

/** Objects of odd and ordinary keys, nested, with plain prototypes (a decode never gives another). */
const tree: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.boolean(), fc.constant(null)),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(oddKey, unicodeString, fc.constant('polluted')), tie('value'), {
      maxKeys: 5,
      noNullPrototype: true,
    }),
  ),
})).value;

/** Own entries, recursively, in order: what must survive (deepEqual alone does not look at key order). */
function entries(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(entries);
  if (value !== null && typeof value === 'object')
    return Object.keys(value).map((k) => [k, entries((value as Record<string, unknown>)[k])]);
  return value;
}

function prototypesArePlain(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(prototypesArePlain);
  if (value === null || typeof value !== 'object') return true;
  return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(prototypesArePlain);
}

describe('odd map keys through the codec', () => {
  it('decode(encode(v)) has the same keys and values in the same order, plain prototypes, and Object.prototype stays clean', () => {
    fc.assert(
      fc.property(tree, (value) => {
        const bytes = codec.encode({ args: [value] });
        const decoded = (codec.decodeValue(bytes) as { args: unknown[] }).args[0];
        assert.deepEqual(entries(decoded), entries(value));
        assert.ok(prototypesArePlain(decoded));
        assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
        // And back: the decoded value encodes to the same bytes, sanitised or not.
        assert.equal(codec.encode({ args: [decoded] }).toString('hex'), bytes.toString('hex'));
        assert.equal(codec.encode({ args: [sanitize(decoded)] }).toString('hex'), bytes.toString('hex'));
      }),
      fcParameters({ numRuns: 2000 }),
    );
  });
});
