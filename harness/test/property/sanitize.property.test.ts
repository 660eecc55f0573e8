import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EncodeError } from '../../../src/errors.js';
import { Codec } from '../../../src/protocol/codec.js';
import { sanitize } from '../../../src/protocol/sanitize.js';
import { referenceEncode } from '../../vectors/reference-msgpack.js';
import { encodableInput } from './arbitraries.js';
import { fcParameters } from './fc-config.js';

const codec = new Codec();

/** True when no NaN or ±Infinity is left anywhere in `value`. */
function allFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(allFinite);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array))
    return Object.values(value).every(allFinite);
  return true;
}

describe('sanitize properties (MF-VAL-1 .. MF-VAL-10)', () => {
  it('is idempotent: sanitising a sanitised value returns it unchanged, the same reference (MF-VAL-8)', () => {
    fc.assert(
      fc.property(encodableInput, (input) => {
        const once = sanitize(input);
        const twice = sanitize(once);
        assert.equal(twice, once);
      }),
      fcParameters(),
    );
  });

  it('a sanitised value survives encode then decode unchanged (MF-VAL-8)', () => {
    fc.assert(
      fc.property(encodableInput, (input) => {
        const portable = sanitize(input);
        assert.deepStrictEqual(codec.decodeValue(codec.encode(portable as object)), portable);
      }),
      fcParameters(),
    );
  });

  it('encoding the input and encoding its sanitised form give the same bytes', () => {
    fc.assert(
      fc.property(encodableInput, (input) => {
        assert.deepEqual(codec.encode(input as object), codec.encode(sanitize(input) as object));
      }),
      fcParameters(),
    );
  });

  it('no NaN or Infinity survives sanitising or a round trip (MF-VAL-1)', () => {
    fc.assert(
      fc.property(encodableInput, (input) => {
        assert.ok(allFinite(sanitize(input)));
        assert.ok(allFinite(codec.decodeValue(codec.encode(input as object))));
      }),
      fcParameters(),
    );
  });

  it('an integral number within int64 is written as the smallest msgpack integer, never a float (MF-VAL-2)', () => {
    const integral = fc.oneof(
      fc.integer(),
      fc.maxSafeInteger(),
      fc
        .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
        .map(Number)
        .filter((n) => n < 2 ** 63),
      fc.double({ min: -(2 ** 63), max: 2 ** 63, noNaN: true }).filter((n) => Number.isInteger(n) && n < 2 ** 63),
    );
    fc.assert(
      fc.property(integral, (n) => {
        const bytes = codec.encode(n as unknown as object);
        assert.notEqual(bytes[0], 0xcb, 'float64');
        assert.deepEqual(bytes, referenceEncode({ int: BigInt(n).toString() }));
      }),
      fcParameters(),
    );
  });

  it('a bigint within int64/uint64 is written as the smallest msgpack integer (MF-VAL-3)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), (n) => {
        assert.deepEqual(codec.encode(n as unknown as object), referenceEncode({ int: n.toString() }));
      }),
      fcParameters(),
    );
  });

  it('a non-integral finite number is float64 with the same bits (MF-VAL-2, MF-VAL-10)', () => {
    fc.assert(
      fc.property(
        fc
          .double({ noNaN: true, noDefaultInfinity: true })
          .filter((n) => !Number.isInteger(n) || Math.abs(n) >= 2 ** 63),
        (n) => {
          const bits = Buffer.alloc(8);
          bits.writeDoubleBE(n);
          assert.deepEqual(codec.encode(n as unknown as object), Buffer.concat([Buffer.from([0xcb]), bits]));
        },
      ),
      fcParameters(),
    );
  });

  it('a bigint outside int64/uint64 fails with an EncodeError naming its path (MF-VAL-3)', () => {
    const tooBig = fc.oneof(
      fc.bigInt({ min: 2n ** 64n, max: 2n ** 80n }),
      fc.bigInt({ min: -(2n ** 80n), max: -(2n ** 63n) - 1n }),
    );
    fc.assert(
      fc.property(tooBig, fc.nat({ max: 3 }), (n, index) => {
        const args = [0, 1, 2, 3];
        (args as unknown[])[index] = { value: n };
        assert.throws(
          () => codec.encode({ args }),
          (error: unknown) => error instanceof EncodeError && error.path === `$.args[${index}].value`,
        );
      }),
      fcParameters(),
    );
  });
});
