import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  EncodeError,
  ErrorCode,
  InvalidArgumentError,
  PayloadTooLargeError,
} from '../../../src/errors.js';
import { Codec, DEFAULT_MAX_PAYLOAD_BYTES, defaultCodec } from '../../../src/protocol/codec.js';
import { sanitize } from '../../../src/protocol/sanitize.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Buffer => Buffer.from(text, 'hex');

function assertDecodeError(fn: () => unknown, reason: DecodeError['reason']): DecodeError {
  let caught: unknown;
  assert.throws(fn, (error: unknown) => {
    caught = error;
    return error instanceof DecodeError && error.reason === reason;
  });
  return caught as DecodeError;
}

describe('Codec options', () => {
  it('defaults to a 16 MiB limit (MF-MSG-10)', () => {
    assert.equal(DEFAULT_MAX_PAYLOAD_BYTES, 16 * 1024 * 1024);
    assert.equal(new Codec().maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES);
    assert.equal(defaultCodec.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES);
  });

  it('rejects a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      assert.throws(() => new Codec({ maxPayloadBytes: bad }), InvalidArgumentError);
    }
  });
});

describe('Codec.encode: canonical bytes', () => {
  const codec = new Codec();

  it('writes integers in the smallest format, uint for non-negative (MF-VAL-2)', () => {
    const cases: Array<[number | bigint, string]> = [
      [127, '7f'],
      [128, 'cc80'],
      [65536, 'ce00010000'],
      [2 ** 31, 'ce80000000'],
      [2 ** 32, 'cf0000000100000000'],
      [-33, 'd0df'],
      [-(2 ** 31) - 1, 'd3ffffffff7fffffff'],
      [2 ** 53, 'cf0020000000000000'],
      [1n, '01'],
      [-5n, 'fb'],
      [2n ** 63n - 1n, 'cf7fffffffffffffff'],
      [-(2n ** 63n), 'd38000000000000000'],
      [-(2 ** 63), 'd38000000000000000'],
    ];
    for (const [value, expected] of cases)
      assert.equal(hex(codec.encode(value as unknown as object)), expected, String(value));
  });

  it('writes every float as float64, never float32 (MF-VAL-2)', () => {
    assert.equal(hex(codec.encode(1.5 as unknown as object)), 'cb3ff8000000000000');
    assert.equal(hex(codec.encode((2 ** 63) as unknown as object)), 'cb43e0000000000000');
  });

  it('uses fixmap and str8 headers where they fit', () => {
    assert.equal(hex(codec.encode({ a: 'x'.repeat(32) })).slice(0, 8), '81a161d9');
  });

  it('never writes an extension type: undefined is omitted or nil, Date is a string (MF-VAL-6)', () => {
    assert.equal(hex(codec.encode([undefined])), '91c0');
    assert.equal(hex(codec.encode({ u: undefined })), '80');
    assert.equal(hex(codec.encode([new Date(0)])), `91b8${Buffer.from('1970-01-01T00:00:00.000Z').toString('hex')}`);
    assert.equal(hex(codec.encode(new Set([1]))), '9101');
  });

  it('writes Uint8Array and Buffer as bin (MF-VAL-5)', () => {
    assert.equal(hex(codec.encode([new Uint8Array([1, 2]), Buffer.alloc(0)])), '92c4020102c400');
  });

  it('refuses a value that cannot be sent, with its path', () => {
    assert.throws(
      () => codec.encode({ args: [() => 1] }),
      (error: unknown) => error instanceof EncodeError && error.path === '$.args[0]',
    );
  });

  it('refuses a payload over the limit with PayloadTooLargeError (MF-MSG-10)', () => {
    const small = new Codec({ maxPayloadBytes: 16 });
    assert.equal(small.encode({ a: 'x'.repeat(12) }).length, 16);
    assert.throws(
      () => small.encode({ a: 'x'.repeat(13) }),
      (error: unknown) =>
        error instanceof PayloadTooLargeError &&
        error.sizeBytes === 16 + 1 &&
        error.limitBytes === 16 &&
        error.code === ErrorCode.PAYLOAD_TOO_LARGE,
    );
  });

  it('returns a Buffer the caller owns: a later encode does not change it', () => {
    const first = codec.encode({ n: 1 });
    const copy = Buffer.from(first);
    codec.encode({ n: 2, other: 'x'.repeat(100) });
    assert.deepEqual(first, copy);
  });

  it('wraps a msgpackr failure in an EncodeError', () => {
    // A WideInteger-free, sanitised value never fails in msgpackr; a proxy whose traps throw late does.
    // Its null prototype keeps it off the flat fast path (flat-encode.ts), which never calls msgpackr.
    let reads = 0;
    const proxy = new Proxy(
      { a: 1 },
      {
        getPrototypeOf: () => null,
        get(target, key, receiver) {
          reads++;
          if (reads > 1) throw new Error('second read');
          return Reflect.get(target, key, receiver);
        },
      },
    );
    assert.throws(
      () => codec.encode(proxy),
      (error: unknown) => error instanceof EncodeError,
    );
  });
});

