import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncodeError, ErrorCode } from '../../../src/errors.js';
import { MAX_DEPTH, formatPath, prepareForWire, sanitize } from '../../../src/protocol/sanitize.js';
import { WideInteger } from '../../../src/protocol/wide-integer.js';

/** Asserts that sanitising `value` fails with an EncodeError at `path`. */
function assertEncodeError(value: unknown, path: string, reason?: RegExp): void {
  for (const fn of [sanitize, prepareForWire]) {
    assert.throws(
      () => fn(value),
      (error: unknown) => {
        assert.ok(error instanceof EncodeError, `expected EncodeError, got ${String(error)}`);
        assert.equal(error.code, ErrorCode.ENCODE);
        assert.equal(error.path, path);
        if (reason !== undefined) assert.match(error.message, reason);
        return true;
      },
    );
  }
}

describe('sanitize: numbers (MF-VAL-1, MF-VAL-2, MF-VAL-10)', () => {
  it('turns NaN, +Infinity and -Infinity into null at any depth (MF-VAL-1)', () => {
    assert.equal(sanitize(NaN), null);
    assert.deepEqual(sanitize([Infinity, { a: -Infinity, b: [NaN] }]), [null, { a: null, b: [null] }]);
  });

  it('turns -0 into 0 (MF-VAL-10) and leaves other finite numbers alone', () => {
    assert.ok(Object.is(sanitize(-0), 0));
    const out = sanitize([-0, 1.5, -3]) as number[];
    assert.ok(Object.is(out[0], 0));
    assert.deepEqual(out, [0, 1.5, -3]);
    assert.ok(Object.is((sanitize({ z: -0 }) as { z: number }).z, 0));
  });

  it('makes integral numbers beyond the safe range bigints, as decoding does (MF-VAL-4)', () => {
    assert.equal(sanitize(2 ** 53), 2n ** 53n);
    assert.equal(sanitize(-(2 ** 60)), -(2n ** 60n));
    assert.equal(sanitize(2 ** 53 - 1), 2 ** 53 - 1);
    // 2^63 is outside int64: it stays a float (MF-VAL-2)
    assert.equal(sanitize(2 ** 63), 2 ** 63);
    assert.equal(sanitize(-(2 ** 63)), -(2n ** 63n));
  });

  it('prepares integers beyond 32 bits as WideInteger for the encoder, and leaves 32-bit ones as numbers', () => {
    assert.equal(prepareForWire(2 ** 32 - 1), 2 ** 32 - 1);
    assert.equal(prepareForWire(-(2 ** 31)), -(2 ** 31));
    const wide = prepareForWire([2 ** 32, -(2 ** 31) - 1, 2 ** 63, 0.5]) as unknown[];
    assert.ok(wide[0] instanceof WideInteger && wide[0].value === 2 ** 32);
    assert.ok(wide[1] instanceof WideInteger && wide[1].value === -(2 ** 31) - 1);
    assert.equal(wide[2], 2 ** 63);
    assert.equal(wide[3], 0.5);
  });
});

describe('sanitize: long float arrays (the dedicated float scan)', () => {
  it('returns a float array unchanged, and copies it from the first value that changes', () => {
    const floats = Array.from({ length: 20 }, (_, i) => i + 0.5);
    assert.equal(sanitize(floats), floats);
    assert.equal(prepareForWire(floats), floats);
    const withBad = [...floats.slice(0, 10), NaN, -0, 2 ** 40, Infinity, 0.25];
    assert.deepEqual(sanitize(withBad), [...floats.slice(0, 10), null, 0, 2 ** 40, null, 0.25]);
    const wire = prepareForWire(withBad) as unknown[];
    assert.equal(wire[10], null);
    assert.ok(wire[12] instanceof WideInteger);
    assert.deepEqual(withBad.slice(10, 11), [NaN], 'the input is not modified');
  });
});

