/**
 * The differential value check of `--fuzz-values`, in process and without sockets: every generated wire
 * value, decoded by the TypeScript codec and encoded again (what the reference worker's `echo` does), is
 * what the oracle says docs/spec.md section 4 requires. A codec change that alters a value shape fails
 * here in seconds, with the shrunk value.
 * @see MF-VAL-1, MF-VAL-2, MF-VAL-4, MF-VAL-5, MF-VAL-9, MF-VAL-10, MF-VAL-11
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultCodec } from '../../../src/protocol/codec.js';
import { sanitize } from '../../../src/protocol/sanitize.js';
import { wireValue } from '../../../src/conform/value-arbitraries.js';
import { compareEcho } from '../../../src/conform/value-oracle.js';
import { readWire } from '../../../src/conform/wire-read.js';
import { showWire } from '../../../src/conform/wire-show.js';
import { type WireValue } from '../../../src/conform/wire-value.js';
import { writeWire } from '../../../src/conform/wire-write.js';
import { fcParameters } from './fc-config.js';

/** decode, then encode as the result of a RESPONSE would be, and read back with the wire types. */
function echoedByCodec(value: WireValue, bytes: Buffer): WireValue {
  const decoded = defaultCodec.decodeValue(bytes);
  const reply = readWire(defaultCodec.encode({ result: [sanitize(decoded)] }));
  assert.equal(reply.type, 'map', showWire(value));
  const result = reply.type === 'map' ? reply.entries[0]![1] : reply;
  return result.type === 'array' ? result.items[0]! : result;
}

describe('the TypeScript codec echoes every generated value as the spec requires', () => {
  it('decode then encode gives what the oracle requires, at every depth', () => {
    fc.assert(
      fc.property(wireValue, (value) => {
        const mismatch = compareEcho(value, echoedByCodec(value, writeWire(value)));
        assert.equal(mismatch, undefined, JSON.stringify(mismatch));
      }),
      // Values reach 65,536 elements: fewer runs than the cheap properties, still every shape many times.
      fcParameters({ numRuns: Math.min(400, Number(process.env['MF_FC_RUNS'] ?? 400)) }),
    );
  });
});
