// The registry document scanner (byte-exact preservation of other entries, MF-REG-12) against JSON.parse, on
// random objects in random layouts. Replay a failure with MF_FC_SEED / MF_FC_PATH (see fc-config.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatRegistryText, parseRegistryText } from '../../../src/registry/index.js';
import { fcParameters } from '../property/fc-config.js';

/** JSON text of an object with a random layout: compact, indented, or with spaces around every token. */
const layoutOf = (value: Record<string, unknown>, layout: number): string => {
  if (layout === 0) return JSON.stringify(value);
  if (layout <= 4) return JSON.stringify(value, null, layout);
  return JSON.stringify(value, null, '\t')
    .replace(/([,:])/g, ' $1 ')
    .replace(/^\{/, ' \r\n{ ');
};

const objects = fc.dictionary(
  fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'a"b', 'x\\y', '}', ']')),
  fc.jsonValue(),
  { maxKeys: 8 },
);

test('every member raw text parses to the value JSON.parse gives, in file order, and formatting round-trips', () => {
  fc.assert(
    fc.property(objects, fc.integer({ min: 0, max: 5 }), (value, layout) => {
      const text = layoutOf(value, layout);
      const parsed = parseRegistryText(text);
      assert.ok(parsed.ok, text);
      const reference = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual([...parsed.members.keys()], Object.keys(reference));
      for (const [key, member] of parsed.members) {
        assert.deepEqual(JSON.parse(member.raw), reference[key]);
        assert.deepEqual(member.value, reference[key]);
      }
      const formatted = formatRegistryText(parsed.members);
      assert.deepEqual(JSON.parse(formatted), reference);
      const again = parseRegistryText(formatted);
      assert.ok(again.ok);
      assert.equal(formatRegistryText(again.members), formatted, 'formatting is a fixed point');
    }),
    // Each run is microseconds; 2 000 keeps the file under a second on the shared machine.
    fcParameters({ numRuns: 2_000 }),
  );
});

test('every top-level JSON value that is not an object, and every strict prefix of an object, is refused with a reason', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = JSON.stringify(value);
      const parsed = parseRegistryText(text);
      const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
      assert.equal(parsed.ok, isObject, text);
      if (!parsed.ok) assert.ok(parsed.reason.length > 0);
      if (isObject) {
        for (let cut = 0; cut < text.length; cut++)
          assert.equal(parseRegistryText(text.slice(0, cut)).ok, false, text.slice(0, cut));
      }
    }),
    fcParameters({ numRuns: 1_000 }),
  );
});
