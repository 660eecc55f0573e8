// The driver contract's tagged JSON (docs/peers.md) as the TypeScript driver reads and prints it, and the
// kit child's unportable results it is checked with (MF-VAL-1, MF-VAL-14).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ForeignExtension, defaultCodec } from '../../../src/protocol/codec.js';
import { fromTaggedJson, toTaggedJson } from '../../../src/conform/tagged-json.js';
import { rewriteReply } from '../../../src/conform/misbehaving-replies.js';
import { parseMisbehaviour, inScope, type ScopedBreakage } from '../../../src/conform/misbehaviour.js';
import { readWire } from '../../../src/conform/wire-read.js';
import { wire, wireField } from '../../../src/conform/wire-value.js';

test('$float names NaN and the infinities, which the codec sends as nil (MF-VAL-1)', () => {
  const args = fromTaggedJson([{ $float: 'NaN' }, [{ $float: 'Infinity' }], { x: { $float: '-Infinity' } }]);
  assert.deepEqual(args, [NaN, [Infinity], { x: -Infinity }]);
  assert.deepEqual(defaultCodec.decodeValue(defaultCodec.encode({ args: args as object })), {
    args: [null, [null], { x: null }],
  });
  // Any other text is no tag: an ordinary map.
  assert.deepEqual(fromTaggedJson({ $float: '1.5' }), { $float: '1.5' });
});

test('a Map with a non-string key prints as $map pairs and an extension as $ext (MF-VAL-14)', () => {
  const value = [new Map<unknown, unknown>([[1, 'one']]), new ForeignExtension(5, Buffer.from([1, 2, 3]))];
  assert.deepEqual(toTaggedJson(value), [{ $map: [[1, 'one']] }, { $ext: { type: 5, hex: '010203' } }]);
});

for (const [name, expected] of [
  ['result-integer-key', wire.array([wire.map([[wire.int(1), wire.str('one')]])])],
  ['result-extension', wire.array([wire.int(1), wire.map([['v', wire.ext(5, Buffer.from([1, 2, 3]))]])])],
] as const) {
  test(`the kit child's ${name} replaces the result of the scoped call only`, () => {
    const how = parseMisbehaviour(`${name}@echo(["x"])`);
    const active = (breakage: ScopedBreakage, call?: { function: string | undefined; args: unknown }) =>
      inScope(how.scoped?.[breakage], call);
    const reply = { app: 'comlink_ipc_v3', id: 'c1', type: 'response', timestamp: 1, result: 'x' };
    const payload = defaultCodec.encode(reply);
    const out = rewriteReply(reply, payload, { function: 'echo', args: ['x'] }, how, active);
    assert.deepEqual(wireField(readWire(out), 'result'), expected);
    assert.deepEqual(wireField(readWire(out), 'id'), wire.str('c1'));
    const other = rewriteReply(reply, payload, { function: 'echo', args: ['y'] }, how, active);
    assert.equal(other, payload);
  });
}