describe('sanitize: bigints (MF-VAL-3)', () => {
  it('makes safe bigints numbers and keeps the others', () => {
    assert.equal(sanitize(5n), 5);
    assert.equal(sanitize(-(2n ** 53n) + 1n), -(2 ** 53) + 1);
    assert.equal(sanitize(2n ** 64n - 1n), 2n ** 64n - 1n);
    assert.equal(sanitize(-(2n ** 63n)), -(2n ** 63n));
  });

  it('fails for a bigint outside int64 and uint64, naming the path', () => {
    assertEncodeError({ args: [1, { big: 2n ** 64n }] }, '$.args[1].big', /outside the int64 and uint64 ranges/);
    assertEncodeError([-(2n ** 63n) - 1n], '$[0]');
  });

  it('prepares small bigints as numbers and wide ones as WideInteger', () => {
    assert.equal(prepareForWire(7n), 7);
    assert.equal(prepareForWire(4294967295n), 4294967295);
    const wide = prepareForWire(2n ** 63n);
    assert.ok(wide instanceof WideInteger && wide.value === 2n ** 63n);
  });
});

describe('sanitize: binary (MF-VAL-5)', () => {
  it('keeps a Buffer as is and makes other byte views Buffers without copying', () => {
    const buffer = Buffer.from([1, 2, 3]);
    assert.equal(sanitize(buffer), buffer);
    const backing = new Uint8Array([9, 8, 7, 6]);
    const view = sanitize(backing.subarray(1, 3)) as Buffer;
    assert.ok(Buffer.isBuffer(view));
    assert.deepEqual([...view], [8, 7]);
    backing[1] = 42;
    assert.equal(view[0], 42, 'a view, not a copy');
  });

  it('makes ArrayBuffer and DataView binary', () => {
    const bytes = new Uint8Array([1, 2, 3, 4]);
    assert.deepEqual(sanitize(bytes.buffer), Buffer.from([1, 2, 3, 4]));
    assert.deepEqual(sanitize(new DataView(bytes.buffer, 1, 2)), Buffer.from([2, 3]));
  });

  it('leaves a Uint8Array to the encoder in wire mode (msgpackr writes it as bin)', () => {
    const bytes = new Uint8Array([1]);
    assert.equal(prepareForWire(bytes), bytes);
  });
});

describe('sanitize: undefined (MF-VAL-6)', () => {
  it('omits an undefined property and keeps the key order of the others', () => {
    const out = sanitize({ a: 1, b: undefined, c: 3 });
    assert.deepEqual(out, { a: 1, c: 3 });
    assert.deepEqual(Object.keys(out as object), ['a', 'c']);
  });

  it('makes undefined (and holes) inside an array null', () => {
    // eslint-disable-next-line no-sparse-arrays
    assert.deepEqual(sanitize([1, undefined, , 4]), [1, null, null, 4]);
  });

  it('makes a top-level undefined null', () => {
    assert.equal(sanitize(undefined), null);
    assert.equal(prepareForWire(undefined), null);
  });

  it('omits undefined properties in wire mode too, but leaves array elements to the encoder', () => {
    assert.deepEqual(prepareForWire({ a: undefined, b: 2 }), { b: 2 });
    const array = [undefined];
    assert.equal(prepareForWire(array), array);
  });
});

