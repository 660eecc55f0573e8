/**
 * The table of child breakages (harness/falsifiability/falsifiability.ts) stays complete: every clause an
 * @child scenario cites has a breakage that proves its check can fail, or a reason in CANNOT_BREAK why none
 * can exist. Read from the catalogue's feature files (no run), so it takes milliseconds and runs in
 * `npm test`; running each breakage (minutes) is `npm run falsifiability`. The parent side's table is checked
 * the same way in harness/test/cli/broken-drivers.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogueScenarios } from '../../../src/conform/run-catalogue.js';
import { locateCatalogue } from '../../../src/conform/catalogue.js';
import { tableProblems } from '../../falsifiability/falsifiability.js';

test('every clause cited by an @child scenario has a child breakage, or is listed as unbreakable with the reason', async () => {
  const scenarios = await catalogueScenarios(locateCatalogue());
  const child = scenarios.filter((s) => s.tags.includes('@child'));
  assert.ok(child.length >= 100, `the catalogue has its @child scenarios (${child.length})`);
  const cited = new Set(
    child.flatMap((s) => s.tags.filter((tag) => tag.startsWith('@MF-')).map((tag) => tag.slice(1))),
  );
  const { missing, stale, both } = tableProblems(cited);
  assert.deepEqual(
    missing,
    [],
    'clauses cited by @child scenarios with no breakage: add one to harness/falsifiability/falsifiability.ts (and prove it with npm run falsifiability), or say in CANNOT_BREAK why none can exist',
  );
  assert.deepEqual(stale, [], 'breakages or unbreakable entries for clauses no @child scenario cites any more');
  assert.deepEqual(both, [], 'clauses listed as unbreakable that have a breakage');
  // The check bites: a newly cited clause without a breakage is reported, and so is a breakage left behind.
  assert.deepEqual(tableProblems(new Set([...cited, 'MF-NEW-1'])).missing, ['MF-NEW-1']);
  const [one] = [...cited].filter((clause) => clause !== 'MF-LIFE-3');
  assert.deepEqual(tableProblems(new Set([...cited].filter((clause) => clause !== one))).stale, [one]);
});
