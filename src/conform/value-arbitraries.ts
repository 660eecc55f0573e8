/**
 * fast-check arbitraries of portable wire values (docs/spec.md section 4): every msgpack type a port can be
 * sent, with weight on the edges where ports go wrong. Integers at every format boundary, signed and
 * unsigned, up to uint64 and down to int64; floats including NaN (several bit patterns), ±Infinity, -0,
 * subnormals, huge and integral ones; strings empty, non-BMP, and at the str8/str16/str32 length
 * boundaries; bin likewise; map keys that name something on Object.prototype (`__proto__`, `constructor`),
 * empty and unicode keys; long arrays and maps (fix/16/32 headers) and deep nesting. Map keys are unique
 * strings (the portable set); values outside it are not generated here.
 */
import fc from 'fast-check';
import { wire, type WireValue } from './wire-value.js';

/** Deepest nesting of {@link deepValue}: far beyond any real message, well within every peer's decoder. */
export const MAX_GENERATED_DEPTH = 100;

const boundaries: bigint[] = [
  0n,
  1n,
  31n,
  32n,
  127n,
  128n,
  255n,
  256n,
  32767n,
  32768n,
  65535n,
  65536n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  -1n,
  -31n,
  -32n,
  -33n,
  -127n,
  -128n,
  -129n,
  -32768n,
  -32769n,
  -(2n ** 31n),
  -(2n ** 31n) - 1n,
  -(2n ** 53n) + 1n,
  -(2n ** 53n),
  -(2n ** 53n) - 1n,
  -(2n ** 63n) + 1n,
  -(2n ** 63n),
];

/** Integers: every format boundary and its neighbours, and anything in int64 ∪ uint64. */
export const wireInt: fc.Arbitrary<WireValue> = fc
  .oneof(
    { arbitrary: fc.constantFrom(...boundaries), weight: 4 },
    { arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), weight: 2 },
    { arbitrary: fc.integer({ min: -200, max: 300 }).map(BigInt), weight: 2 },
  )
  .map(wire.int);

const specialFloats = [
  0,
  -0,
  Infinity,
  -Infinity,
  NaN,
  0.1,
  -1.5,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1,
  -1,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 63),
  2 ** 64,
  1e300,
  -1e-300,
  0.5,
  3.4028234663852886e38,
  1.401298464324817e-45,
];

/** Floats: fast-check's doubles (all specials), named edge cases, and NaNs with other bit patterns. */
export const wireFloat: fc.Arbitrary<WireValue> = fc.oneof(
  { arbitrary: fc.double().map(wire.float), weight: 3 },
  { arbitrary: fc.constantFrom(...specialFloats).map(wire.float), weight: 2 },
  {
    arbitrary: fc
      .constantFrom('7ff8000000000001', 'fff8000000000000', '7ff0000000000001', 'ffffffffffffffff')
      .map((bits): WireValue => ({ type: 'float', bits })),
    weight: 1,
  },
);

/**
 * Lengths around the str/bin/array/map header boundaries. The 32-bit headers need 65,536 elements or
 * bytes: those are drawn rarely (about one value in a hundred), so 1,000 values stay quick to send.
 */
const longLength = fc.oneof(
  { arbitrary: fc.constantFrom(15, 16, 31, 32, 255, 256), weight: 12 },
  { arbitrary: fc.constantFrom(65535, 65536), weight: 1 },
);

/** Strings: empty, ASCII, full Unicode (non-BMP included, never a lone surrogate), and long ones. */
export const wireStr: fc.Arbitrary<WireValue> = fc
  .oneof(
    { arbitrary: fc.string({ maxLength: 8 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }), weight: 1 },
    {
      arbitrary: fc.constantFrom('', '\u{1F600}', '\u{10FFFF}', '\uFFFD', '\u0000', 'e\u0301', '\uD83D\uDE00x'),
      weight: 1,
    },
    // Byte lengths at the boundaries: ASCII exactly, then with a 4-byte character at the end.
    {
      arbitrary: fc
        .tuple(longLength, fc.boolean())
        .map(([n, astral]) => (astral ? `${'a'.repeat(Math.max(0, n - 4))}\u{1F600}` : 'a'.repeat(n))),
      weight: 1,
    },
  )
  .map(wire.str);

/** Binary data, empty to 65536 bytes. */
export const wireBin: fc.Arbitrary<WireValue> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 24 }).map(wire.bin), weight: 4 },
  {
    arbitrary: fc
      .tuple(longLength, fc.integer({ min: 0, max: 255 }))
      .map(([n, b]) => wire.bin(Uint8Array.from({ length: n }, (_, i) => (b + i) & 0xff))),
    weight: 1,
  },
);

/** Map keys: odd names first, then empty, unicode and ordinary ones. */
export const wireKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '__proto_',
    '',
    '\u{1F511}',
    'ключ',
    'a.b',
    '0',
    '-1',
  ),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

const scalar: fc.Arbitrary<WireValue> = fc.oneof(
  { arbitrary: wireInt, weight: 4 },
  { arbitrary: wireFloat, weight: 3 },
  { arbitrary: wireStr, weight: 3 },
  { arbitrary: wireBin, weight: 1 },
  { arbitrary: fc.constantFrom(wire.nil(), wire.bool(true), wire.bool(false)), weight: 1 },
);

/** Long arrays and maps: the 16- and 32-bit headers, with small integer content. */
const longContainer: fc.Arbitrary<WireValue> = fc
  .tuple(longLength, fc.boolean(), fc.integer({ min: -40, max: 40 }))
  .map(([n, asMap, base]) =>
    asMap
      ? wire.map(Array.from({ length: n }, (_, i) => [`k${i}`, wire.int(base + (i % 100))]))
      : wire.array(Array.from({ length: n }, (_, i) => wire.int(base + (i % 100)))),
  );

/** A chain of `depth` containers (arrays and maps in turn) around a scalar. */
export const deepValue: fc.Arbitrary<WireValue> = fc
  .tuple(fc.integer({ min: 8, max: MAX_GENERATED_DEPTH }), scalar, fc.boolean())
  .map(([depth, leaf, mapsFirst]) => {
    let value = leaf;
    for (let i = 0; i < depth; i++)
      value = (i % 2 === 0) === mapsFirst ? wire.map([['d', value]]) : wire.array([value]);
    return value;
  });

/** Any portable wire value, nested a few levels, occasionally very long or very deep. */
export const wireValue: fc.Arbitrary<WireValue> = fc.letrec<{ value: WireValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalar, weight: 6 },
    { arbitrary: fc.array(tie('value'), { maxLength: 5 }).map(wire.array), weight: 3 },
    {
      arbitrary: fc
        .uniqueArray(fc.tuple(wireKey, tie('value')), { selector: ([key]) => key, maxLength: 5 })
        .map(wire.map),
      weight: 3,
    },
    { arbitrary: longContainer, weight: 1 },
    { arbitrary: deepValue, weight: 1 },
  ),
})).value;