describe('sanitize: other values (MF-VAL-7)', () => {
  it('makes a Map with string keys a plain object in insertion order', () => {
    const out = sanitize(
      new Map<string, unknown>([
        ['z', 1],
        ['a', NaN],
        ['u', undefined],
      ]),
    );
    assert.deepEqual(out, { z: 1, a: null });
    assert.deepEqual(Object.keys(out as object), ['z', 'a']);
  });

  it('fails for a Map with a non-string key, naming the path of the Map', () => {
    assertEncodeError({ m: new Map<unknown, unknown>([[1, 'one']]) }, '$.m', /Map key of type number/);
    assertEncodeError([new Map([[null, 1]])], '$[0]', /type null/);
  });

  it('makes a Date its ISO 8601 string and fails for an invalid Date', () => {
    assert.equal(sanitize(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 250))), '2026-01-01T00:00:00.250Z');
    assertEncodeError({ when: new Date(NaN) }, '$.when', /invalid Date/);
  });

  it('makes a Set an array of sanitised elements', () => {
    assert.deepEqual(sanitize(new Set([1, NaN, 'x'])), [1, null, 'x']);
  });

  it('makes typed arrays other than Uint8Array arrays of their elements', () => {
    assert.deepEqual(sanitize(new Float64Array([1.5, NaN])), [1.5, null]);
    assert.deepEqual(sanitize(new Int16Array([-1, 2])), [-1, 2]);
    assert.deepEqual(sanitize(new BigInt64Array([5n, 2n ** 60n])), [5, 2n ** 60n]);
    assert.deepEqual(sanitize(new Uint8ClampedArray([255])), [255]);
  });

  it('makes a class instance a plain object of its own enumerable properties', () => {
    class Point {
      readonly x = 1;
      y = NaN;
      get norm(): number {
        return 0;
      }
    }
    const out = sanitize(new Point());
    assert.deepEqual(out, { x: 1, y: null });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    const error = new Error('boom');
    assert.deepEqual(sanitize(error), {}, 'an Error has no own enumerable properties');
  });

  it('copies a null-prototype object to a plain one in the portable form only', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const out = sanitize(bare);
    assert.deepEqual(out, { a: 1 });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(prepareForWire(bare), bare);
  });

  it('copies an array subclass to a plain array in the portable form', () => {
    class Items extends Array<number> {}
    const items = Items.from([1, 2]);
    const out = sanitize(items);
    assert.equal(Object.getPrototypeOf(out), Array.prototype);
    assert.deepEqual(out, [1, 2]);
  });

  it('names the path of a bad value inside a class instance', () => {
    class Holder {
      readonly ok = 1;
      readonly callback = (): number => 1;
    }
    assertEncodeError({ args: [new Holder()] }, '$.args[0].callback', /function/);
  });

  it('fails for functions and symbols, naming the path', () => {
    assertEncodeError({ args: [0, { user: () => 1 }] }, '$.args[1].user', /function/);
    assertEncodeError({ s: Symbol('x') }, '$.s', /symbol/);
    assertEncodeError(() => 1, '$');
  });

  it('quotes keys that are not identifiers in the path', () => {
    assertEncodeError({ 'a b': { 'c-d': [Symbol('x')] } }, '$["a b"]["c-d"][0]');
    assert.equal(formatPath(['ok', 3, '9lives', '$x']), '$.ok[3]["9lives"].$x');
  });

  it('ignores symbol-keyed properties (they are never sent; an otherwise unchanged object is returned as is)', () => {
    assert.deepEqual(Object.keys(sanitize({ a: 1, [Symbol('hidden')]: 2 }) as object), ['a']);
    assert.deepEqual(sanitize({ a: NaN, [Symbol('hidden')]: 2 }), { a: null });
  });

  it('keeps a property named __proto__ as an own property', () => {
    const input = JSON.parse('{"__proto__": {"x": 1}, "n": NaN}'.replace('NaN', 'null')) as Record<string, unknown>;
    input['n'] = NaN;
    const out = sanitize(input) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['__proto__', 'n']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { x: 1 });
  });
});

