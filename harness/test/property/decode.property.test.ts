import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DecodeError } from '../../../src/errors.js';
import { Codec } from '../../../src/protocol/codec.js';
import { childFrames, parentFrames, parseChildInbound, parseParentInbound } from '../../../src/protocol/framing.js';
import { firstValueLength } from '../../../src/protocol/msgpack-length.js';
import { sanitize } from '../../../src/protocol/sanitize.js';
import { V3, V4 } from '../../../src/protocol/profile.js';
import { decodeMessage } from '../../../src/protocol/validate.js';
import { VECTORS_DIR } from '../../vectors/generate.js';
import { anyMessage, encodableInput } from './arbitraries.js';
import { fcParameters } from './fc-config.js';

const codec = new Codec();
const BOTH = [V3, V4];
/** A hang fails the test instead of blocking the run. */
const LIMIT = { timeout: 120_000 };

/** Decoding may succeed or throw a DecodeError; anything else fails the property. */
function decodesOrDecodeError(bytes: Uint8Array): void {
  try {
    codec.decodeValue(bytes);
  } catch (error) {
    assert.ok(error instanceof DecodeError, `threw ${String(error)}`);
  }
  const result = decodeMessage(codec, bytes, BOTH);
  if (!result.ok) assert.ok(result.error instanceof DecodeError);
}

/** Bytes that look like msgpack: a valid message payload with a few bytes changed, inserted or removed. */
const mangledPayload = fc
  .tuple(
    anyMessage,
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete')), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([message, edits]) => {
    const bytes = [...codec.encode(message)];
    for (const [at, byte, kind] of edits) {
      const index = at % (bytes.length + 1);
      if (kind === 'set' && index < bytes.length) bytes[index] = byte;
      else if (kind === 'insert') bytes.splice(index, 0, byte);
      else bytes.splice(index, 1);
    }
    return Uint8Array.from(bytes);
  });

describe('decoding never escapes with an untyped error (MF-FRAME-5, MF-MSG-1)', () => {
  it('arbitrary bytes decode or give a DecodeError, never anything else', LIMIT, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => decodesOrDecodeError(bytes)),
      fcParameters(),
    );
  });

  it('mangled valid payloads decode or give a DecodeError, never anything else', LIMIT, () => {
    fc.assert(
      fc.property(mangledPayload, (bytes) => decodesOrDecodeError(bytes)),
      fcParameters(),
    );
  });

  it('a huge declared length (str32/bin32/array32/map32 headers) is refused quickly, not allocated', LIMIT, () => {
    const header = fc.tuple(
      fc.constantFrom(0xdb, 0xc6, 0xdd, 0xdf),
      fc.integer({ min: 0x10000, max: 0xffffffff }),
      fc.uint8Array({ maxLength: 8 }),
    );
    fc.assert(
      fc.property(header, ([tag, length, rest]) => {
        const bytes = Buffer.concat([
          Buffer.from([tag]),
          Buffer.from([length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]),
          rest,
        ]);
        assert.throws(() => codec.decodeValue(bytes), DecodeError);
      }),
      fcParameters(),
    );
  });
});

describe('encode then decode of any valid message is the identity (MF-MSG-2 .. MF-MSG-8)', () => {
  it('decodeMessage(encode(m)) gives the sanitised message back, in its profile', LIMIT, () => {
    fc.assert(
      fc.property(anyMessage, (message) => {
        const result = decodeMessage(codec, codec.encode(message), BOTH);
        assert.ok(result.ok, result.ok ? '' : result.error.message);
        assert.deepStrictEqual(result.message, sanitize(message));
        assert.equal(result.profile.app, message.app);
      }),
      fcParameters(),
    );
  });
});

describe('cutting input apart gives a typed error (STYLE lesson 5)', () => {
  it('every proper prefix of a valid message payload is not-msgpack', LIMIT, () => {
    fc.assert(
      fc.property(anyMessage, fc.nat(), (message, at) => {
        const payload = codec.encode(message);
        const cut = at % payload.length;
        const result = decodeMessage(codec, payload.subarray(0, cut), BOTH);
        assert.ok(!result.ok && result.error.reason === 'not-msgpack', `prefix of ${cut}/${payload.length} bytes`);
      }),
      fcParameters(),
    );
  });

  it('every proper prefix of every golden message vector is not-msgpack, byte by byte', () => {
    for (const file of ['messages-v3.json', 'messages-v4.json']) {
      const { vectors } = JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as {
        vectors: Array<{ name: string; hex: string }>;
      };
      for (const vector of vectors) {
        const payload = Buffer.from(vector.hex, 'hex');
        assert.ok(decodeMessage(codec, payload, BOTH).ok, vector.name);
        for (let cut = 0; cut < payload.length; cut++) {
          const result = decodeMessage(codec, payload.subarray(0, cut), BOTH);
          assert.ok(!result.ok && result.error.reason === 'not-msgpack', `${vector.name}: prefix of ${cut} bytes`);
        }
      }
    }
  });

  it('the header-only length of any encoded value is its encoded length, whatever follows', LIMIT, () => {
    fc.assert(
      fc.property(encodableInput, fc.uint8Array({ maxLength: 4 }), (input, extra) => {
        const payload = codec.encode(input as object);
        assert.equal(firstValueLength(Buffer.concat([payload, extra])), payload.length);
      }),
      fcParameters(),
    );
  });

  it('a payload with bytes appended is trailing-bytes', LIMIT, () => {
    fc.assert(
      fc.property(anyMessage, fc.uint8Array({ minLength: 1, maxLength: 4 }), (message, extra) => {
        const result = decodeMessage(codec, Buffer.concat([codec.encode(message), extra]), BOTH);
        assert.ok(!result.ok && result.error.reason === 'trailing-bytes');
      }),
      fcParameters(),
    );
  });

  it('every wrong frame count is bad-frame-count, on both sides (MF-FRAME-4)', () => {
    const frames = fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 8 });
    fc.assert(
      fc.property(frames, (list) => {
        const parent = parseParentInbound(list);
        const child = parseChildInbound(list);
        if (list.length !== 2) assert.ok(!parent.ok && parent.error.reason === 'bad-frame-count');
        if (list.length !== 3) assert.ok(!child.ok && child.error.reason === 'bad-frame-count');
      }),
      fcParameters(),
    );
  });

  it('the right frame count parses exactly when the delimiter is empty (MF-FRAME-4)', () => {
    const frame = fc.uint8Array({ maxLength: 4 });
    fc.assert(
      fc.property(frame, frame, frame, (routingId, delimiter, payload) => {
        const parent = parseParentInbound([delimiter, payload]);
        const child = parseChildInbound([routingId, delimiter, payload]);
        if (delimiter.length === 0) {
          assert.ok(parent.ok && parent.payload === payload);
          assert.ok(child.ok && child.routingId === routingId && child.payload === payload);
          assert.deepEqual(parseParentInbound(parentFrames(payload)), { ok: true, payload });
          assert.deepEqual(parseChildInbound(childFrames(routingId, payload)), { ok: true, routingId, payload });
        } else {
          assert.ok(!parent.ok && parent.error.reason === 'bad-delimiter');
          assert.ok(!child.ok && child.error.reason === 'bad-delimiter');
        }
      }),
      fcParameters(),
    );
  });
});
