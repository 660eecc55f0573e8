import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EncodeError } from '../../../src/errors.js';
import { Codec } from '../../../src/protocol/codec.js';
import { encodeFlat } from '../../../src/protocol/flat-encode.js';
import { sanitize } from '../../../src/protocol/sanitize.js';
import { fromJs } from '../../vectors/notation.js';
import { referenceEncode } from '../../vectors/reference-msgpack.js';
import { anyNumber, encodableInput, key, unicodeString } from '../property/arbitraries.js';
import { fcParameters } from '../property/fc-config.js';

/** The canonical bytes from the independent reference encoder (harness/vectors). */
const reference = (value: unknown): Buffer => referenceEncode(fromJs(sanitize(value)));

const hex = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('hex');

describe('encodeFlat: the codec fast path for common messages (MF-VAL-1 .. MF-VAL-10)', () => {
  it('writes the canonical bytes for every integer format boundary, floats, booleans, nil and short strings', () => {
    const numbers = [
      0,
      -0,
      1,
      127,
      128,
      255,
      256,
      65535,
      65536,
      2 ** 32 - 1,
      -1,
      -32,
      -33,
      -128,
      -129,
      -32768,
      -32769,
      -(2 ** 31),
      1.5,
      -0.25,
      1767225600.25,
    ];
    const value = {
      n: numbers.slice(0, 11),
      m: numbers.slice(11),
      t: true,
      f: false,
      z: null,
      s: 'x'.repeat(31),
      l: 'y'.repeat(32),
      e: '',
      max: 'z'.repeat(255),
    };
    const bytes = encodeFlat(value);
    assert.equal(hex(bytes), hex(reference(value)));
  });

  it('takes every value of its domain and gives the same bytes as the reference encoder', () => {
    const scalar = fc.oneof(anyNumber, unicodeString, fc.string({ maxLength: 300 }), fc.boolean(), fc.constant(null));
    const shaped = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        scalar,
        fc.array(tie('value'), { maxLength: 20 }),
        fc.dictionary(key, tie('value'), { maxKeys: 15, noNullPrototype: true }),
      ),
    })).value;
    const record = fc.dictionary(key, shaped, { maxKeys: 15, noNullPrototype: true });
    fc.assert(
      fc.property(record, (value) => {
        const flat = encodeFlat(value);
        assert.ok(flat !== undefined, 'a value of the fast path was left to the general path');
        assert.equal(hex(flat), hex(reference(value)));
      }),
      fcParameters({ numRuns: 2000 }),
    );
  });

  it('writes every header size the general path writes: str8/16/32, array16/32, 64-bit integers, nil for NaN', () => {
    const cases: Record<string, unknown>[] = [
      { s: 'x'.repeat(255), t: 'x'.repeat(256), u: 'é'.repeat(40_000) },
      { s: 'x'.repeat(70_000) },
      { a: new Array(16).fill(0), b: new Array(65_535).fill(null) },
      { a: new Array(65_536).fill(true) },
      { n: [2 ** 32, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), 2 ** 63, -(2 ** 63), 2 ** 64, -(2 ** 64), 1767225600250] },
      { n: [NaN, Infinity, -Infinity, -0], f: Array.from({ length: 40 }, (_, i) => (i === 20 ? NaN : i + 0.5)) },
      { deep: [[[{ a: [{ b: {} }] }]]], empty: [], none: {} },
      { [`k${'é'.repeat(10)}`]: '😀', ['k'.repeat(256)]: 1 },
      // Headers that outgrow the guess from the length: fixstr -> str8, str8 -> str16 (the bytes move on).
      { a: 'é'.repeat(16), b: '€'.repeat(100), c: '😀'.repeat(15) },
      // Lone surrogates in values: U+FFFD each, as sanitisation gives (MF-VAL-9).
      { s: 'a\ud800b', t: '\udc00\ud800', u: `${'x'.repeat(70)}\ud83d` },
    ];
    for (const value of cases) {
      const flat = encodeFlat(value);
      assert.ok(flat !== undefined, `left to the general path: ${Object.keys(value).join(',')}`);
      assert.equal(hex(flat), hex(reference(value)));
    }
  });

  it('gives the same bytes as the reference encoder, or leaves the value to the general path', () => {
    fc.assert(
      fc.property(fc.dictionary(key, encodableInput, { maxKeys: 17 }), (value) => {
        const flat = encodeFlat(value);
        if (flat !== undefined) assert.equal(hex(flat), hex(reference(value)));
      }),
      fcParameters({ numRuns: 2000 }),
    );
  });

  it('leaves everything it does not handle to the general path', () => {
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    const cases: unknown[] = [
      null,
      1,
      'text',
      [1, 2],
      new Map(),
      Object.create(null),
      sixteen,
      { o: sixteen },
      { ['k\udc00']: 1 },
      { u: undefined },
      { b: 1n },
      { f: () => 1 },
      { d: new Date(0) },
      { bin: Buffer.from('x') },
      { a: [undefined] },
      // eslint-disable-next-line no-sparse-arrays
      { a: [1, , 3] },
      { a: new (class Items extends Array<number> {})() },
      { n: Object.create(null) as object },
      cycle,
      { deep },
      { big: 'x'.repeat(200_000) },
    ];
    cases.forEach((value, index) => assert.equal(encodeFlat(value), undefined, `case ${index}`));
  });

  it('ignores a polluted Object.prototype by leaving the value to the general path', () => {
    Object.defineProperty(Object.prototype, 'polluted', {
      value: 1,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      assert.equal(encodeFlat({ a: 1 }), undefined);
    } finally {
      delete (Object.prototype as Record<string, unknown>)['polluted'];
    }
    assert.equal(hex(encodeFlat({ a: 1 })), '81a16101');
  });

  it('returns buffers that later encodings never overwrite, across slabs', () => {
    const first = encodeFlat({ first: 'x'.repeat(200) });
    const copy = Buffer.from(first as Buffer);
    // Each of these may reserve up to ~60 KiB: enough calls to move to a fresh slab several times.
    for (let i = 0; i < 5000; i++) encodeFlat({ i, s: 'y'.repeat(250), a: ['z'.repeat(250), 'w'.repeat(250)] });
    // Encodings of 100 KB: most find too little of the slab left, and are redone on a fresh one.
    const large = { s: 'v'.repeat(100_000) };
    const kept = Array.from({ length: 4 }, () => encodeFlat(large));
    for (const bytes of kept) assert.equal(hex(bytes), hex(reference(large)));
    assert.deepEqual(first, copy);
  });

  it('hands a nested encoding (a getter that encodes) to the general path, and the outer one stays correct', () => {
    const codec = new Codec();
    let inner: Buffer | undefined;
    const value = {
      a: 1,
      get b(): number {
        inner = codec.encode({ x: [2] });
        return 3;
      },
    };
    assert.equal(hex(codec.encode(value)), '82a16101a16203');
    assert.equal(hex(inner), '81a1789102');
  });

  it('turns a throwing getter into an EncodeError, like the sanitising walk', () => {
    const codec = new Codec();
    const hostile = {
      get boom(): never {
        throw new TypeError('getter failed');
      },
    };
    assert.throws(
      () => codec.encode(hostile),
      (error: unknown) => error instanceof EncodeError && error.path === '$' && error.cause instanceof TypeError,
    );
    assert.equal(hex(codec.encode({ ok: 1 })), '81a26f6b01');
  });

  it('checks the payload limit on the fast path too (MF-MSG-10)', () => {
    const small = new Codec({ maxPayloadBytes: 8 });
    assert.throws(() => small.encode({ long: 'x'.repeat(20) }), { name: 'PayloadTooLargeError' });
  });
});