describe('sanitize: cycles, depth and hostile values', () => {
  it('fails for a cycle, naming where the value reappears', () => {
    const loop: Record<string, unknown> = { a: [] };
    (loop['a'] as unknown[]).push(loop);
    assertEncodeError(loop, '$.a[0]', /cycle/);
    const selfMap = new Map<string, unknown>();
    selfMap.set('me', selfMap);
    assertEncodeError(selfMap, '$.me', /cycle/);
  });

  it('accepts a value shared by two siblings (not a cycle)', () => {
    const shared = { n: 1 };
    assert.deepEqual(sanitize([shared, shared]), [{ n: 1 }, { n: 1 }]);
  });

  it(`fails beyond ${MAX_DEPTH} levels of nesting instead of overflowing the stack`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH; i++) deep = [deep];
    assert.doesNotThrow(() => sanitize(deep));
    assertEncodeError([deep], `$${'[0]'.repeat(MAX_DEPTH)}`, /nesting deeper/);
  });

  it('wraps a throwing getter in an EncodeError with the cause, and stays usable afterwards', () => {
    const hostile = {
      get boom(): never {
        throw new TypeError('getter failed');
      },
    };
    assert.throws(
      () => sanitize(hostile),
      (error: unknown) => error instanceof EncodeError && error.path === '$' && error.cause instanceof TypeError,
    );
    assert.deepEqual(sanitize({ ok: [1, NaN] }), { ok: [1, null] });
  });

  it('ignores enumerable properties added to Object.prototype (prototype pollution)', () => {
    Object.defineProperty(Object.prototype, 'polluted', {
      value: () => 1,
      enumerable: true,
      configurable: true,
      writable: true,
    });
    try {
      assert.deepEqual(Object.keys(sanitize({ a: 1, b: [2] }) as object), ['a', 'b']);
      const copied = sanitize({ a: NaN, b: 2 }) as Record<string, unknown>;
      assert.deepEqual(Object.keys(copied), ['a', 'b']);
      assert.equal(Object.hasOwn(copied, 'polluted'), false);
      assert.deepEqual(prepareForWire({ x: undefined, y: 1 }), { y: 1 });
    } finally {
      delete (Object.prototype as Record<string, unknown>)['polluted'];
    }
  });

  it('handles a getter that sanitises another value while the walk is running', () => {
    const reentrant = {
      get inner(): unknown {
        return sanitize({ x: [NaN] });
      },
      after: [Infinity],
    };
    assert.deepEqual(sanitize(reentrant), { inner: { x: [null] }, after: [null] });
  });
});

describe('sanitize: strings (MF-VAL-9)', () => {
  it('replaces lone surrogates with U+FFFD in values and keys', () => {
    assert.equal(sanitize('a\ud800b'), 'a\ufffdb');
    assert.deepEqual(sanitize({ ['k\udc00']: 'v' }), { 'k\ufffd': 'v' });
    assert.deepEqual(prepareForWire(['\udbff']), ['\ufffd']);
  });

  it('keeps well-formed non-BMP and empty strings unchanged', () => {
    const text = 'héllo 😀 𝄞';
    assert.equal(sanitize(text), text);
    assert.equal(sanitize(''), '');
  });
});

describe('sanitize: idempotence and identity (MF-VAL-8)', () => {
  it('returns the very same reference when nothing needs changing', () => {
    const message = {
      app: 'x',
      id: 'i',
      args: [1, 'two', [3.5, null, true], { deep: Buffer.from([1]) }],
      big: 2n ** 60n,
    };
    assert.equal(sanitize(message), message);
    const plain = { a: [1, 2.5, 'x'] };
    assert.equal(prepareForWire(plain), plain);
  });

  it('copies only the containers on the path to a change', () => {
    const untouched = { keep: [1, 2] };
    const input = { untouched, changed: { n: NaN } };
    const out = sanitize(input) as typeof input;
    assert.notEqual(out, input);
    assert.equal(out.untouched, untouched, 'an unchanged subtree is shared, not copied');
    assert.deepEqual(input.changed, { n: NaN }, 'the input is never modified');
  });

  it('sanitising a sanitised value changes nothing', () => {
    const once = sanitize({ d: new Date(0), s: new Set([NaN]), m: new Map([['k', -0]]), n: 2 ** 60, u: undefined });
    assert.equal(sanitize(once), once);
  });
});
