// The README's examples run as written: its `ts file=...` blocks are written to a folder inside the package
// (so `import 'multifrost-conform'` resolves to this package, compiled) and the parent is run with tsx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('the README parent and child examples run and print what the README says', (t) => {
  assert.ok(existsSync(`${root}dist/src/index.js`), 'run `npm run build` first (npm test does)');
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const blocks = [...readme.matchAll(/```ts file=(\S+)\n([\s\S]*?)```/g)];
  assert.deepEqual(
    blocks.map((b) => b[1]),
    ['math-worker.ts', 'parent.ts'],
  );
  const dir = `${root}.cache/readme-example`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [, name, body] of blocks) writeFileSync(`${dir}/${name}`, body!);
  const promised = /npx tsx parent\.ts\s+# prints (.+)/.exec(readme)?.[1];
  assert.equal(promised, '3, then 3628800');
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${dir}/parent.ts`], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(result.status, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n'), ['3', '3628800']);
});
