import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAY_HOLD_PROTO_KEY, MAY_HOLD_TWO_TO_53, rareBytes } from '../../../src/protocol/rare-bytes.js';
import { fcParameters } from '../property/fc-config.js';

const PROTO = Buffer.from('__proto__', 'latin1');
/** The three encodings of an integer of magnitude 2^53 (uint64 and int64 +2^53, int64 -2^53). */
const TWO_TO_53 = ['cf0020000000000000', 'd30020000000000000', 'd3ffe0000000000000'].map((hex) =>
  Buffer.from(hex, 'hex'),
);

/** Random bytes with `run` inserted at a random place: small (the loop) and large (the native searches). */
const withRun = (run: Buffer) =>
  fc.tuple(fc.uint8Array({ maxLength: 600 }), fc.nat()).map(([noise, at]) => {
    const cut = at % (noise.length + 1);
    return Buffer.concat([noise.subarray(0, cut), run, noise.subarray(cut)]);
  });

describe('rareBytes: when a payload needs an exact decode (MF-VAL-4, MF-VAL-11)', () => {
  it('finds the key __proto__ and every encoding of ±2^53 anywhere, in payloads of every size', () => {
    fc.assert(
      fc.property(withRun(PROTO), (bytes) => (rareBytes(bytes) & MAY_HOLD_PROTO_KEY) !== 0),
      fcParameters({ numRuns: 1000 }),
    );
    for (const run of TWO_TO_53) {
      fc.assert(
        fc.property(withRun(run), (bytes) => (rareBytes(bytes) & MAY_HOLD_TWO_TO_53) !== 0),
        fcParameters({ numRuns: 1000 }),
      );
    }
  });

  it('answers 0 for the usual payload, small or large', () => {
    const call = Buffer.from('86a3617070ae636f6d6c696e6b5f6970635f7633a2696401a474797065a463616c6c', 'hex');
    assert.equal(rareBytes(call), 0);
    assert.equal(rareBytes(Buffer.concat([call, Buffer.alloc(1000, 0x41)])), 0);
    // A tag byte or an underscore alone is not enough.
    assert.equal(rareBytes(Buffer.from('cf00200000000000015f5f70726f746f5f', 'hex')), 0);
  });
});