describe('Codec.decodeValue: strict decoding', () => {
  const codec = new Codec();

  it('decodes maps to plain objects in wire key order', () => {
    const value = codec.decodeValue(fromHex('82a16201a161c3')) as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ['b', 'a']);
    assert.deepEqual(value, { b: 1, a: true });
  });

  it('checks the size limit before decoding (MF-MSG-10, MF-SEC-3)', () => {
    const small = new Codec({ maxPayloadBytes: 4 });
    // Not msgpack at all, but too large is reported first: the bytes are never parsed.
    const error = assertDecodeError(() => small.decodeValue(fromHex('c1c1c1c1c1')), 'too-large');
    assert.equal(error.code, ErrorCode.PAYLOAD_TOO_LARGE);
    assert.equal(small.decodeValue(fromHex('93010203')) instanceof Array, true);
  });

  it('refuses empty, truncated and invalid payloads as not-msgpack (MF-FRAME-5)', () => {
    for (const bad of ['', 'a261', '92c0', 'cb3ff8', 'c1', 'de0001']) {
      const error = assertDecodeError(() => codec.decodeValue(fromHex(bad)), 'not-msgpack');
      assert.equal(error.code, ErrorCode.DECODE);
    }
  });

  it('refuses bytes after the first value as trailing-bytes (MF-FRAME-5)', () => {
    assertDecodeError(() => codec.decodeValue(fromHex('c0c0')), 'trailing-bytes');
    assertDecodeError(() => codec.decodeValue(fromHex('81a16101ff')), 'trailing-bytes');
  });

  it('refuses every extension type, nested or not (MF-VAL-6)', () => {
    for (const ext of ['d40000', 'd6ff00000000', 'd50102ffff', 'c7030a010203', '91d40100']) {
      const error = assertDecodeError(() => codec.decodeValue(fromHex(ext)), 'not-msgpack');
      assert.match(error.message, /extension type/);
    }
  });

  it('decodes bin to a Buffer, also from a plain Uint8Array, and never aliases the input (MF-VAL-5)', () => {
    const input = new Uint8Array(fromHex('c40201029101'.slice(0, 8)));
    const value = codec.decodeValue(input) as Buffer;
    assert.ok(Buffer.isBuffer(value));
    assert.deepEqual([...value], [1, 2]);
    input[2] = 99;
    assert.equal(value[0], 1, 'a copy, not a view of the receive buffer');
  });

  it('decodes 64-bit integers to numbers when safe and bigints otherwise (MF-VAL-4)', () => {
    assert.equal(codec.decodeValue(fromHex('cf001fffffffffffff')), 2 ** 53 - 1);
    assert.equal(codec.decodeValue(fromHex('cf0020000000000000')), 2n ** 53n);
    assert.equal(codec.decodeValue(fromHex('d3ffe0000000000000')), -(2n ** 53n));
    assert.equal(codec.decodeValue(fromHex('d30020000000000000')), 2n ** 53n, 'non-canonical int64 too');
    assert.equal(codec.decodeValue(fromHex('cf8000000000000000')), 2n ** 63n);
    assert.equal(codec.decodeValue(fromHex('d3ffffffff7fffffff')), -(2 ** 31) - 1);
  });

  it('keeps every other value exact when a payload holds ±2^53 (the exact re-decode path)', () => {
    const value = codec.decodeValue(
      codec.encode({ a: [2n ** 53n, 2 ** 40, 2n ** 60n, 1.5, 'x'], b: { c: -(2n ** 53n) } }),
    );
    assert.deepEqual(value, { a: [2n ** 53n, 2 ** 40, 2n ** 60n, 1.5, 'x'], b: { c: -(2n ** 53n) } });
  });

  it('finds ±2^53 in large payloads too (native scan), and shrugs off look-alike bytes in strings', () => {
    const big = codec.decodeValue(codec.encode({ pad: 'p'.repeat(500), n: 2n ** 53n, m: 2 ** 33 }));
    assert.deepEqual(big, { pad: 'p'.repeat(500), n: 2n ** 53n, m: 2 ** 33 });
    const lookAlike = '\u0000\u0020\u0000\u0000\u0000\u0000\u0000\u0000';
    assert.deepEqual(codec.decodeValue(codec.encode({ s: lookAlike, n: 5 })), { s: lookAlike, n: 5 });
  });

  it('refuses absurdly deep nesting as not-msgpack and keeps working afterwards', () => {
    const deep = Buffer.concat([Buffer.alloc(200_000, 0x91), Buffer.from([0xc0])]);
    assertDecodeError(() => codec.decodeValue(deep), 'not-msgpack');
    assert.deepEqual(codec.decodeValue(codec.encode({ after: ['ok', 1] })), { after: ['ok', 1] });
  });

  it('decodes invalid UTF-8 with U+FFFD instead of refusing it', () => {
    assert.equal(codec.decodeValue(fromHex('a2c328')), '\ufffd(');
  });

  it('decodes a __proto__ key as an own property, unchanged, and sets no prototype', () => {
    const value = codec.decodeValue(fromHex('81a95f5f70726f746f5f5f81a178c3')) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__'), {
      value: { x: true },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    assert.equal(value['x'], undefined);
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  it('keeps {"__proto__": 1, "__proto_": 2} whole in both directions (no entry lost or renamed)', () => {
    const input = JSON.parse('{"__proto__": 1, "__proto_": 2}') as Record<string, unknown>;
    const bytes = codec.encode(input);
    assert.equal(hex(bytes), '82a95f5f70726f746f5f5f01a85f5f70726f746f5f02');
    const decoded = codec.decodeValue(bytes) as Record<string, unknown>;
    assert.deepEqual(Object.entries(decoded), [
      ['__proto__', 1],
      ['__proto_', 2],
    ]);
    assert.equal(hex(codec.encode(decoded)), hex(bytes));
  });

  it('keeps __proto__ keys at any depth, in any string format, beside the other rare paths (2^53, non-string keys)', () => {
    // {"a": [{"__proto__": {"__proto__": 2^53}}], 1: "one"} with the outer key as str8 (a foreign encoder's choice).
    const bytes = fromHex('82a1619181d9095f5f70726f746f5f5f81a95f5f70726f746f5f5fcf002000000000000001a36f6e65');
    const decoded = codec.decodeValue(bytes) as { a: Array<Record<string, Record<string, unknown>>>; 1: string };
    const inner = decoded.a[0]!['__proto__']!;
    assert.equal(Object.getPrototypeOf(inner), Object.prototype);
    assert.equal(inner['__proto__'], 2n ** 53n);
    assert.equal(decoded[1], 'one');
    assert.deepEqual(Object.keys(decoded), ['1', 'a']);
  });

  it('refuses a map key with no string form in a payload holding __proto__, as it does without', () => {
    assertDecodeError(() => codec.decodeValue(fromHex('81a95f5f70726f746f5f5f81910101')), 'not-msgpack');
    assertDecodeError(() => codec.decodeValue(fromHex('81910101')), 'not-msgpack');
  });

  it('a decoded __proto__ key never reaches a prototype when the value is sanitised, copied or re-encoded', () => {
    const decoded = codec.decodeValue(fromHex('82a95f5f70726f746f5f5f81a8706f6c6c75746564c3a16101')) as Record<
      string,
      unknown
    >;
    for (const copy of [
      sanitize(decoded),
      { ...decoded },
      structuredClone(decoded),
      codec.decodeValue(codec.encode({ args: [decoded] })),
    ]) {
      assert.equal((copy as Record<string, unknown>)['polluted'], undefined);
    }
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(hex(codec.encode(sanitize(decoded) as object)), '82a95f5f70726f746f5f5f81a8706f6c6c75746564c3a16101');
  });

  it('round-trips strings, including empty and non-BMP (MF-VAL-9), and floats bit for bit (MF-VAL-10)', () => {
    const value = { s: ['', 'é', '😀𝄞', 'x'.repeat(70_000)], f: [0.1, -1e-300, Number.MAX_VALUE, 5e-324] };
    assert.deepEqual(codec.decodeValue(codec.encode(value)), value);
  });
});
